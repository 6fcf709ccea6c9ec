package io.meridian.core;

import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;

import io.meridian.core.topology.RaftRole;
import io.meridian.proto.Label;
import io.meridian.proto.RaftRoleProto;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks of input that need no state: ids, addresses, labels, texts and sizes. Each returns an
 * INVALID_ARGUMENT rejection that names the field, the value and what is wrong with it, or empty.
 *
 * <p>The leader runs them before an entry enters the log and every replica runs them again at
 * apply, so a malformed value is refused the same way wherever it comes from. Stateless and
 * thread-safe.
 */
public final class Validation {

    /** Longest node id. */
    public static final int MAX_NODE_ID = 64;
    /** Most labels on one node or token. */
    public static final int MAX_LABELS = 32;
    /** Longest free text (reasons, descriptions), in UTF-8 bytes. */
    public static final int MAX_TEXT_BYTES = 1024;
    /** Longest ghost entity id, in UTF-8 bytes. */
    public static final int MAX_ENTITY_ID_BYTES = 256;
    /** Longest key, in bytes. */
    public static final int MAX_KEY_BYTES = 4096;
    /** Longest identity (a certificate's common name), in characters. */
    public static final int MAX_IDENTITY = 128;

    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6_BODY = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private Validation() {
    }

    /** A node id: 1-64 chars of [A-Za-z0-9._-], starting with a letter or digit. */
    public static Optional<Rejection> nodeId(String field, String value) {
        if (isNodeId(value)) {
            return Rejection.none();
        }
        return invalid("%s '%s' is not a valid node id: use 1-%d letters, digits, '.', '_' or '-', "
                + "starting with a letter or digit", field, printable(value), MAX_NODE_ID);
    }

    /** A host:port address: a DNS name, an IPv4 address or a bracketed IPv6 address, port 1-65535. */
    public static Optional<Rejection> address(String field, String value) {
        return addressProblem(value)
                .flatMap(problem -> invalid("%s '%s' is malformed: %s", field, printable(value), problem));
    }

    /** Like {@link #address} but an empty value is allowed (not known yet). */
    public static Optional<Rejection> optionalAddress(String field, String value) {
        return value.isEmpty() ? Rejection.none() : address(field, value);
    }

