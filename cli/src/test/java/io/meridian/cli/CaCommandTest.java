package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meridian.proto.AccessRole;
import io.meridian.security.Pem;
import io.meridian.security.PeerIdentity;
import io.meridian.security.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `meridian ca init` and `meridian ca issue`: files only, no cluster. */
@Timeout(60)
class CaCommandTest {

    @TempDir
    Path dir;

    @Test
    void initThenIssueWritesFilesThatPassTheTlsCheck() throws Exception {
        CliTestBase.Result init = CliTestBase.raw("ca", "init", "--dir", dir.toString()).ok();
        assertThat(init.lines()).hasSize(2);
        assertThat(init.lines().get(0)).startsWith("wrote " + dir.resolve("ca.crt") + " and " + dir.resolve("ca.key"))
                .contains(": meridian-ca (CA, serial ");
        assertThat(init.lines().get(1)).contains("ca.key").contains("ca.crt");
        X509Certificate ca = Pem.certificates(dir.resolve("ca.crt")).get(0);
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=meridian-ca");
        assertThat(ca.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(3650)), within(1, ChronoUnit.HOURS));

        CliTestBase.Result issue = CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "n1",
                "--role", "node", "--label", "zone=a", "--label", "rack=r7", "--raft-role", "voter").ok();
        assertThat(issue.lines()).hasSize(1);
        assertThat(issue.out()).startsWith("wrote " + dir.resolve("n1.crt") + " and " + dir.resolve("n1.key"))
                .contains("role node").contains("localhost,127.0.0.1");

        TlsFiles files = new TlsFiles(dir.resolve("ca.crt"), dir.resolve("n1.crt"), dir.resolve("n1.key"));
        files.check();
        X509Certificate certificate = Pem.certificates(files.certificate()).get(0);
        assertThat(PeerIdentity.of(certificate)).contains(new PeerIdentity("n1", AccessRole.ACCESS_ROLE_NODE,
                new TreeMap<>(Map.of("zone", "a", "rack", "r7")), "voter"));
        assertThat(certificate.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(365)), within(1, ChronoUnit.HOURS));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(ownerOnly);
            assertThat(Files.getPosixFilePermissions(dir.resolve("n1.key"))).isEqualTo(ownerOnly);
        }
        assertNoKeyIn(init, issue);
    }

    @Test
    void issuesToAnotherDirectoryWithHostsAndValidity() throws Exception {
        CliTestBase.raw("ca", "init", "--dir", dir.toString(), "--name", "prod-ca", "--validity", "8760h").ok();
        Path out = dir.resolve("alice-tls");

        CliTestBase.Result issue = CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "alice",
                "--role", "ADMIN", "--host", "admin.example.com", "--validity", "30d", "--out-dir", out.toString())
                .ok();

        assertThat(dir.resolve("alice.crt")).doesNotExist();
        new TlsFiles(dir.resolve("ca.crt"), out.resolve("alice.crt"), out.resolve("alice.key")).check();
        X509Certificate certificate = Pem.certificates(out.resolve("alice.crt")).get(0);
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=alice,OU=admin");
        assertThat(certificate.getIssuerX500Principal().getName()).isEqualTo("CN=prod-ca");
        assertThat(certificate.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(30)), within(1, ChronoUnit.HOURS));
        assertThat(certificate.getSubjectAlternativeNames()).containsExactly(List.of(2, "admin.example.com"));
        assertNoKeyIn(issue);
    }

    @Test
    void aCertificateNeverOutlivesTheCa() throws Exception {
        CliTestBase.raw("ca", "init", "--dir", dir.toString(), "--validity", "30d").ok();
        CliTestBase.Result issue = CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "bob",
                "--role", "reader").ok();
        assertThat(issue.out()).contains("cut to the CA's own end");
        assertThat(Pem.certificates(dir.resolve("bob.crt")).get(0).getNotAfter())
                .isEqualTo(Pem.certificates(dir.resolve("ca.crt")).get(0).getNotAfter());
    }

    @Test
    void refusesToOverwrite() throws Exception {
        CliTestBase.raw("ca", "init", "--dir", dir.toString()).ok();
        String caCertificate = Files.readString(dir.resolve("ca.crt"));
        String caKey = Files.readString(dir.resolve("ca.key"));
        CliTestBase.raw("ca", "init", "--dir", dir.toString()).usage(dir.resolve("ca.crt") + " exists");
        assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo(caCertificate);
        assertThat(Files.readString(dir.resolve("ca.key"))).isEqualTo(caKey);

        CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "n1", "--role", "node").ok();
        String certificate = Files.readString(dir.resolve("n1.crt"));
        String key = Files.readString(dir.resolve("n1.key"));
        CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "n1", "--role", "node")
                .usage(dir.resolve("n1.crt") + " exists");
        assertThat(Files.readString(dir.resolve("n1.crt"))).isEqualTo(certificate);
        assertThat(Files.readString(dir.resolve("n1.key"))).isEqualTo(key);

        Files.writeString(dir.resolve("n2.key"), "someone else's");
        CliTestBase.raw("ca", "issue", "--ca-dir", dir.toString(), "--name", "n2", "--role", "node")
                .usage(dir.resolve("n2.key") + " exists");
        assertThat(dir.resolve("n2.crt")).doesNotExist();
        assertThat(Files.readString(dir.resolve("n2.key"))).isEqualTo("someone else's");
    }

    @Test
    void badRoleNameLabelsAndHostsAreUsageErrorsThatWriteNothing() throws Exception {
        CliTestBase.raw("ca", "init", "--dir", dir.toString()).ok();
        String ca = dir.toString();

        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "x", "--role", "root")
                .usage("'root' is not a role: use admin, operator, node or reader");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "../etc/x", "--role", "admin")
                .usage("--name '../etc/x' is not valid");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "-x", "--role", "admin")
                .usage("starting with a letter or digit");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "a".repeat(65), "--role", "admin")
                .usage("use 1-64 letters");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "r1", "--role", "reader", "--raft-role", "voter")
                .usage("--raft-role is for node certificates");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "n1", "--role", "node", "--label", "Zone=a")
                .usage("label key 'Zone' is not valid");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "n1", "--role", "node", "--host", "bad host")
                .usage("host 'bad host'");
        CliTestBase.raw("ca", "issue", "--ca-dir", ca, "--name", "n1", "--role", "node", "--validity", "10x")
                .usage("'10x' is not a validity");
        CliTestBase.raw("ca", "init", "--dir", dir.resolve("other").toString(), "--validity", "0d")
                .usage("'0d' is not a validity");

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder("ca.crt", "ca.key");
        }
    }

    @Test
    void issueWithoutACaNamesTheMissingFile() {
        Path empty = dir.resolve("empty");
        CliTestBase.raw("ca", "issue", "--ca-dir", empty.toString(), "--name", "n1", "--role", "node",
                "--out-dir", dir.toString()).usage(empty.resolve("ca.crt") + ": no such file");
        assertThat(dir.resolve("n1.crt")).doesNotExist();
        assertThat(dir.resolve("n1.key")).doesNotExist();
    }

    /** No line of any private key written under the test directory appears in the commands' output. */
    private void assertNoKeyIn(CliTestBase.Result... results) throws Exception {
        List<String> keyLines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path key : files.filter(file -> file.toString().endsWith(".key")).toList()) {
                Files.readString(key).lines().filter(line -> !line.startsWith("-----")).forEach(keyLines::add);
            }
        }
        assertThat(keyLines).isNotEmpty();
        for (CliTestBase.Result result : results) {
            assertThat(result.out() + result.err()).doesNotContain("PRIVATE KEY");
            for (String line : keyLines) {
                assertThat(result.out() + result.err()).doesNotContain(line);
            }
        }
    }
}
