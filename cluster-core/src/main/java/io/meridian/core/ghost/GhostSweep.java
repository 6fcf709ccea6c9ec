package io.meridian.core.ghost;

import io.meridian.core.MetadataImage;
import io.meridian.proto.GhostChange;
import io.meridian.proto.GhostSweepVerdict;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RecordGhostSweep;
import io.meridian.proto.SweepVerdictProto;
import java.util.Optional;

/**
 * The leader's anti-entropy sweep of ghost stubs: which stubs no longer serve a purpose (their
 * refcount is zero, or the shard they point to, or the shard they sit on, no longer exists) and
 * the sweep entry that purges them through the log. One source shard per sweep and a bounded
 * number of verdicts, so a sweep is a small entry and the leader proposes at most one per tick.
 *
 * <p>Pure and deterministic; stateless and thread-safe.
 */
public final class GhostSweep {

    /** Most purges one sweep proposes. */
    public static final int MAX_PURGES = 256;

    private GhostSweep() {
    }

    /** A sweep to propose: the entry, its source shard, and how many stubs it purges. */
    public record Proposal(MetadataEntry entry, long sourceShard, int purges) {
    }

    /**
     * The sweep of the first source shard after {@code afterShard} (wrapping around) that holds a
     * stub to purge; empty when no stub needs one.
     */
    public static Optional<Proposal> next(MetadataImage image, long afterShard) {
        Optional<Proposal> later = scan(image, afterShard, Long.MAX_VALUE);
        return later.isPresent() ? later : scan(image, Long.MIN_VALUE, afterShard + 1);
    }

    /** Scans source shards in (from, to). */
    private static Optional<Proposal> scan(MetadataImage image, long from, long to) {
        long source = 0;
        RecordGhostSweep.Builder sweep = RecordGhostSweep.newBuilder();
        int purges = 0;
        for (GhostStub stub : image.ghosts().stubs().values()) {
            if (stub.sourceShard() <= from) {
                continue;
            }
            if (stub.sourceShard() >= to || source != 0 && stub.sourceShard() != source) {
                break;
            }
            if (!stale(image, stub)) {
                continue;
            }
            source = stub.sourceShard();
            if (stub.refcount() > 0) {
                sweep.addVerdicts(GhostSweepVerdict.newBuilder().setEntityId(stub.entityId())
                        .setVerdict(SweepVerdictProto.SWEEP_VERDICT_PURGE));
            }
            purges++;
            if (purges >= MAX_PURGES) {
                break;
            }
        }
        if (source == 0) {
            return Optional.empty();
        }
        MetadataEntry entry = MetadataEntry.newBuilder().setGhost(GhostChange.newBuilder().setSourceShard(source)
                .setSweep(sweep)).build();
        return Optional.of(new Proposal(entry, source, purges));
    }

    /** Whether the stub no longer serves a purpose. */
    static boolean stale(MetadataImage image, GhostStub stub) {
        return stub.refcount() == 0 || image.routing().shard(stub.targetShard()).isEmpty()
                || image.routing().shard(stub.sourceShard()).isEmpty();
    }
}
