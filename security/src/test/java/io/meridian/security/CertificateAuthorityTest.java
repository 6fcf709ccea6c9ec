package io.meridian.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.meridian.proto.AccessRole;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CertificateAuthorityTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path dir;

    @Test
    void createdCaIsASelfSignedP256CaThatMaySignOnlyCertificates() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(3650));
        X509Certificate certificate = ca.certificate();

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=meridian-ca");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
        certificate.verify(certificate.getPublicKey());
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getPublicKey().toString()).contains("secp256r1");
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(certificate.getBasicConstraints()).isZero();
        assertThat(certificate.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(),
                Extension.keyUsage.getId());
        boolean[] usage = certificate.getKeyUsage();
        assertThat(usage[5]).as("keyCertSign").isTrue();
        assertThat(usage[6]).as("cRLSign").isTrue();
        assertThat(usage[0]).as("digitalSignature").isFalse();
        assertThat(certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(certificate.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(3650)), within(1, ChronoUnit.MINUTES));
    }

    @Test
    void writeThenLoadGivesTheSameCaWhichStillIssues() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        Path certificateFile = dir.resolve("ca.crt");
        Path keyFile = dir.resolve("ca.key");
        ca.write(certificateFile, keyFile);

        assertThat(Files.readString(certificateFile)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----");
        CertificateAuthority loaded = CertificateAuthority.load(certificateFile, keyFile);
        assertThat(loaded.certificate()).isEqualTo(ca.certificate());

        IssuedCertificate issued = loaded.issue(CertificateSubject.of("alice", AccessRole.ACCESS_ROLE_ADMIN),
                Duration.ofDays(1));
        issued.certificate().verify(ca.certificate().getPublicKey());
    }

    @Test
    void writeRefusesToOverwriteEitherFileAndWritesNothing() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        Path certificateFile = dir.resolve("ca.crt");
        Path keyFile = dir.resolve("ca.key");
        Files.writeString(keyFile, "keep me");

        assertThatThrownBy(() -> ca.write(certificateFile, keyFile))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(keyFile.toString());
        assertThat(certificateFile).doesNotExist();
        assertThat(Files.readString(keyFile)).isEqualTo("keep me");

        Files.delete(keyFile);
        ca.write(certificateFile, keyFile);
        String written = Files.readString(certificateFile);
        assertThatThrownBy(() -> CertificateAuthority.create("other", Duration.ofDays(1))
                .write(certificateFile, dir.resolve("other.key")))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(certificateFile.toString());
        assertThat(Files.readString(certificateFile)).isEqualTo(written);
        assertThat(dir.resolve("other.key")).doesNotExist();
    }

    @Test
    void keyFilesAreReadableByTheirOwnerOnly() throws Exception {
        Path keyFile = dir.resolve("ca.key");
        CertificateAuthority.create("meridian-ca", Duration.ofDays(1)).write(dir.resolve("ca.crt"), keyFile);
        IssuedCertificate issued = CertificateAuthority.load(dir.resolve("ca.crt"), keyFile)
                .issue(CertificateSubject.of("bob", AccessRole.ACCESS_ROLE_READER), Duration.ofDays(1));
        issued.write(dir.resolve("bob.crt"), dir.resolve("bob.key"));

        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(ownerOnly);
            assertThat(Files.getPosixFilePermissions(dir.resolve("bob.key"))).isEqualTo(ownerOnly);
            assertThat(Files.getPosixFilePermissions(dir.resolve("bob.crt")))
                    .contains(PosixFilePermission.OWNER_READ);
        }
    }

    @Test
    void loadRefusesAKeyOfAnotherCa() throws Exception {
        CertificateAuthority.create("one", Duration.ofDays(1)).write(dir.resolve("one.crt"), dir.resolve("one.key"));
        CertificateAuthority.create("two", Duration.ofDays(1)).write(dir.resolve("two.crt"), dir.resolve("two.key"));

        assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("one.crt"), dir.resolve("two.key")))
                .isInstanceOf(TlsException.class)
                .hasMessage("CA key " + dir.resolve("two.key") + " does not match the CA certificate "
                        + dir.resolve("one.crt"));
    }

    @Test
    void loadRefusesACertificateThatIsNotACa() throws Exception {
        TestPki pki = new TestPki(dir);
        TlsFiles node = pki.issue("n1", AccessRole.ACCESS_ROLE_NODE);

        assertThatThrownBy(() -> CertificateAuthority.load(node.certificate(), node.privateKey()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(node.certificate().toString()).hasMessageContaining("not a CA certificate");
    }

    @Test
    void issuedCertificateCarriesEverythingItIsIssuedFor() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        TreeMap<String, String> labels = new TreeMap<>(Map.of("zone", "eu-west-1a", "rack", "r 7/b=c"));
        CertificateSubject subject = new CertificateSubject("n1", AccessRole.ACCESS_ROLE_NODE,
                List.of("n1.meridian.internal", "10.0.0.1", "::1", "[fe80::1]"), labels, "voter");
        Instant before = Instant.now();

        X509Certificate certificate = ca.issue(subject, Duration.ofDays(30)).certificate();

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=n1,OU=node");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        certificate.verify(ca.certificate().getPublicKey());
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(certificate.getPublicKey().toString()).contains("secp256r1");
        assertThat(certificate.getSerialNumber()).isPositive();
        assertThat(certificate.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);
        assertThat(certificate.getNotBefore().toInstant())
                .isCloseTo(before.minus(Duration.ofMinutes(5)), within(5, ChronoUnit.SECONDS));
        assertThat(certificate.getNotAfter().toInstant())
                .isCloseTo(before.plus(Duration.ofDays(30)), within(5, ChronoUnit.SECONDS));
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
        boolean[] usage = certificate.getKeyUsage();
        assertThat(usage[0]).as("digitalSignature").isTrue();
        assertThat(usage[5]).as("keyCertSign").isFalse();

        List<List<Object>> names = new ArrayList<>();
        certificate.getSubjectAlternativeNames().forEach(name -> names.add(List.copyOf(name)));
        assertThat(names).contains(List.of(2, "n1.meridian.internal"), List.of(7, "10.0.0.1"),
                List.of(6, "urn:meridian:label:zone=eu-west-1a"), List.of(6, "urn:meridian:raft-role:voter"));
        List<Object> addresses = names.stream().filter(name -> name.get(0).equals(7)).map(name -> name.get(1))
                .toList();
        assertThat(addresses).hasSize(3);
        assertThat(InetAddress.getByName((String) addresses.get(1))).isEqualTo(InetAddress.getByName("::1"));
        assertThat(InetAddress.getByName((String) addresses.get(2))).isEqualTo(InetAddress.getByName("fe80::1"));

        byte[] authorityKeyId = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets())
                .getKeyIdentifierOctets();
        byte[] caKeyId = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                ca.certificate().getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets())
                .getKeyIdentifier();
        assertThat(authorityKeyId).isEqualTo(caKeyId);
        assertThat(certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();

        PeerIdentity identity = PeerIdentity.of(certificate).orElseThrow();
        assertThat(identity).isEqualTo(new PeerIdentity("n1", AccessRole.ACCESS_ROLE_NODE, labels, "voter"));
    }

    @Test
    void issuedCertificatesHaveDistinctSerials() {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(1));
        Set<BigInteger> serials = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            serials.add(ca.issue(CertificateSubject.of("r" + i, AccessRole.ACCESS_ROLE_READER), Duration.ofHours(1))
                    .certificate().getSerialNumber());
        }
        assertThat(serials).hasSize(20);
    }

    @Test
    void noCertificateOutlivesTheCa() {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(10));
        X509Certificate certificate = ca.issue(CertificateSubject.of("alice", AccessRole.ACCESS_ROLE_ADMIN),
                Duration.ofDays(365)).certificate();
        assertThat(certificate.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void signBindsTheGivenSubjectAndIgnoresTheRequestsName() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        KeyPair keys = SigningRequests.newKeyPair();
        byte[] request = SigningRequests.create(keys, "root-please");

        X509Certificate certificate = ca.sign(request, new CertificateSubject("n4", AccessRole.ACCESS_ROLE_NODE,
                List.of("n4.local"), new TreeMap<>(Map.of("zone", "b")), "learner"), Duration.ofDays(7));

        assertThat(certificate.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=n4,OU=node");
        assertThat(certificate.getSubjectX500Principal().getName()).doesNotContain("root-please");
        certificate.verify(ca.certificate().getPublicKey());
        assertThat(PeerIdentity.of(certificate)).contains(new PeerIdentity("n4", AccessRole.ACCESS_ROLE_NODE,
                new TreeMap<>(Map.of("zone", "b")), "learner"));
        assertThat(TlsChecks.matches(keys.getPrivate(), certificate.getPublicKey())).isTrue();
    }

    @Test
    void signRefusesARequestWhoseSignatureDoesNotVerify() {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        byte[] request = SigningRequests.create(SigningRequests.newKeyPair(), "n5");
        // The DER ends with the signature's BIT STRING: flipping its last byte breaks the signature only.
        request[request.length - 1] ^= 0x01;

        assertThatThrownBy(() -> ca.sign(request, CertificateSubject.of("n5", AccessRole.ACCESS_ROLE_NODE),
                Duration.ofDays(1)))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("n5").hasMessageContaining("signature does not verify");
    }

    @Test
    void signRefusesARequestWithAnotherKeysSignature() {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        KeyPair mine = SigningRequests.newKeyPair();
        KeyPair theirs = SigningRequests.newKeyPair();
        byte[] request;
        try {
            request = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                    new org.bouncycastle.asn1.x500.X500Name("CN=n6"), theirs.getPublic())
                    .build(SigningRequests.signer(mine.getPrivate())).getEncoded();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }

        assertThatThrownBy(() -> ca.sign(request, CertificateSubject.of("n6", AccessRole.ACCESS_ROLE_NODE),
                Duration.ofDays(1)))
                .isInstanceOf(TlsException.class).hasMessageContaining("does not prove possession");
    }

    @Test
    void signRefusesGarbage() {
        CertificateAuthority ca = CertificateAuthority.create("meridian-ca", Duration.ofDays(365));
        assertThatThrownBy(() -> ca.sign(new byte[] {0x30, 0x03, 0x02, 0x01, 0x05},
                CertificateSubject.of("n7", AccessRole.ACCESS_ROLE_NODE), Duration.ofDays(1)))
                .isInstanceOf(TlsException.class).hasMessageContaining("n7").hasMessageContaining("malformed");
        assertThatThrownBy(() -> ca.sign("not a request".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                CertificateSubject.of("n7", AccessRole.ACCESS_ROLE_NODE), Duration.ofDays(1)))
                .isInstanceOf(TlsException.class).hasMessageContaining("malformed");
    }

    @Test
    void subjectsAreCheckedWhenBuilt() {
        assertThatThrownBy(() -> CertificateSubject.of("", AccessRole.ACCESS_ROLE_NODE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity");
        assertThatThrownBy(() -> CertificateSubject.of("n1", AccessRole.ACCESS_ROLE_UNSPECIFIED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("role");
        assertThatThrownBy(() -> new CertificateSubject("n1", AccessRole.ACCESS_ROLE_NODE, List.of("bad host"),
                new TreeMap<>(), "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad host");
        assertThatThrownBy(() -> new CertificateSubject("n1", AccessRole.ACCESS_ROLE_NODE, List.of("300.1.1.1"),
                new TreeMap<>(), "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("300.1.1.1");
        assertThatThrownBy(() -> new CertificateSubject("n1", AccessRole.ACCESS_ROLE_NODE, List.of(),
                new TreeMap<>(), "leader")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leader");
    }
}
