package io.meridian.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.proto.AccessRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class TlsFilesTest {

    @TempDir
    Path dir;

    private TestPki pki;

    @BeforeEach
    void createCa() throws Exception {
        pki = new TestPki(dir);
    }

    @Test
    void acceptsACurrentCertificateOfTheCaWithItsKey() throws Exception {
        TlsFiles files = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        assertThatCode(files::check).doesNotThrowAnyException();
    }

    @Test
    void refusesAKeyThatIsNotTheCertificates() throws Exception {
        TlsFiles one = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        TlsFiles two = pki.issue("n2", AccessRole.ACCESS_ROLE_NODE);
        TlsFiles mixed = new TlsFiles(pki.caFile, one.certificate(), two.privateKey());
        assertThatThrownBy(mixed::check).isInstanceOf(TlsException.class).hasMessage(
                "tls key " + two.privateKey() + " does not match the certificate " + one.certificate());
    }

    @Test
    void refusesACertificateOfAnotherCa() throws Exception {
        TlsFiles stranger = new TestPki(Files.createDirectory(dir.resolve("other")))
                .issue("mallory", AccessRole.ACCESS_ROLE_ADMIN);
        TlsFiles files = new TlsFiles(pki.caFile, stranger.certificate(), stranger.privateKey());
        assertThatThrownBy(files::check).isInstanceOf(TlsException.class).hasMessage(
                "certificate " + stranger.certificate() + " is not signed by the CA in " + pki.caFile);
    }

    @Test
    void refusesAnExpiredCertificateSayingWhen() throws Exception {
        Instant end = Instant.parse("2026-01-01T00:00:00Z");
        TlsFiles files = pki.write("old", pki.ca.issue(new CertificateSubject("old", AccessRole.ACCESS_ROLE_READER,
                List.of(), new TreeMap<>(), ""), end.minus(Duration.ofDays(1)), end));
        assertThatThrownBy(files::check).isInstanceOf(TlsException.class)
                .hasMessage("certificate " + files.certificate() + " expired at 2026-01-01T00:00:00Z");
    }

    @Test
    void refusesMissingAndGarbageFilesNamingThem() throws Exception {
        TlsFiles good = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> new TlsFiles(missing, good.certificate(), good.privateKey()).check())
                .isInstanceOf(TlsException.class).hasMessage("CA certificate " + missing + ": no such file");
        Path garbage = dir.resolve("garbage.key");
        Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> new TlsFiles(pki.caFile, good.certificate(), garbage).check())
                .isInstanceOf(TlsException.class).hasMessageStartingWith("tls key " + garbage + ": not a PKCS#8");
        assertThatThrownBy(() -> new TlsFiles(good.certificate(), good.certificate(), good.privateKey()).check())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("CA certificate " + good.certificate()).hasMessageContaining("not a CA");
    }
}
