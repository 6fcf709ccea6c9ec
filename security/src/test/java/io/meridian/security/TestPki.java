package io.meridian.security;

import io.meridian.proto.AccessRole;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

/** A cluster CA and certificates written to a directory, for tests. */
final class TestPki {

    final Path dir;
    final CertificateAuthority ca;
    final Path caFile;

    TestPki(Path dir) throws IOException {
        this.dir = dir;
        this.ca = CertificateAuthority.create("test-ca", Duration.ofDays(30));
        this.caFile = dir.resolve("ca.crt");
        Pem.writePublic(caFile, Pem.encode(ca.certificate()));
    }

    /** Issues a certificate to {@code identity} for {@code role}, naming localhost and 127.0.0.1, and writes it. */
    TlsFiles issue(String identity, AccessRole role) throws IOException {
        return write(identity, ca.issue(new CertificateSubject(identity, role, List.of("localhost", "127.0.0.1"),
                new TreeMap<>(), ""), Duration.ofDays(1)));
    }

    /** Writes {@code issued} as {@code <name>.crt} and {@code <name>.key} and names the files with this CA. */
    TlsFiles write(String name, IssuedCertificate issued) throws IOException {
        Path certificate = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        issued.write(certificate, key);
        return new TlsFiles(caFile, certificate, key);
    }
}
