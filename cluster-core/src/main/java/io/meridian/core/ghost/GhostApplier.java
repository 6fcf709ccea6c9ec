package io.meridian.core.ghost;

import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.proto.GhostChange;
import io.meridian.proto.GhostSweepVerdict;
import io.meridian.proto.InsertGhostStub;
import io.meridian.proto.RecordGhostSweep;
import io.meridian.proto.SweepVerdictProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Applies ghost-stub changes: insert, incref, decref (purging at zero), purge, and the recorded
 * result of an anti-entropy sweep. The sweep itself (asking target shards) happens on the leader,
 * outside the state machine; the log records its verdicts, so every replica purges the same stubs.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class GhostApplier {

    /** Most verdicts one sweep entry may carry. */
    public static final int MAX_VERDICTS = 10_000;

    private GhostApplier() {
    }

    public static Optional<Rejection> validate(GhostChange change) {
        Optional<Rejection> shard = Validation.allocatedId("source shard", change.getSourceShard());
        if (shard.isPresent()) {
            return shard;
        }
        return switch (change.getChangeCase()) {
            case INSERT -> {
                InsertGhostStub insert = change.getInsert();
                Optional<Rejection> fields = Validation.entityId("entity id", insert.getEntityId())
                        .or(() -> Validation.allocatedId("target shard", insert.getTargetShard()));
                if (fields.isPresent()) {
                    yield fields;
                }
                if (insert.getTargetShard() == change.getSourceShard()) {
                    yield Validation.invalid("ghost of %s points at its own source shard %d",
                            Validation.printable(insert.getEntityId()), change.getSourceShard());
                }
                yield Rejection.none();
            }
            case INCREF -> Validation.entityId("entity id", change.getIncref().getEntityId());
            case DECREF -> Validation.entityId("entity id", change.getDecref().getEntityId());
            case PURGE -> Validation.entityId("entity id", change.getPurge().getEntityId())
                    .or(() -> Validation.text("purge reason", change.getPurge().getReason()));
            case SWEEP -> validateSweep(change.getSweep());
            case CHANGE_NOT_SET -> Validation.invalid("ghost change names no change");
        };
    }

    private static Optional<Rejection> validateSweep(RecordGhostSweep sweep) {
        if (sweep.getVerdictsCount() > MAX_VERDICTS) {
            return Validation.invalid("a sweep carries at most %d verdicts, got %d", MAX_VERDICTS,
                    sweep.getVerdictsCount());
        }
        TreeSet<String> seen = new TreeSet<>();
        for (GhostSweepVerdict verdict : sweep.getVerdictsList()) {
            Optional<Rejection> id = Validation.entityId("entity id", verdict.getEntityId());
            if (id.isPresent()) {
                return id;
            }
            if (verdict.getVerdict() != SweepVerdictProto.SWEEP_VERDICT_KEEP
                    && verdict.getVerdict() != SweepVerdictProto.SWEEP_VERDICT_PURGE
                    && verdict.getVerdict() != SweepVerdictProto.SWEEP_VERDICT_INCONCLUSIVE) {
                return Validation.invalid("verdict for %s is %s; use KEEP, PURGE or INCONCLUSIVE",
                        Validation.printable(verdict.getEntityId()), verdict.getVerdict());
            }
            if (!seen.add(verdict.getEntityId())) {
                return Validation.invalid("sweep has two verdicts for %s", Validation.printable(verdict.getEntityId()));
            }
        }
        return Rejection.none();
    }

    public static Optional<Rejection> apply(Tx tx, GhostChange change) {
        long source = change.getSourceShard();
        return switch (change.getChangeCase()) {
            case INSERT -> insert(tx, source, change.getInsert());
            case INCREF -> incref(tx, source, change.getIncref().getEntityId(), by(change.getIncref().getBy()));
            case DECREF -> decref(tx, source, change.getDecref().getEntityId(), by(change.getDecref().getBy()));
            case PURGE -> purge(tx, source, change.getPurge().getEntityId(), change.getPurge().getReason());
            case SWEEP -> sweep(tx, source, change.getSweep());
            case CHANGE_NOT_SET -> Validation.invalid("ghost change names no change");
        };
    }

    private static long by(int raw) {
        return raw == 0 ? 1 : Integer.toUnsignedLong(raw);
    }

    /** Leaves a stub on the source shard forwarding the entity to the target shard. */
    public static Optional<Rejection> insert(Tx tx, long source, InsertGhostStub insert) {
        if (tx.routing().shard(source).isEmpty()) {
            return RoutingApplier.noShard(source);
        }
        if (tx.routing().shard(insert.getTargetShard()).isEmpty()) {
            return RoutingApplier.noShard(insert.getTargetShard());
        }
        GhostStub stub = new GhostStub(source, insert.getEntityId(), insert.getTargetShard(),
                Integer.toUnsignedLong(insert.getRefcount()), tx.now());
        boolean replaced = tx.ghosts().stub(source, insert.getEntityId()).isPresent();
        tx.ghosts(tx.ghosts().withStub(stub));
        tx.changed(Area.GHOST, stub.key(), "%s: forwards to shard %d, refcount %d", replaced ? "replaced" : "inserted",
                stub.targetShard(), stub.refcount());
        return Rejection.none();
    }

    private static Optional<Rejection> incref(Tx tx, long source, String entity, long by) {
        Optional<GhostStub> stub = tx.ghosts().stub(source, entity);
        if (stub.isEmpty()) {
            return noStub(source, entity);
        }
        GhostStub next = stub.get().incremented(by);
        tx.ghosts(tx.ghosts().withStub(next));
        tx.changed(Area.GHOST, next.key(), "refcount %d -> %d", stub.get().refcount(), next.refcount());
        return Rejection.none();
    }

    private static Optional<Rejection> decref(Tx tx, long source, String entity, long by) {
        Optional<GhostStub> stub = tx.ghosts().stub(source, entity);
        if (stub.isEmpty()) {
            return noStub(source, entity);
        }
        GhostStub next = stub.get().decremented(by);
        if (next.refcount() == 0) {
            tx.ghosts(tx.ghosts().purged(next.key()));
            tx.changed(Area.GHOST, next.key(), "refcount %d -> 0: purged", stub.get().refcount());
        } else {
            tx.ghosts(tx.ghosts().withStub(next));
            tx.changed(Area.GHOST, next.key(), "refcount %d -> %d", stub.get().refcount(), next.refcount());
        }
        return Rejection.none();
    }

    private static Optional<Rejection> purge(Tx tx, long source, String entity, String reason) {
        Optional<GhostStub> stub = tx.ghosts().stub(source, entity);
        if (stub.isEmpty()) {
            return noStub(source, entity);
        }
        tx.ghosts(tx.ghosts().purged(stub.get().key()));
        tx.changed(Area.GHOST, stub.get().key(), "purged%s", reason.isEmpty() ? "" : ": " + reason);
        return Rejection.none();
    }

    /**
     * Records a sweep: zero-refcount stubs are purged without a verdict (nothing can point at them);
     * PURGE verdicts purge; KEEP and INCONCLUSIVE keep; verdicts for stubs already gone are ignored.
     */
    private static Optional<Rejection> sweep(Tx tx, long source, RecordGhostSweep sweep) {
        TreeMap<String, SweepVerdictProto> verdicts = new TreeMap<>();
        for (GhostSweepVerdict verdict : sweep.getVerdictsList()) {
            verdicts.put(verdict.getEntityId(), verdict.getVerdict());
        }
        List<GhostKey> toPurge = new ArrayList<>();
        int kept = 0;
        int inconclusive = 0;
        for (GhostStub stub : tx.ghosts().onShard(source)) {
            SweepVerdictProto verdict = verdicts.get(stub.entityId());
            if (stub.refcount() == 0 || verdict == SweepVerdictProto.SWEEP_VERDICT_PURGE) {
                toPurge.add(stub.key());
            } else if (verdict == SweepVerdictProto.SWEEP_VERDICT_KEEP) {
                kept++;
            } else if (verdict == SweepVerdictProto.SWEEP_VERDICT_INCONCLUSIVE) {
                inconclusive++;
            }
        }
        GhostsImage ghosts = tx.ghosts();
        for (GhostKey key : toPurge) {
            ghosts = ghosts.purged(key);
        }
        tx.ghosts(ghosts.withTable(ghosts.table(source).swept(tx.now())));
        tx.changed(Area.GHOST, "shard " + source, "swept: %d checked, %d purged, %d kept, %d inconclusive",
                toPurge.size() + kept + inconclusive, toPurge.size(), kept, inconclusive);
        return Rejection.none();
    }

    private static Optional<Rejection> noStub(long source, String entity) {
        return Rejection.reject(REJECT_NOT_FOUND, "no ghost of %s on shard %d", Validation.printable(entity), source);
    }
}
