package io.meridian.security;

import io.meridian.proto.AccessRole;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a certificate is issued for: the holder's identity (subject CN), the role it may act in
 * (subject OU), the host names it serves under, and, for nodes, its labels and Raft role (see
 * {@link PeerIdentity} for how they are written). Immutable; checked when built.
 *
 * @param identity the subject CN: 1-64 characters, no control characters
 * @param role the role the certificate is issued for; not UNSPECIFIED
 * @param hosts DNS names or IP literals (IPv4, or IPv6 with or without brackets), written into
 *     the subject alternative name as dNSName or iPAddress; may be empty
 * @param labels node labels, written as {@code urn:meridian:label:KEY=VALUE} URIs; keys not empty
 * @param raftRole {@code "voter"}, {@code "learner"} or {@code ""} for none
 */
public record CertificateSubject(String identity, AccessRole role, List<String> hosts,
        SortedMap<String, String> labels, String raftRole) {

    /** Longest common name X.509 allows (ub-common-name). */
    public static final int MAX_IDENTITY = 64;

    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    /**
     * Checks the fields and copies the collections.
     *
     * @throws IllegalArgumentException naming the field and value that are not acceptable
     */
    public CertificateSubject {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(hosts, "hosts");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(raftRole, "raftRole");
        if (identity.isEmpty() || identity.length() > MAX_IDENTITY
                || identity.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("identity '" + identity + "' must be 1-" + MAX_IDENTITY
                    + " characters without control characters");
        }
        if (role == AccessRole.ACCESS_ROLE_UNSPECIFIED || role == AccessRole.UNRECOGNIZED) {
            throw new IllegalArgumentException("role must be admin, operator, node or reader, not "
                    + PeerIdentity.roleName(role));
        }
        for (String host : hosts) {
            if (!isHost(host)) {
                throw new IllegalArgumentException("host '" + host
                        + "' is neither a DNS name nor an IPv4 or IPv6 address");
            }
        }
        for (String key : labels.keySet()) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException("a label key must not be empty");
            }
        }
        if (!raftRole.isEmpty() && !PeerIdentity.RAFT_ROLES.contains(raftRole)) {
            throw new IllegalArgumentException("raft role '" + raftRole + "' must be voter, learner or empty");
        }
        hosts = List.copyOf(hosts);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** A subject with no hosts, labels or Raft role: an admin's, an operator's or a reader's. */
    public static CertificateSubject of(String identity, AccessRole role) {
        return new CertificateSubject(identity, role, List.of(), new TreeMap<>(), "");
    }

    /** True when {@code host} is an IP literal rather than a DNS name. */
    static boolean isIpAddress(String host) {
        String bare = unbracketed(host);
        if (IPV4.matcher(bare).matches()) {
            for (String octet : bare.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return true;
        }
        return bare.indexOf(':') >= 0 && org.bouncycastle.util.IPAddress.isValidIPv6(bare);
    }

    /** The host without the brackets an IPv6 literal may be written in. */
    static String unbracketed(String host) {
        return host.length() > 2 && host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (isIpAddress(host)) {
            return true;
        }
        return host.length() <= 253 && !IPV4.matcher(host).matches() && DNS_NAME.matcher(host).matches();
    }
}
