package io.meridian.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.proto.AccessRole;
import java.io.StringWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PemTest {

    @TempDir
    Path dir;

    private final CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(1));

    @Test
    void certificatesAndKeysRoundTrip() throws Exception {
        IssuedCertificate issued = ca.issue(CertificateSubject.of("alice", AccessRole.ACCESS_ROLE_ADMIN),
                Duration.ofDays(1));
        Path bundle = dir.resolve("bundle.crt");
        Pem.writePublic(bundle, Pem.encode(issued.certificate()) + Pem.encode(ca.certificate()));
        Path key = dir.resolve("alice.key");
        Pem.writePrivate(key, Pem.encode(issued.privateKey()));

        assertThat(Pem.certificates(bundle)).containsExactly(issued.certificate(), ca.certificate());
        assertThat(Pem.certificates(Pem.encode(ca.certificate()))).containsExactly(ca.certificate());
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----\n")
                .endsWith("-----END PRIVATE KEY-----\n");
        PrivateKey read = Pem.privateKey(key);
        assertThat(read.getEncoded()).isEqualTo(issued.privateKey().getEncoded());
    }

    @Test
    void readsSec1EcKeysAndPkcs8RsaKeys() throws Exception {
        KeyPair ec = SigningRequests.newKeyPair();
        // SEC1 as OpenSSL writes it: the curve inside the key structure.
        PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(ec.getPrivate().getEncoded());
        ECPrivateKey sec1Key = new ECPrivateKey(256, ECPrivateKey.getInstance(pkcs8.parsePrivateKey()).getKey(),
                pkcs8.getPrivateKeyAlgorithm().getParameters());
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject("EC PRIVATE KEY", sec1Key.getEncoded()));
        }
        Path sec1 = dir.resolve("sec1.key");
        Files.writeString(sec1, text.toString());
        assertThat(TlsChecks.matches(Pem.privateKey(sec1), ec.getPublic())).isTrue();

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair rsa = generator.generateKeyPair();
        Path rsaKey = dir.resolve("rsa.key");
        Pem.writePrivate(rsaKey, Pem.encode(rsa.getPrivate()));
        assertThat(TlsChecks.matches(Pem.privateKey(rsaKey), rsa.getPublic())).isTrue();
    }

    @Test
    void errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> Pem.certificates(missing)).isInstanceOf(TlsException.class)
                .hasMessage("certificate " + missing + ": no such file");
        assertThatThrownBy(() -> Pem.privateKey(missing)).isInstanceOf(TlsException.class)
                .hasMessage("tls key " + missing + ": no such file");

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "hello, I am not PEM\n");
        assertThatThrownBy(() -> Pem.certificates(garbage)).isInstanceOf(TlsException.class)
                .hasMessage("certificate " + garbage + ": no PEM certificate (BEGIN CERTIFICATE) in it");
        assertThatThrownBy(() -> Pem.privateKey(garbage)).isInstanceOf(TlsException.class)
                .hasMessage("tls key " + garbage + ": not a PKCS#8 PEM private key");

        Path certificateAsKey = dir.resolve("ca-as.key");
        Files.writeString(certificateAsKey, Pem.encode(ca.certificate()));
        assertThatThrownBy(() -> Pem.privateKey(certificateAsKey)).isInstanceOf(TlsException.class)
                .hasMessage("tls key " + certificateAsKey + ": not a PKCS#8 PEM private key");

        Path brokenBase64 = dir.resolve("broken.crt");
        Files.writeString(brokenBase64, "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> Pem.certificates(brokenBase64)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("certificate " + brokenBase64 + ": ");

        Path brokenDer = dir.resolve("broken-der.crt");
        Files.writeString(brokenDer, "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> Pem.certificates(brokenDer)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("certificate " + brokenDer + ": certificate 1 is not a valid X.509");

        Path binary = dir.resolve("binary.key");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x01});
        assertThatThrownBy(() -> Pem.privateKey(binary)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls key " + binary + ": ");
    }

    @Test
    void writingRefusesToOverwrite() throws Exception {
        Path file = dir.resolve("x.pem");
        Pem.writePublic(file, Pem.encode(ca.certificate()));
        assertThatThrownBy(() -> Pem.writePublic(file, "other")).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(file.toString());
        assertThatThrownBy(() -> Pem.writePrivate(file, "other")).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(file.toString());
        assertThat(Pem.certificates(file)).isEqualTo(List.<X509Certificate>of(ca.certificate()));
    }

    @Test
    void issuedCertificateNeverPrintsItsKey() {
        IssuedCertificate issued = ca.issue(CertificateSubject.of("alice", AccessRole.ACCESS_ROLE_ADMIN),
                Duration.ofDays(1));
        String keyBody = Pem.encode(issued.privateKey()).lines().skip(1).findFirst().orElseThrow();
        assertThat(issued.toString()).contains("alice").contains("role admin").doesNotContain(keyBody);
    }
}
