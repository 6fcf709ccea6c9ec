package io.meridian.security;

import io.meridian.proto.AccessRole;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The identity a certificate carries, as the cluster CA writes it:
 * <ul>
 *   <li>{@code identity}: the subject's common name (CN);</li>
 *   <li>{@code certificateRole}: the subject's organizational unit (OU), the role name in lower
 *       case ({@code admin}, {@code operator}, {@code node}, {@code reader});
 *       {@link AccessRole#ACCESS_ROLE_UNSPECIFIED} when the OU is absent or names no role;</li>
 *   <li>{@code labels}: URI subject alternative names {@code urn:meridian:label:KEY=VALUE}, key
 *       and value percent-encoded (RFC 3986) where they hold anything but letters, digits and
 *       {@code -._~};</li>
 *   <li>{@code raftRole}: the URI subject alternative name
 *       {@code urn:meridian:raft-role:voter} or {@code ...:learner}; the empty string when there
 *       is none.</li>
 * </ul>
 * Immutable and thread-safe.
 *
 * @param identity the subject CN, never empty
 * @param certificateRole the role the certificate was issued for
 * @param labels the node labels, sorted by key, unmodifiable
 * @param raftRole {@code "voter"}, {@code "learner"} or {@code ""}
 */
public record PeerIdentity(String identity, AccessRole certificateRole, SortedMap<String, String> labels,
        String raftRole) {

    /** The prefix of a label's URI subject alternative name. */
    public static final String LABEL_URI_PREFIX = "urn:meridian:label:";
    /** The prefix of the Raft role's URI subject alternative name. */
    public static final String RAFT_ROLE_URI_PREFIX = "urn:meridian:raft-role:";
    /** The Raft roles a certificate may name. */
    public static final List<String> RAFT_ROLES = List.of("voter", "learner");

    private static final int SAN_URI = 6;

    /** Copies the labels into an unmodifiable sorted map. */
    public PeerIdentity {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(certificateRole, "certificateRole");
        Objects.requireNonNull(raftRole, "raftRole");
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(labels, "labels")));
    }

    /**
     * The identity {@code certificate} carries; empty when its subject has no common name, or
     * more than one, or when a Meridian URI subject alternative name in it is malformed or
     * contradicts another (a certificate the cluster CA never issues): such a caller is treated
     * as anonymous.
     */
    public static Optional<PeerIdentity> of(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        List<String> commonNames = attributes(subject, BCStyle.CN);
        if (commonNames.size() != 1 || commonNames.get(0).isEmpty()) {
            return Optional.empty();
        }
        List<String> units = attributes(subject, BCStyle.OU);
        AccessRole role = units.size() == 1
                ? parseRole(units.get(0)).orElse(AccessRole.ACCESS_ROLE_UNSPECIFIED)
                : AccessRole.ACCESS_ROLE_UNSPECIFIED;

        Collection<List<?>> alternativeNames;
        try {
            alternativeNames = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        TreeMap<String, String> labels = new TreeMap<>();
        String raftRole = "";
        if (alternativeNames != null) {
            for (List<?> name : alternativeNames) {
                if (!(name.get(0) instanceof Integer type) || type != SAN_URI
                        || !(name.get(1) instanceof String uri)) {
                    continue;
                }
                if (uri.startsWith(LABEL_URI_PREFIX)) {
                    String body = uri.substring(LABEL_URI_PREFIX.length());
                    int equals = body.indexOf('=');
                    if (equals <= 0) {
                        return Optional.empty();
                    }
                    Optional<String> key = percentDecode(body.substring(0, equals));
                    Optional<String> value = percentDecode(body.substring(equals + 1));
                    if (key.isEmpty() || value.isEmpty()) {
                        return Optional.empty();
                    }
                    String previous = labels.putIfAbsent(key.get(), value.get());
                    if (previous != null && !previous.equals(value.get())) {
                        return Optional.empty();
                    }
                } else if (uri.startsWith(RAFT_ROLE_URI_PREFIX)) {
                    String named = uri.substring(RAFT_ROLE_URI_PREFIX.length());
                    if (!RAFT_ROLES.contains(named) || (!raftRole.isEmpty() && !raftRole.equals(named))) {
                        return Optional.empty();
                    }
                    raftRole = named;
                }
            }
        }
        return Optional.of(new PeerIdentity(commonNames.get(0), role, labels, raftRole));
    }

    /**
     * The name of {@code role} as a certificate's OU and the CLI write it: {@code "admin"},
     * {@code "operator"}, {@code "node"} or {@code "reader"}; {@code "unspecified"} for
     * {@link AccessRole#ACCESS_ROLE_UNSPECIFIED} and {@code "unrecognized"} for a number this
     * build does not know, so that a message can always name the role.
     */
    public static String roleName(AccessRole role) {
        return switch (role) {
            case ACCESS_ROLE_ADMIN -> "admin";
            case ACCESS_ROLE_OPERATOR -> "operator";
            case ACCESS_ROLE_NODE -> "node";
            case ACCESS_ROLE_READER -> "reader";
            case ACCESS_ROLE_UNSPECIFIED -> "unspecified";
            case UNRECOGNIZED -> "unrecognized";
        };
    }

    /**
     * The role {@code name} names, ignoring case: {@code admin}, {@code operator}, {@code node}
     * or {@code reader}; empty for anything else.
     */
    public static Optional<AccessRole> parseRole(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "admin" -> Optional.of(AccessRole.ACCESS_ROLE_ADMIN);
            case "operator" -> Optional.of(AccessRole.ACCESS_ROLE_OPERATOR);
            case "node" -> Optional.of(AccessRole.ACCESS_ROLE_NODE);
            case "reader" -> Optional.of(AccessRole.ACCESS_ROLE_READER);
            default -> Optional.empty();
        };
    }

    /** The URI subject alternative name for one label. */
    static String labelUri(String key, String value) {
        return LABEL_URI_PREFIX + percentEncode(key) + "=" + percentEncode(value);
    }

    /** The URI subject alternative name for a Raft role ({@code voter} or {@code learner}). */
    static String raftRoleUri(String raftRole) {
        return RAFT_ROLE_URI_PREFIX + raftRole;
    }

    private static List<String> attributes(X500Name name, ASN1ObjectIdentifier type) {
        List<String> values = new ArrayList<>();
        for (RDN rdn : name.getRDNs(type)) {
            for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                if (attribute.getType().equals(type)) {
                    values.add(attribute.getValue() instanceof ASN1String text ? text.getString()
                            : attribute.getValue().toString());
                }
            }
        }
        return values;
    }

    private static boolean unreserved(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    private static String percentEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int unsigned = b & 0xff;
            if (unreserved(unsigned)) {
                out.append((char) unsigned);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(unsigned >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(unsigned & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static Optional<String> percentDecode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    return Optional.empty();
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return Optional.empty();
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(bytes.toString(StandardCharsets.UTF_8));
    }
}
