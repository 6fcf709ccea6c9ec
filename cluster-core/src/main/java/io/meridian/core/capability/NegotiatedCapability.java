package io.meridian.core.capability;

import java.util.Objects;

/**
 * The cluster's value of one capability: the highest value every member supports, else the floor.
 *
 * <p>Immutable and thread-safe.
 */
public record NegotiatedCapability(String name, long value, long floor) {

    public NegotiatedCapability {
        Objects.requireNonNull(name, "name");
    }

    /** Whether the value is the floor because the members have no value in common. */
    public boolean atFloor() {
        return value == floor;
    }
}
