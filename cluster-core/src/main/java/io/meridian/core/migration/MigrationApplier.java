package io.meridian.core.migration;

import static io.meridian.proto.RejectCode.REJECT_CHECKSUM_MISMATCH;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_STALE_ATTEMPT;

import io.meridian.core.Area;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.ghost.GhostApplier;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.proto.InsertGhostStub;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.MovedEntity;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RoutingChange;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.pcollections.TreePSet;

/**
 * Applies migration checkpoints and aborts. A checkpoint advances a migration through the phase
 * table; entering CUTOVER moves the shard to the group of its new replica set. An abort marks the
 * migration ABORTED and applies its compensating routing changes, all or nothing.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class MigrationApplier {

    /** Largest checkpoint payload. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** Most compensating routing changes in one abort. */
    public static final int MAX_COMPENSATIONS = 64;
    /** Most moved entities one cutover checkpoint names. */
    public static final int MAX_MOVED = 1024;

    private MigrationApplier() {
    }

    /** The CRC32C (Castagnoli) of the bytes, as the unsigned value in an int. */
    public static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    public static Optional<Rejection> validateCheckpoint(MigrationCheckpoint checkpoint) {
        Optional<Rejection> id = Validation.allocatedId("migration id", checkpoint.getMigrationId());
        if (id.isPresent()) {
            return id;
        }
        Optional<MigrationPhase> phase = MigrationPhase.fromProto(checkpoint.getPhase());
        if (phase.isEmpty() || phase.get() == MigrationPhase.ABORTED || phase.get() == MigrationPhase.PLANNED) {
            return Validation.invalid("checkpoint phase %s is not a phase a checkpoint can report "
                    + "(COPYING, CATCHING_UP, CUTOVER or COMPLETED)", checkpoint.getPhase());
        }
        if (checkpoint.getPayload().size() > MAX_PAYLOAD_BYTES) {
            return Validation.invalid("checkpoint payload of migration %d is %d bytes; at most %d are allowed",
                    checkpoint.getMigrationId(), checkpoint.getPayload().size(), MAX_PAYLOAD_BYTES);
        }
        if (checkpoint.getMovedCount() > 0) {
            if (phase.get() != MigrationPhase.CUTOVER) {
                return Validation.invalid("checkpoint of migration %d names moved entities; only a CUTOVER "
                        + "checkpoint does", checkpoint.getMigrationId());
            }
            if (checkpoint.getMovedCount() > MAX_MOVED) {
                return Validation.invalid("checkpoint of migration %d names %d moved entities; at most %d are "
                        + "allowed", checkpoint.getMigrationId(), checkpoint.getMovedCount(), MAX_MOVED);
            }
            for (int i = 0; i < checkpoint.getMovedCount(); i++) {
                MovedEntity moved = checkpoint.getMoved(i);
                Optional<Rejection> bad = Validation.allocatedId("target shard", moved.getTargetShard())
                        .or(() -> Validation.entityId("entity id", moved.getEntityId()));
                if (bad.isPresent()) {
                    return Optional.of(bad.get().prefixed("moved entity " + i));
                }
            }
        }
        return checksum(checkpoint);
    }

    /** Whether the checkpoint's CRC32C matches its payload. */
    public static Optional<Rejection> checksum(MigrationCheckpoint checkpoint) {
        int actual = crc32c(checkpoint.getPayload().toByteArray());
        if (actual != checkpoint.getCrc32C()) {
            return Rejection.reject(REJECT_CHECKSUM_MISMATCH,
                    "checkpoint of migration %d: CRC32C of the %d-byte payload is %08x, the entry says %08x",
                    checkpoint.getMigrationId(), checkpoint.getPayload().size(), actual, checkpoint.getCrc32C());
        }
        return Rejection.none();
    }

    public static Optional<Rejection> validateAbort(MigrationAbort abort) {
        Optional<Rejection> basic = Validation.allocatedId("migration id", abort.getMigrationId())
                .or(() -> Validation.text("abort reason", abort.getReason()));
        if (basic.isPresent()) {
            return basic;
        }
        if (abort.getCompensationsCount() > MAX_COMPENSATIONS) {
            return Validation.invalid("abort of migration %d has %d compensations; at most %d are allowed",
                    abort.getMigrationId(), abort.getCompensationsCount(), MAX_COMPENSATIONS);
        }
        if (abort.getKeepRouting() && abort.getCompensationsCount() > 0) {
            return Validation.invalid("abort of migration %d both keeps its routing and gives %d compensations",
                    abort.getMigrationId(), abort.getCompensationsCount());
        }
        for (int i = 0; i < abort.getCompensationsCount(); i++) {
            Optional<Rejection> bad = RoutingApplier.validate(abort.getCompensations(i));
            if (bad.isPresent()) {
                return Optional.of(bad.get().prefixed("compensation " + i));
            }
        }
        return Rejection.none();
    }

    public static Optional<Rejection> checkpoint(Tx tx, MigrationCheckpoint checkpoint) {
        Optional<Migration> found = tx.migrations().migration(checkpoint.getMigrationId());
        if (found.isEmpty()) {
            return noMigration(checkpoint.getMigrationId());
        }
        Migration migration = found.get();
        if (migration.phase().isTerminal()) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "migration %d is %s; it takes no more checkpoints",
                    migration.id(), migration.phase());
        }
        long attempt = Integer.toUnsignedLong(checkpoint.getAttempt());
        if (attempt < migration.attempt()) {
            return Rejection.reject(REJECT_STALE_ATTEMPT,
                    "checkpoint of migration %d is from attempt %d; the migration is at attempt %d",
                    migration.id(), attempt, migration.attempt());
        }
        MigrationPhase next = MigrationPhase.fromProto(checkpoint.getPhase()).orElseThrow();
        if (!migration.phase().canAdvanceTo(next)) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "migration %d cannot go from %s to %s",
                    migration.id(), migration.phase(), next);
        }
        if (next == MigrationPhase.CUTOVER && migration.phase() != MigrationPhase.CUTOVER) {
            Optional<Rejection> cut = cutOver(tx, migration);
            if (cut.isPresent()) {
                return cut;
            }
            migration = tx.migrations().migration(migration.id()).orElseThrow();
        }
        if (checkpoint.getMovedCount() > 0
                && CapabilityGate.allows(tx.capabilities(), CapabilityGate.SCHEDULER_EXECUTION)) {
            Optional<Rejection> ghosts = leaveGhosts(tx, migration, checkpoint);
            if (ghosts.isPresent()) {
                return ghosts;
            }
        }
        Migration updated = migration.checkpointed(next, attempt, checkpoint.getPayload(), checkpoint.getCrc32C(),
                tx.now());
        tx.migrations(tx.migrations().with(updated));
        if (next == MigrationPhase.COMPLETED && migration.fromNode().isEmpty()) {
            // A replica added (entry-format 5): nothing moved away.
            tx.changed(Area.MIGRATION, "migration " + migration.id(), "completed: shard %d has a new replica on %s",
                    migration.shardId(), migration.toNode());
        } else if (next == MigrationPhase.COMPLETED) {
            tx.changed(Area.MIGRATION, "migration " + migration.id(), "completed: shard %d moved from %s to %s",
                    migration.shardId(), migration.fromNode(), migration.toNode());
        } else {
            tx.changed(Area.MIGRATION, "migration " + migration.id(), "checkpoint %d in %s (attempt %d, %d bytes)",
                    updated.checkpoints(), next, attempt, checkpoint.getPayload().size());
        }
        return Rejection.none();
    }

    /**
     * Moves the shard to the group whose members are its group's members without the source and with
     * the target: an existing group with exactly those members, else a new one. The new group keeps
     * the old leader when it stays a member, else the smallest remaining old member leads it.
     */
    private static Optional<Rejection> cutOver(Tx tx, Migration migration) {
        if (!tx.topology().isActive(migration.toNode())) {
            String state = tx.topology().node(migration.toNode()).map(n -> n.state().name()).orElse("gone");
            return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE,
                    "cutover of migration %d: target %s is %s; only an ACTIVE node can take the replica",
                    migration.id(), migration.toNode(), state);
        }
        RoutingImage routing = tx.routing();
        Optional<Shard> shard = routing.shard(migration.shardId());
        if (shard.isEmpty()) {
            return RoutingApplier.noShard(migration.shardId());
        }
        ReplicaGroup current = routing.group(shard.get().groupId()).orElseThrow(() -> new IllegalStateException(
                "shard " + shard.get().id() + " belongs to missing group " + shard.get().groupId()));
        TreePSet<String> members = current.members().minus(migration.fromNode()).plus(migration.toNode());
        ReplicaGroup target;
        Optional<ReplicaGroup> existing = routing.groupWithMembers(members);
        if (existing.isPresent()) {
            target = existing.get();
        } else {
            String leader = current.hasLeader() && members.contains(current.leader()) ? current.leader()
                    : firstOldMember(members, migration.toNode());
            target = new ReplicaGroup(routing.nextGroupId(), members, leader, current.targetReplicas());
            routing = routing.withNextGroupId(target.id() + 1).withGroup(target);
            tx.changed(Area.ROUTING, "group " + target.id(), "created with members %s and leader %s for the "
                    + "cutover of migration %d", String.join(",", members), leader, migration.id());
        }
        routing = routing.withShard(shard.get().movedTo(target.id(), migration.fromNode(), tx.now())).bumped();
        tx.routing(routing);
        tx.migrations(tx.migrations().with(migration.cutOverTo(target.id())));
        tx.changed(Area.ROUTING, "shard " + shard.get().id(), "cut over from group %d to group %d (%s)",
                current.id(), target.id(), migration.fromNode().isEmpty() ? migration.toNode() + " added"
                        : migration.fromNode() + " replaced by " + migration.toNode());
        return Rejection.none();
    }

    /** A stub on the migrating shard for every entity the data plane moved elsewhere. */
    private static Optional<Rejection> leaveGhosts(Tx tx, Migration migration, MigrationCheckpoint checkpoint) {
        for (MovedEntity moved : checkpoint.getMovedList()) {
            if (moved.getTargetShard() == migration.shardId()) {
                return Validation.invalid("moved entity %s names the migrating shard %d as its target",
                        Validation.printable(moved.getEntityId()), migration.shardId());
            }
            Optional<Rejection> refused = GhostApplier.insert(tx, migration.shardId(), InsertGhostStub.newBuilder()
                    .setEntityId(moved.getEntityId()).setTargetShard(moved.getTargetShard())
                    .setRefcount(moved.getRefcount() == 0 ? 1 : moved.getRefcount()).build());
            if (refused.isPresent()) {
                return Optional.of(refused.get().prefixed("moved entity " + moved.getEntityId()));
            }
        }
        return Rejection.none();
    }

    private static String firstOldMember(TreePSet<String> members, String newcomer) {
        TreeSet<String> old = new TreeSet<>(members);
        old.remove(newcomer);
        return old.isEmpty() ? newcomer : old.first();
    }

    public static Optional<Rejection> abort(Tx tx, MigrationAbort abort) {
        Optional<Migration> found = tx.migrations().migration(abort.getMigrationId());
        if (found.isEmpty()) {
            return noMigration(abort.getMigrationId());
        }
        Migration migration = found.get();
        if (migration.phase().isTerminal()) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "migration %d is already %s", migration.id(),
                    migration.phase());
        }
        List<RoutingChange> compensations = abort.getCompensationsList();
        if (compensations.isEmpty() && migration.targetGroupId() != 0 && tx.admittedAt(5)
                && !abort.getKeepRouting()) {
            // Past its cutover the shard serves from the target already: undo that, or refuse.
            Optional<RoutingChange> back = compensation(tx.image(), migration);
            if (back.isEmpty()) {
                return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "migration %d cut over to group %d, and no group "
                        + "of its source with an ACTIVE member to lead it is left to put shard %d back in; give the "
                        + "compensations", migration.id(), migration.targetGroupId(), migration.shardId());
            }
            compensations = List.of(back.get());
        }
        // The migration leaves flight first, so compensations may touch its shard.
        tx.migrations(tx.migrations().with(migration.aborted(abort.getReason(), tx.now())));
        tx.changed(Area.MIGRATION, "migration " + migration.id(), "aborted in %s: %s", migration.phase(),
                abort.getReason().isEmpty() ? "no reason given" : abort.getReason());
        for (int i = 0; i < compensations.size(); i++) {
            RoutingChange compensation = compensations.get(i);
            Optional<Rejection> refused = RoutingApplier.apply(tx, compensation);
            if (refused.isPresent()) {
                return Optional.of(refused.get().prefixed(
                        "abort of migration " + migration.id() + ", compensation " + i));
            }
        }
        return Rejection.none();
    }

    /**
     * The routing change that undoes a migration's cutover: the shard back in the group of its
     * current members without the target and with the source, led by that group's leader when it is
     * ACTIVE, else by its first ACTIVE member. Empty when no such group exists or none can lead.
     */
    public static Optional<RoutingChange> compensation(MetadataImage image, Migration migration) {
        Optional<Shard> shard = image.routing().shard(migration.shardId());
        Optional<ReplicaGroup> current = shard.flatMap(s -> image.routing().group(s.groupId()));
        if (current.isEmpty()) {
            return Optional.empty();
        }
        TreePSet<String> members = current.get().members().minus(migration.toNode());
        if (!migration.fromNode().isEmpty()) {
            members = members.plus(migration.fromNode());
        }
        Optional<ReplicaGroup> original = image.routing().groupWithMembers(members);
        if (original.isEmpty()) {
            return Optional.empty();
        }
        String leader = original.get().hasLeader() && image.topology().isActive(original.get().leader())
                ? original.get().leader() : members.stream().filter(image.topology()::isActive).findFirst()
                .orElse("");
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(RoutingChange.newBuilder().setReassignShard(ReassignShard.newBuilder()
                .setShardId(migration.shardId()).setGroupId(original.get().id()).setLeaseholder(leader)).build());
    }

    /** Aborts a migration in flight as a side effect of another entry (a forced decommission). */
    public static void abortInFlight(Tx tx, Migration migration, String why) {
        tx.migrations(tx.migrations().with(migration.aborted(why, tx.now())));
        tx.changed(Area.MIGRATION, "migration " + migration.id(), "aborted in %s: %s", migration.phase(), why);
    }

    private static Optional<Rejection> noMigration(long id) {
        return Rejection.reject(REJECT_NOT_FOUND, "migration " + id + " does not exist");
    }
}
