package io.meridian.security;

import io.meridian.proto.AccessRole;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The checks TLS material must pass before it is used: validity in time, signature by the CA, and
 * a private key that belongs to its certificate. Each failure is a {@link TlsException} naming
 * the file. Stateless and thread-safe.
 */
final class TlsChecks {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    private TlsChecks() {
    }

    /** Fails unless {@code certificate} (read from {@code source}) is valid at {@code now}. */
    static void checkValidAt(X509Certificate certificate, String source, Instant now) throws TlsException {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw new TlsException(source + " expired at " + notAfter.truncatedTo(ChronoUnit.SECONDS));
        }
        if (now.isBefore(notBefore)) {
            throw new TlsException(source + " is not valid before " + notBefore.truncatedTo(ChronoUnit.SECONDS)
                    + " (is this machine's clock right?)");
        }
    }

    /** True when {@code certificate} was signed by one of {@code authorities}. */
    static boolean signedByAny(X509Certificate certificate, List<X509Certificate> authorities) {
        for (X509Certificate authority : authorities) {
            if (!certificate.getIssuerX500Principal().equals(authority.getSubjectX500Principal())) {
                continue;
            }
            try {
                certificate.verify(authority.getPublicKey());
                return true;
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this authority: try the next
            }
        }
        return false;
    }

    /**
     * True when {@code key} is the private half of {@code publicKey}: a random challenge signed
     * with the one verifies with the other.
     */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The certificate for people: identity, "CA" or the role, hosts, labels, Raft role, serial
     * (hex) and end of validity, as {@code "n1 (role node, hosts localhost,127.0.0.1, serial 3f.., valid until
     * 2027-01-01T00:00:00Z)"}.
     */
    static String describe(X509Certificate certificate) {
        List<String> parts = new ArrayList<>();
        Optional<PeerIdentity> identity = PeerIdentity.of(certificate);
        String head = identity.map(PeerIdentity::identity)
                .orElse(certificate.getSubjectX500Principal().getName());
        if (certificate.getBasicConstraints() >= 0) {
            parts.add("CA");
        }
        identity.filter(peer -> peer.certificateRole() != AccessRole.ACCESS_ROLE_UNSPECIFIED)
                .ifPresent(peer -> parts.add("role " + PeerIdentity.roleName(peer.certificateRole())));
        List<String> hosts = hosts(certificate);
        if (!hosts.isEmpty()) {
            parts.add("hosts " + String.join(",", hosts));
        }
        identity.ifPresent(peer -> {
            if (!peer.labels().isEmpty()) {
                StringJoiner labels = new StringJoiner(",", "labels ", "");
                peer.labels().forEach((key, value) -> labels.add(key + "=" + value));
                parts.add(labels.toString());
            }
            if (!peer.raftRole().isEmpty()) {
                parts.add("raft role " + peer.raftRole());
            }
        });
        parts.add("serial " + certificate.getSerialNumber().toString(16));
        parts.add("valid until " + certificate.getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS));
        return head + " (" + String.join(", ", parts) + ")";
    }

    /** The DNS names and IP addresses in the certificate's subject alternative name, in order. */
    static List<String> hosts(X509Certificate certificate) {
        List<String> hosts = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.get(0) instanceof Integer type && (type == DNS_NAME || type == IP_ADDRESS)) {
                        hosts.add(String.valueOf(name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a certificate with an unreadable SAN names no hosts
        }
        return hosts;
    }
}
