package io.meridian.node;

import io.meridian.core.Validation;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A host:port address as operators write it, validated by the same rules as the entry catalogue.
 *
 * <p>Immutable and thread-safe.
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
    }

    /** Parses host:port; an IPv6 host is bracketed. Throws IllegalArgumentException naming the problem. */
    public static HostPort parse(String field, String text) {
        Validation.address(field, text).ifPresent(rejection -> {
            throw new IllegalArgumentException(rejection.message());
        });
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            return new HostPort(text.substring(1, close), Integer.parseInt(text.substring(close + 2)));
        }
        int colon = text.lastIndexOf(':');
        return new HostPort(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    public HostPort withPort(int newPort) {
        return new HostPort(host, newPort);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
