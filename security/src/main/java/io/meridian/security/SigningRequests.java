package io.meridian.security;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Key pairs and PKCS#10 certificate signing requests: a party makes its own key, sends only the
 * request, and the CA ({@link CertificateAuthority#sign}) returns the certificate, so the private
 * key never leaves the party. Stateless and thread-safe.
 */
public final class SigningRequests {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SigningRequests() {
    }

    /** A new EC key pair on the P-256 curve (secp256r1). */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
        }
    }

    /**
     * A PKCS#10 request (DER) for {@code keys}' public key with subject {@code CN=commonName},
     * signed with its private key (SHA256withECDSA; SHA256withRSA for an RSA key).
     */
    public static byte[] create(KeyPair keys, String commonName) {
        try {
            return new JcaPKCS10CertificationRequestBuilder(
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build(), keys.getPublic())
                    .build(signer(keys.getPrivate()))
                    .getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a certificate signing request failed", e);
        }
    }

    /** A signer with SHA-256 and the algorithm of {@code key}: ECDSA or RSA. */
    static ContentSigner signer(PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("cannot sign with a " + key.getAlgorithm()
                    + " key: use EC or RSA");
        };
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("this JVM cannot sign with " + algorithm, e);
        }
    }
}