    private static Optional<String> addressProblem(String value) {
        if (value.isEmpty()) {
            return Optional.of("expected host:port");
        }
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                return Optional.of("expected [ipv6]:port");
            }
            String body = value.substring(1, close);
            if (!IPV6_BODY.matcher(body).matches() || body.indexOf(':') < 0) {
                return Optional.of("'" + body + "' is not an IPv6 address");
            }
            host = body;
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                return Optional.of("expected host:port");
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
            Optional<String> hostProblem = hostProblem(host);
            if (hostProblem.isPresent()) {
                return hostProblem;
            }
        }
        if (!PORT.matcher(port).matches()) {
            return Optional.of("port '" + port + "' is not a number");
        }
        int number = Integer.parseInt(port);
        if (number < 1 || number > 65535) {
            return Optional.of("port " + number + " is outside 1-65535");
        }
        return Optional.empty();
    }

    private static Optional<String> hostProblem(String host) {
        if (host.indexOf(':') >= 0) {
            return Optional.of("an IPv6 host must be in brackets");
        }
        if (IPV4.matcher(host).matches()) {
            for (String octet : host.split("\\.", -1)) {
                if (Integer.parseInt(octet) > 255) {
                    return Optional.of("'" + host + "' is not an IPv4 address");
                }
            }
            return Optional.empty();
        }
        if (host.length() > 253) {
            return Optional.of("host name is longer than 253 characters");
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return Optional.of("'" + host + "' is not a valid host name");
            }
        }
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            return Optional.of("'" + host + "' is not a valid host name or IPv4 address");
        }
        return Optional.empty();
    }

    /** Labels: at most 32, unique valid keys, valid values. */
    public static Optional<Rejection> labels(String field, List<Label> labels) {
        if (labels.size() > MAX_LABELS) {
            return invalid("%s has %d labels; at most %d are allowed", field, labels.size(), MAX_LABELS);
        }
        TreeSet<String> seen = new TreeSet<>();
        for (Label label : labels) {
            if (!isLabelKey(label.getKey())) {
                return invalid("%s: label key '%s' is not valid: use 1-63 of [a-z0-9._-], starting with a "
                        + "letter or digit", field, printable(label.getKey()));
            }
            Optional<Rejection> value = labelValue(field + " label " + label.getKey(), label.getValue());
            if (value.isPresent()) {
                return value;
            }
            if (!seen.add(label.getKey())) {
                return invalid("%s: label key '%s' appears twice", field, label.getKey());
            }
        }
        return Rejection.none();
    }

    /** A label value (also a geo): 0-255 chars of [A-Za-z0-9._:/@+-]. */
    public static Optional<Rejection> labelValue(String field, String value) {
        if (value.length() <= 255 && allOf(value, 0, "._:/@+-", true)) {
            return Rejection.none();
        }
        return invalid("%s value '%s' is not valid: use up to 255 of [A-Za-z0-9._:/@+-]", field,
                printable(value));
    }

    /** A raft role: LEARNER or VOTER, or UNSPECIFIED (meaning the default). */
    public static Optional<Rejection> role(String field, RaftRoleProto role) {
        if (role == RaftRoleProto.RAFT_ROLE_UNSPECIFIED || RaftRole.fromProto(role).isPresent()) {
            return Rejection.none();
        }
        return invalid("%s %s is not a role (LEARNER or VOTER)", field, role);
    }

    /** A software version: 1-64 printable ASCII characters without spaces. */
    public static Optional<Rejection> softwareVersion(String field, String value) {
        if (!value.isEmpty() && value.length() <= 64 && value.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            return Rejection.none();
        }
        return invalid("%s '%s' is not valid: use 1-64 printable ASCII characters without spaces", field,
                printable(value));
    }

    /** Free text up to 1024 UTF-8 bytes. */
    public static Optional<Rejection> text(String field, String value) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes <= MAX_TEXT_BYTES) {
            return Rejection.none();
        }
        return invalid("%s is %d bytes; at most %d are allowed", field, bytes, MAX_TEXT_BYTES);
    }

    /**
     * An identity, the common name of a client certificate: 1-128 printable characters. Not
     * printable here: control characters, unpaired surrogates, line and paragraph separators, the
     * invisible characters that hide or reorder text (zero-width, bidirectional controls, the byte
     * order mark), and a space at either end; so two identities that look the same are the same. A
     * fixed list, not the JDK's Unicode tables, so every release judges an identity alike.
     */
    public static Optional<Rejection> identity(String field, String value) {
        int count = value.codePointCount(0, value.length());
        if (count < 1 || count > MAX_IDENTITY) {
            return invalid("%s must be 1-%d characters, got %d", field, MAX_IDENTITY, count);
        }
        if (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
            return invalid("%s '%s' starts or ends with a space", field, printable(value));
        }
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            if (!printableInIdentity(c)) {
                return invalid("%s '%s' holds a character that is not printable (U+%04X): use 1-%d printable "
                        + "characters", field, printable(value), c, MAX_IDENTITY);
            }
            i += Character.charCount(c);
        }
        return Rejection.none();
    }

    private static boolean printableInIdentity(int c) {
        return !(c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)
                || (c >= 0x200b && c <= 0x200f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff);
    }

    /** A ghost entity id: 1-256 UTF-8 bytes. */
    public static Optional<Rejection> entityId(String field, String value) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= 1 && bytes <= MAX_ENTITY_ID_BYTES) {
            return Rejection.none();
        }
        return invalid("%s must be 1-%d bytes, got %d", field, MAX_ENTITY_ID_BYTES, bytes);
    }

    /** An id allocated by the state machine: never zero. */
    public static Optional<Rejection> allocatedId(String field, long value) {
        if (value != 0) {
            return Rejection.none();
        }
        return invalid("%s is missing (ids start at 1)", field);
    }

    /** An INVALID_ARGUMENT rejection with a message formatted with {@link java.util.Locale#ROOT}. */
    public static Optional<Rejection> invalid(String format, Object... args) {
        return Rejection.reject(REJECT_INVALID_ARGUMENT, String.format(java.util.Locale.ROOT, format, args));
    }

    /** Whether the value is a node id; character checks, no regex, since most entries carry one. */
    public static boolean isNodeId(String value) {
        int length = value.length();
        return length >= 1 && length <= MAX_NODE_ID && isAlnum(value.charAt(0), true)
                && allOf(value, 1, "._-", true);
    }

    private static boolean isLabelKey(String value) {
        int length = value.length();
        return length >= 1 && length <= 63 && isAlnum(value.charAt(0), false) && allOf(value, 1, "._-", false);
    }

    /** Whether every char from {@code from} on is a letter or digit (ASCII) or one of {@code extra}. */
    private static boolean allOf(String value, int from, String extra, boolean upperCase) {
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isAlnum(c, upperCase) && extra.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c, boolean upperCase) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upperCase && c >= 'A' && c <= 'Z');
    }

    /**
     * A value made safe to quote in a message: non-printable characters escaped, long values cut.
     * Messages reach logs and terminals, so input never reaches them raw.
     */
    public static String printable(String value) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(value.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        if (value.length() > limit) {
            out.append("...");
        }
        return out.toString();
    }
}
