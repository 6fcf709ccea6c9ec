package io.meridian.core.testing;

import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.topology.Node;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A log being applied, for tests: entries go through the leader's admission and then the real
 * applier at increasing indexes, stamped with a test clock, and the stamped log is kept so it can
 * be replayed elsewhere. Fixtures are built this way, so a fixture can never hold a state the
 * applier would not produce. An entry the leader would refuse before the log (malformed, or gated
 * by a capability) is not appended: its result is the unchanged image with the refusal.
 */
public final class Replay {

    /** The logical time the test clock starts at (2026-01-01T00:00:00Z). */
    public static final long START_MS = 1_767_225_600_000L;

    private final MetadataApplier applier = new MetadataApplier();
    private final List<MetadataEntry> log = new ArrayList<>();
    private MetadataImage image = MetadataImage.EMPTY;
    private long term = 1;
    private long clockMs = START_MS;

    /** A replay of a cluster bootstrapped with these members. */
    public static Replay bootstrapped(String... nodeIds) {
        Replay replay = new Replay();
        replay.applied(Entries.bootstrap(nodeIds));
        return replay;
    }

    /**
     * Has every member advertise meridian.entry-format 1 to {@code format} through the log, so the
     * cluster negotiates {@code format}; fails the test if it does not.
     */
    public Replay atEntryFormat(long format) {
        long[] supported = new long[(int) format];
        for (int i = 0; i < supported.length; i++) {
            supported[i] = i + 1;
        }
        for (Node node : image.topology().nodes().values()) {
            if (node.state().isMember()) {
                applied(Entries.advertiseCapabilities(node.id(),
                        Entries.capabilities(CapabilityCatalog.ENTRY_FORMAT.name(), supported)));
            }
        }
        long negotiated = CapabilityGate.value(image.capabilities(), CapabilityCatalog.ENTRY_FORMAT.name());
        if (negotiated != format) {
            throw new AssertionError("the cluster negotiated entry-format " + negotiated + ", not " + format);
        }
        return this;
    }

    public MetadataImage image() {
        return image;
    }

    /** Every entry applied so far, as stamped. */
    public List<MetadataEntry> log() {
        return List.copyOf(log);
    }

    public long clockMs() {
        return clockMs;
    }

    /** Moves the test clock on. */
    public Replay advance(long ms) {
        clockMs += ms;
        return this;
    }

    public Replay newTerm() {
        term++;
        return this;
    }

    /**
     * Admits the entry as the leader would, stamps it with the test clock and applies it at the next
     * index; an entry refused before the log leaves everything as it was.
     */
    public ApplyResult apply(MetadataEntry entry) {
        Optional<Rejection> refused = MetadataApplier.admit(image, entry);
        if (refused.isPresent()) {
            return new ApplyResult(image, new Outcome.Rejected(refused.get()));
        }
        return logged(CapabilityGate.adapt(image.capabilities(), entry, clockMs));
    }

    /**
     * Applies an entry as it stands in the log, without this release's admission: one a leader
     * admitted while the cluster's capabilities were higher, or another release's leader wrote.
     */
    public ApplyResult logged(MetadataEntry entry) {
        MetadataEntry stamped = entry.toBuilder().setProposedAtMs(clockMs).build();
        log.add(stamped);
        ApplyResult result = applier.apply(image, new EntryContext(term, image.index() + 1), stamped);
        image = result.image();
        clockMs += 1;
        return result;
    }

    /** Applies the entry and fails the test unless it was applied. */
    public Outcome.Applied applied(MetadataEntry entry) {
        ApplyResult result = apply(entry);
        if (result.outcome() instanceof Outcome.Applied applied) {
            return applied;
        }
        throw new AssertionError("expected the entry to apply, got " + result.outcome() + " for " + entry);
    }

    /** Applies the entry and fails the test unless it was rejected with this code. */
    public Rejection rejected(MetadataEntry entry, RejectCode code) {
        ApplyResult result = apply(entry);
        if (result.outcome() instanceof Outcome.Rejected rejected) {
            if (rejected.rejection().code() != code) {
                throw new AssertionError("expected " + code + ", got " + rejected.rejection());
            }
            return rejected.rejection();
        }
        throw new AssertionError("expected " + code + ", got " + result.outcome());
    }
}
