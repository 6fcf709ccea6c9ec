package io.meridian.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The cluster's certificate authority: an EC P-256 key and a self-signed CA certificate
 * (BasicConstraints CA=true with path length 0, KeyUsage keyCertSign and cRLSign, a subject key
 * identifier), built with BouncyCastle.
 *
 * <p>Every certificate it issues has a random positive 128-bit serial; is valid from five minutes
 * ago (for clock skew between machines) until the requested validity has passed, but never beyond
 * the CA's own; has the subject {@code CN=<identity>,OU=<role>}; may be used for TLS servers and
 * clients (ExtendedKeyUsage serverAuth and clientAuth, KeyUsage digitalSignature, BasicConstraints
 * CA=false); names its hosts, labels and Raft role in the subject alternative name (see
 * {@link PeerIdentity}); carries authority and subject key identifiers; and is signed with
 * SHA256withECDSA.
 *
 * <p>Immutable and thread-safe.
 */
public final class CertificateAuthority {

    /** How far back a certificate's validity starts, for clocks that run behind. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** The least size of an RSA key in a signing request. */
    static final int MIN_RSA_BITS = 2048;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /**
     * A new CA named {@code CN=commonName}, with a new EC P-256 key, valid from five minutes ago
     * for {@code validity}.
     *
     * @throws IllegalArgumentException when the name is empty or the validity not positive
     */
    public static CertificateAuthority create(String commonName, Duration validity) {
        Objects.requireNonNull(commonName, "commonName");
        if (commonName.isBlank() || commonName.length() > CertificateSubject.MAX_IDENTITY) {
            throw new IllegalArgumentException("a CA name must be 1-" + CertificateSubject.MAX_IDENTITY
                    + " characters, not '" + commonName + "'");
        }
        requirePositive(validity);
        KeyPair keys = SigningRequests.newKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)), name, publicKey);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils().createSubjectKeyIdentifier(publicKey));
        } catch (CertIOException e) {
            throw new IllegalStateException("encoding the CA certificate's extensions failed", e);
        }
        return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    }

    /**
     * The CA in these files: the first certificate of {@code certificateFile} and the private key
     * in {@code keyFile}. Checks that the certificate is a CA certificate that may sign
     * certificates, that it is valid now, and that the key is its own.
     */
    public static CertificateAuthority load(Path certificateFile, Path keyFile) throws TlsException {
        String certificateSource = "CA certificate " + certificateFile;
        String keySource = "CA key " + keyFile;
        X509Certificate certificate = Pem.certificates(certificateSource, Pem.read(certificateSource, certificateFile))
                .get(0);
        PrivateKey key = Pem.privateKey(keySource, Pem.read(keySource, keyFile));
        if (certificate.getBasicConstraints() < 0) {
            throw new TlsException(certificateSource
                    + " is not a CA certificate (its BasicConstraints do not say CA=true)");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage != null && (usage.length <= 5 || !usage[5])) {
            throw new TlsException(certificateSource
                    + " may not sign certificates (its KeyUsage lacks keyCertSign)");
        }
        TlsChecks.checkValidAt(certificate, certificateSource, Instant.now());
        if (!TlsChecks.matches(key, certificate.getPublicKey())) {
            throw new TlsException(keySource + " does not match the CA certificate " + certificateFile);
        }
        return new CertificateAuthority(certificate, key);
    }

    /**
     * Writes the CA certificate as PEM and the key as PKCS#8 PEM, to new files only; the key file
     * is readable and writable by its owner only (0600) where the file system supports POSIX
     * permissions. Refuses when either file exists, before writing anything.
     *
     * @throws java.nio.file.FileAlreadyExistsException naming the file that exists
     */
    public void write(Path certificateFile, Path keyFile) throws IOException {
        Pem.writePair(certificateFile, Pem.encode(certificate), keyFile, Pem.encode(privateKey));
    }

    /** The CA certificate: what every party trusts. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** A new EC P-256 key pair and a certificate for it, valid from five minutes ago for {@code validity}. */
    public IssuedCertificate issue(CertificateSubject subject, Duration validity) {
        requirePositive(validity);
        Instant now = Instant.now();
        return issue(subject, now.minus(CLOCK_SKEW), now.plus(validity));
    }

    /**
     * Like {@link #issue(CertificateSubject, Duration)} with the validity given as instants, the
     * end still capped at the CA's. For tests above all: a certificate that has already expired,
     * or is not valid yet.
     *
     * @throws IllegalStateException when the CA cannot cover any of that period
     */
    public IssuedCertificate issue(CertificateSubject subject, Instant notBefore, Instant notAfter) {
        KeyPair keys = SigningRequests.newKeyPair();
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        return new IssuedCertificate(build(subject, publicKey, notBefore, notAfter), keys.getPrivate());
    }

    /**
     * A certificate for the key in a PKCS#10 signing request (DER). The request's own signature
     * must verify (proof that its sender holds the private key) and its key must be EC or RSA of
     * at least 2048 bits; its subject and extensions are ignored: the certificate is for
     * {@code subject}.
     *
     * @throws TlsException when the request is malformed, its signature does not verify, or its
     *     key is of a kind this CA does not sign
     */
    public X509Certificate sign(byte[] csrDer, CertificateSubject subject, Duration validity) throws TlsException {
        Objects.requireNonNull(subject, "subject");
        requirePositive(validity);
        PKCS10CertificationRequest request;
        try {
            request = new PKCS10CertificationRequest(Objects.requireNonNull(csrDer, "csrDer"));
        } catch (IOException | RuntimeException e) {
            throw new TlsException("certificate signing request for " + subject.identity() + " is malformed ("
                    + e.getMessage() + ")", e);
        }
        SubjectPublicKeyInfo publicKey = request.getSubjectPublicKeyInfo();
        PublicKey key = requestKey(publicKey, subject);
        boolean valid;
        try {
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw new TlsException("certificate signing request for " + subject.identity()
                    + ": its signature cannot be checked (" + e.getMessage() + ")", e);
        }
        if (!valid) {
            throw new TlsException("certificate signing request for " + subject.identity()
                    + ": its signature does not verify, so it does not prove possession of the key");
        }
        Instant now = Instant.now();
        return build(subject, publicKey, now.minus(CLOCK_SKEW), now.plus(validity));
    }

    /** The public key of a signing request, if it is one this CA signs for. */
    private static PublicKey requestKey(SubjectPublicKeyInfo publicKey, CertificateSubject subject)
            throws TlsException {
        PublicKey key;
        try {
            key = new JcaPEMKeyConverter().getPublicKey(publicKey);
        } catch (IOException | RuntimeException e) {
            throw new TlsException("certificate signing request for " + subject.identity()
                    + ": its public key is unreadable (" + e.getMessage() + ")", e);
        }
        boolean acceptable = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> true;
            case "RSA" -> key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= MIN_RSA_BITS;
            default -> false;
        };
        if (!acceptable) {
            throw new TlsException("certificate signing request for " + subject.identity() + ": a "
                    + key.getAlgorithm() + " key of this size is not signed; use EC P-256 or RSA of at least "
                    + MIN_RSA_BITS + " bits");
        }
        return key;
    }

    private X509Certificate build(CertificateSubject subject, SubjectPublicKeyInfo publicKey, Instant notBefore,
            Instant notAfter) {
        Instant caNotAfter = certificate.getNotAfter().toInstant();
        Instant end = notAfter.isAfter(caNotAfter) ? caNotAfter : notAfter;
        if (!end.isAfter(notBefore)) {
            throw new IllegalStateException("the CA certificate (valid until " + caNotAfter
                    + ") cannot cover a certificate starting " + notBefore);
        }
        X500Name issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        // Most significant first, so that RFC 2253 shows CN=<identity>,OU=<role>.
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.OU, PeerIdentity.roleName(subject.role()))
                .addRDN(BCStyle.CN, subject.identity())
                .build();
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer, serial(), Date.from(notBefore),
                Date.from(end), name, publicKey);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier());
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils().createSubjectKeyIdentifier(publicKey));
            List<GeneralName> names = new ArrayList<>();
            for (String host : subject.hosts()) {
                names.add(CertificateSubject.isIpAddress(host)
                        ? new GeneralName(GeneralName.iPAddress, CertificateSubject.unbracketed(host))
                        : new GeneralName(GeneralName.dNSName, host));
            }
            subject.labels().forEach((key, value) ->
                    names.add(new GeneralName(GeneralName.uniformResourceIdentifier,
                            PeerIdentity.labelUri(key, value))));
            if (!subject.raftRole().isEmpty()) {
                names.add(new GeneralName(GeneralName.uniformResourceIdentifier,
                        PeerIdentity.raftRoleUri(subject.raftRole())));
            }
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
        } catch (CertIOException e) {
            throw new IllegalStateException("encoding the extensions of a certificate for " + subject.identity()
                    + " failed", e);
        }
        return sign(builder, privateKey);
    }

    /** The CA's own subject key identifier when its certificate has one, else one made from its key. */
    private AuthorityKeyIdentifier authorityKeyIdentifier() {
        byte[] extension = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension != null) {
            return new AuthorityKeyIdentifier(SubjectKeyIdentifier.getInstance(
                    ASN1OctetString.getInstance(extension).getOctets()).getKeyIdentifier());
        }
        return extensionUtils().createAuthorityKeyIdentifier(
                SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(SigningRequests.signer(key)));
        } catch (CertificateException e) {
            throw new IllegalStateException("a certificate just signed does not parse", e);
        }
    }

    private static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1 for key identifiers", e);
        }
    }

    private static BigInteger serial() {
        BigInteger serial;
        do {
            serial = new BigInteger(128, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }

    private static void requirePositive(Duration validity) {
        Objects.requireNonNull(validity, "validity");
        if (validity.isZero() || validity.isNegative()) {
            throw new IllegalArgumentException("a validity must be positive, not " + validity);
        }
    }
}
