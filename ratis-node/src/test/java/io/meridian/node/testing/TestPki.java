package io.meridian.node.testing;

import io.meridian.proto.AccessRole;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.CertificateSubject;
import io.meridian.security.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

/**
 * A cluster CA for tests, in a directory of its own: ca.crt and ca.key, and NAME.crt / NAME.key for
 * each identity it issues (hosts localhost and 127.0.0.1, so every local endpoint verifies).
 */
public final class TestPki {

    private final Path dir;
    private final CertificateAuthority ca;

    private TestPki(Path dir, CertificateAuthority ca) {
        this.dir = dir;
        this.ca = ca;
    }

    public static TestPki create(Path dir) {
        try {
            Files.createDirectories(dir);
            CertificateAuthority ca = CertificateAuthority.create("test-ca", Duration.ofDays(30));
            ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
            return new TestPki(dir, ca);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path caCertificateFile() {
        return dir.resolve("ca.crt");
    }

    public Path caKeyFile() {
        return dir.resolve("ca.key");
    }

    /** The files a party with this identity would be given; issued already, or to be issued (a joining node). */
    public TlsFiles files(String name) {
        return new TlsFiles(caCertificateFile(), dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    /** The files of this identity, issued now unless they were before (for the same role: a test's own choice). */
    public TlsFiles issue(String name, AccessRole role) {
        if (Files.exists(files(name).certificate())) {
            return files(name);
        }
        return write(name, role, Instant.now().minus(Duration.ofMinutes(5)), Instant.now().plus(Duration.ofDays(1)));
    }

    /** A certificate whose validity ended an hour ago. */
    public TlsFiles issueExpired(String name, AccessRole role) {
        return write(name, role, Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)));
    }

    private TlsFiles write(String name, AccessRole role, Instant notBefore, Instant notAfter) {
        TlsFiles files = files(name);
        try {
            ca.issue(new CertificateSubject(name, role, List.of("localhost", "127.0.0.1"), new TreeMap<>(), ""),
                    notBefore, notAfter).write(files.certificate(), files.privateKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
