package io.meridian.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One consistent reading of a party's TLS files, checked: the CA certificates, the party's
 * certificate chain, its key and its identity. Immutable.
 *
 * @param authorities the certificates of the CA file, at least one
 * @param chain the party's certificate first, then any chain that followed it in its file
 * @param key the party's private key, matching {@code chain.get(0)}
 * @param identity what the party's certificate names
 */
record TlsBundle(List<X509Certificate> authorities, List<X509Certificate> chain, PrivateKey key,
        PeerIdentity identity) {

    /** The party's own certificate. */
    X509Certificate certificate() {
        return chain.get(0);
    }

    /** The text of the three files, read once so that what is checked is what is installed. */
    record Texts(String caCertificate, String certificate, String privateKey) {

        /** Reads the three files; fails naming the one that cannot be read. */
        static Texts read(TlsFiles files) throws TlsException {
            return new Texts(Pem.read(caSource(files), files.caCertificate()),
                    Pem.read(certificateSource(files), files.certificate()),
                    Pem.read(keySource(files), files.privateKey()));
        }

        /** A SHA-256 over the three texts: equal digests, same files. */
        byte[] digest() {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                for (String text : List.of(caCertificate, certificate, privateKey)) {
                    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                    digest.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
                            (byte) (bytes.length >>> 8), (byte) bytes.length});
                    digest.update(bytes);
                }
                return digest.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no SHA-256", e);
            }
        }

        /**
         * Overridden so that a record holding a private key's text never prints it.
         */
        @Override
        public String toString() {
            return "Texts[three TLS files]";
        }
    }

    /** Reads and checks the files of {@code files}, as of {@code now}. */
    static TlsBundle read(TlsFiles files, Instant now) throws TlsException {
        return parse(files, Texts.read(files), now);
    }

    /** Parses and checks texts read from {@code files} (which name them in messages), as of {@code now}. */
    static TlsBundle parse(TlsFiles files, Texts texts, Instant now) throws TlsException {
        String caSource = caSource(files);
        String certificateSource = certificateSource(files);
        List<X509Certificate> authorities = Pem.certificates(caSource, texts.caCertificate());
        List<X509Certificate> chain = Pem.certificates(certificateSource, texts.certificate());
        PrivateKey key = Pem.privateKey(keySource(files), texts.privateKey());
        for (int i = 0; i < authorities.size(); i++) {
            if (authorities.get(i).getBasicConstraints() < 0) {
                throw new TlsException(caSource + ": certificate " + (i + 1) + " ("
                        + authorities.get(i).getSubjectX500Principal().getName() + ") is not a CA certificate");
            }
        }
        X509Certificate certificate = chain.get(0);
        X509Certificate issuer = null;
        for (X509Certificate authority : authorities) {
            if (TlsChecks.signedByAny(certificate, List.of(authority))) {
                issuer = authority;
                break;
            }
        }
        if (issuer == null) {
            throw new TlsException(certificateSource + " is not signed by the CA in " + files.caCertificate());
        }
        TlsChecks.checkValidAt(issuer, caSource, now);
        TlsChecks.checkValidAt(certificate, certificateSource, now);
        if (!TlsChecks.matches(key, certificate.getPublicKey())) {
            throw new TlsException("tls key " + files.privateKey() + " does not match the certificate "
                    + files.certificate());
        }
        PeerIdentity identity = PeerIdentity.of(certificate).orElseThrow(() -> new TlsException(certificateSource
                + " names no identity: its subject (" + certificate.getSubjectX500Principal().getName()
                + ") needs exactly one CN"));
        return new TlsBundle(List.copyOf(authorities), List.copyOf(chain), key, identity);
    }

    /** Overridden so that the private key is never printed. */
    @Override
    public String toString() {
        return "TlsBundle[" + TlsChecks.describe(certificate()) + "]";
    }

    private static String caSource(TlsFiles files) {
        return "CA certificate " + files.caCertificate();
    }

    private static String certificateSource(TlsFiles files) {
        return "certificate " + files.certificate();
    }

    private static String keySource(TlsFiles files) {
        return "tls key " + files.privateKey();
    }
}
