package io.meridian.core.capability;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The capabilities Meridian itself defines: each one's floor (the value a cluster falls back to
 * when its members have no value in common) and the values this build supports. A capability that
 * nodes advertise but the catalogue does not know has floor 0: off.
 */
public final class CapabilityCatalog {

    /** One capability Meridian defines. */
    public record Definition(String name, long floor, List<Long> supportedHere, String description) {
        public Definition {
            supportedHere = List.copyOf(supportedHere);
        }
    }

    /** Version of the entry catalogue a node can apply; new entry kinds need a higher value. */
    public static final Definition ENTRY_FORMAT = new Definition("meridian.entry-format", 1, List.of(1L, 2L, 3L, 4L, 5L, 6L),
            "entry catalogue version a node applies (2: promotion criteria in the voter policy; 3: group "
                    + "leadership moves in placement commands, ghost stubs at migration cutover; 4: request "
                    + "identities applied exactly once, token lifetimes resolved at apply; 5: node health, replica counts, repairs, "
                    + "entries stamped with the format they were admitted at; 6: access bindings, callers checked at "
                    + "apply, the audit trail)");
    /** Version of the snapshot format a node reads and writes. */
    public static final Definition SNAPSHOT_FORMAT = new Definition("meridian.snapshot-format", 1, List.of(1L),
            "snapshot format version a node reads and writes");

    /** Every definition, sorted by name. */
    public static final List<Definition> ALL = List.of(ENTRY_FORMAT, SNAPSHOT_FORMAT);

    private CapabilityCatalog() {
    }

    public static Optional<Definition> definition(String name) {
        for (Definition definition : ALL) {
            if (definition.name().equals(name)) {
                return Optional.of(definition);
            }
        }
        return Optional.empty();
    }

    /** The floor of a capability: its catalogue floor, or 0 (off) for one Meridian does not define. */
    public static long floor(String name) {
        return definition(name).map(Definition::floor).orElse(0L);
    }

    /** What a node of this build advertises. */
    public static CapabilityAd localAdvertisement() {
        TreeMap<String, TreeSet<Long>> values = new TreeMap<>();
        for (Definition definition : ALL) {
            values.put(definition.name(), new TreeSet<>(definition.supportedHere()));
        }
        return CapabilityAd.ofIntegers(values);
    }
}
