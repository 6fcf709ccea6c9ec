package io.meridian.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM files: certificates ({@code BEGIN CERTIFICATE}) and private keys (PKCS#8
 * {@code BEGIN PRIVATE KEY}; SEC1 {@code BEGIN EC PRIVATE KEY} is read too), and writing them to
 * new files only, a private key readable by its owner alone. Stateless and thread-safe.
 */
public final class Pem {

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";

    private Pem() {
    }

    /** The certificate as PEM, ending with a line break. */
    public static String encode(X509Certificate certificate) {
        try {
            return encode(new PemObject(CERTIFICATE, certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the certificate does not encode: " + e.getMessage(), e);
        }
    }

    /** The private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), ending with a line break. */
    public static String encode(PrivateKey key) {
        if (!"PKCS#8".equalsIgnoreCase(key.getFormat()) || key.getEncoded() == null) {
            throw new IllegalArgumentException("the " + key.getAlgorithm() + " key has no PKCS#8 encoding");
        }
        return encode(new PemObject(PRIVATE_KEY, key.getEncoded()));
    }

    /** The certificates in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsException {
        return certificates("certificate " + file, read("certificate " + file, file));
    }

    /** The certificates in {@code pem}, in order; at least one. */
    public static List<X509Certificate> certificates(String pem) throws TlsException {
        return certificates("certificate PEM", pem);
    }

    /**
     * The private key in {@code file}: PKCS#8 PEM (EC or RSA), or SEC1 ({@code EC PRIVATE KEY}).
     * Encrypted keys are refused.
     */
    public static PrivateKey privateKey(Path file) throws TlsException {
        String source = "tls key " + file;
        return privateKey(source, read(source, file));
    }

    /**
     * Writes {@code pem} to the new file {@code file}, readable and writable by its owner only
     * (0600) where the file system supports POSIX permissions; refuses to overwrite.
     *
     * @throws FileAlreadyExistsException naming the file when it exists
     */
    public static void writePrivate(Path file, String pem) throws IOException {
        write(file, pem, true);
    }

    /** Writes {@code pem} to the new file {@code file}; refuses to overwrite. */
    public static void writePublic(Path file, String pem) throws IOException {
        write(file, pem, false);
    }

    /**
     * Writes a certificate and its key to two new files, the key 0600; refuses before writing
     * anything when either exists, and removes the certificate file again if the key cannot be
     * written, so no half pair is left behind.
     */
    static void writePair(Path certificateFile, String certificatePem, Path keyFile, String keyPem)
            throws IOException {
        for (Path file : List.of(certificateFile, keyFile)) {
            if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(file.toString(), null, "exists; refusing to overwrite it");
            }
        }
        writePublic(certificateFile, certificatePem);
        try {
            writePrivate(keyFile, keyPem);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(certificateFile);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    static List<X509Certificate> certificates(String source, String pem) throws TlsException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (PemObject object = reader.readPemObject(); object != null; object = reader.readPemObject()) {
                if (!CERTIFICATE.equals(object.getType())) {
                    continue;
                }
                try {
                    certificates.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(object.getContent())));
                } catch (CertificateException e) {
                    throw new TlsException(source + ": certificate " + (certificates.size() + 1)
                            + " is not a valid X.509 certificate (" + e.getMessage() + ")", e);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new TlsException(source + ": malformed PEM (" + e.getMessage() + ")", e);
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 certificate factory", e);
        }
        if (certificates.isEmpty()) {
            throw new TlsException(source + ": no PEM certificate (BEGIN CERTIFICATE) in it");
        }
        return List.copyOf(certificates);
    }

    static PrivateKey privateKey(String source, String pem) throws TlsException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    // SEC1 "EC PRIVATE KEY"; its public key is optional, so only the private part is read.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                    throw new TlsException(source + ": the private key is encrypted; give an unencrypted "
                            + "PKCS#8 PEM private key in a file only its owner may read");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new TlsException(source + ": not a PKCS#8 PEM private key (" + e.getMessage() + ")", e);
        }
        throw new TlsException(source + ": not a PKCS#8 PEM private key");
    }

    /** The text of {@code file}; a {@link TlsException} that starts with {@code source} when it cannot be read. */
    static String read(String source, Path file) throws TlsException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new TlsException(source + ": no such file", e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new TlsException(source + ": not a PEM file (it holds bytes that are not ASCII)", e);
        } catch (IOException e) {
            throw new TlsException(source + ": cannot read it (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }

    private static String encode(PemObject object) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory failed", e);
        }
        return text.toString();
    }

    private static void write(Path file, String pem, boolean secret) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel channel;
        try {
            if (secret && Files.getFileStore(parentOf(file)).supportsFileAttributeView("posix")) {
                channel = FileChannel.open(file, options,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                channel = FileChannel.open(file, options);
            }
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists; refusing to overwrite it");
        }
        try (channel) {
            ByteBuffer bytes = ByteBuffer.wrap(pem.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    private static Path parentOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? file.toAbsolutePath() : parent;
    }
}
