package io.meridian.core.placement;

import static io.meridian.proto.RejectCode.REJECT_ALREADY_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_GROUP_MISMATCH;
import static io.meridian.proto.RejectCode.REJECT_KEY_OUT_OF_RANGE;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_ADJACENT;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_STALE_VERSION;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.migration.Migration;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.topology.Node;
import io.meridian.proto.MergeShards;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TransferReplica;
import java.util.Optional;

/**
 * Executes placement commands: split, merge and a group leadership move change routing when
 * applied; a transfer starts a migration, and routing changes at its cutover. A command planned
 * against a routing version that is no longer current is rejected instead of executed.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class PlacementApplier {

    private PlacementApplier() {
    }

    public static Optional<Rejection> validate(PlacementCommand command) {
        Optional<Rejection> reason = Validation.text("placement reason", command.getReason());
        if (reason.isPresent()) {
            return reason;
        }
        return switch (command.getCommandCase()) {
            case SPLIT -> validateSplit(command.getSplit());
            case MERGE -> validateMerge(command.getMerge());
            case TRANSFER -> validateTransfer(command.getTransfer());
            case LEAD -> Validation.allocatedId("group id", command.getLead().getGroupId())
                    .or(() -> Validation.nodeId("new leader", command.getLead().getNewLeader()));
            case COMMAND_NOT_SET -> Validation.invalid("placement command names no command");
        };
    }

    private static Optional<Rejection> validateSplit(SplitShard split) {
        Optional<Rejection> id = Validation.allocatedId("shard id", split.getShardId());
        if (id.isPresent()) {
            return id;
        }
        if (split.getSplitKey().isEmpty()) {
            return Validation.invalid("split of shard %d needs a split key", split.getShardId());
        }
        if (split.getSplitKey().size() > Validation.MAX_KEY_BYTES) {
            return Validation.invalid("split key is %d bytes; at most %d are allowed", split.getSplitKey().size(),
                    Validation.MAX_KEY_BYTES);
        }
        return Rejection.none();
    }

    private static Optional<Rejection> validateMerge(MergeShards merge) {
        Optional<Rejection> ids = Validation.allocatedId("left shard id", merge.getLeftShardId())
                .or(() -> Validation.allocatedId("right shard id", merge.getRightShardId()));
        if (ids.isPresent()) {
            return ids;
        }
        if (merge.getLeftShardId() == merge.getRightShardId()) {
            return Validation.invalid("cannot merge shard %d with itself", merge.getLeftShardId());
        }
        return Rejection.none();
    }

    private static Optional<Rejection> validateTransfer(TransferReplica transfer) {
        // A repair may name no source: it adds a replica, copied from a live member.
        boolean adds = transfer.getRepair() && transfer.getFromNode().isEmpty();
        Optional<Rejection> fields = Validation.allocatedId("shard id", transfer.getShardId())
                .or(() -> adds ? Rejection.none() : Validation.nodeId("source node", transfer.getFromNode()))
                .or(() -> Validation.nodeId("target node", transfer.getToNode()));
        if (fields.isPresent()) {
            return fields;
        }
        if (transfer.getFromNode().equals(transfer.getToNode())) {
            return Validation.invalid("transfer of shard %d from %s to itself", transfer.getShardId(),
                    transfer.getFromNode());
        }
        return Rejection.none();
    }

    public static Optional<Rejection> apply(Tx tx, PlacementCommand command) {
        long planned = command.getPlannedRoutingVersion();
        if (planned != 0 && planned != tx.routing().version()) {
            return Rejection.reject(REJECT_STALE_VERSION,
                    "command was planned against routing version %d; routing is at version %d now", planned,
                    tx.routing().version());
        }
        return switch (command.getCommandCase()) {
            case SPLIT -> split(tx, command.getSplit());
            case MERGE -> merge(tx, command.getMerge());
            case TRANSFER -> transfer(tx, command.getTransfer(), planned, command.getReason());
            // Below entry-format 3 a replica knows no such command, and refuses it as one that names none.
            case LEAD -> CapabilityGate.allows(tx.capabilities(), CapabilityGate.SCHEDULER_EXECUTION)
                    ? RoutingApplier.transferLeadership(tx, command.getLead())
                    : Validation.invalid("placement command names no command");
            case COMMAND_NOT_SET -> Validation.invalid("placement command names no command");
        };
    }

    private static Optional<Rejection> split(Tx tx, SplitShard split) {
        RoutingImage routing = tx.routing();
        Optional<Shard> found = routing.shard(split.getShardId());
        if (found.isEmpty()) {
            return RoutingApplier.noShard(split.getShardId());
        }
        Shard shard = found.get();
        Key at = Key.of(split.getSplitKey());
        if (!shard.strictlyInside(at)) {
            return Rejection.reject(REJECT_KEY_OUT_OF_RANGE,
                    "split key %s is not strictly inside shard %d %s", at, shard.id(), shard.range());
        }
        Optional<Rejection> busy = RoutingApplier.checkNotMigrating(tx, shard.id());
        if (busy.isPresent()) {
            return busy;
        }
        long rightId = routing.nextShardId();
        Shard left = shard.withRange(shard.start(), at);
        Shard right = new Shard(rightId, at, shard.end(), shard.groupId(), left.epoch(), shard.lastMovedAtMs(),
                shard.lastMovedFrom());
        tx.routing(routing.withNextShardId(rightId + 1).withShard(left).withShard(right).bumped());
        tx.changed(Area.ROUTING, "shard " + shard.id(), "split at %s into %d %s and %d %s", at, left.id(),
                left.range(), right.id(), right.range());
        return Rejection.none();
    }

    private static Optional<Rejection> merge(Tx tx, MergeShards merge) {
        RoutingImage routing = tx.routing();
        Optional<Shard> leftFound = routing.shard(merge.getLeftShardId());
        if (leftFound.isEmpty()) {
            return RoutingApplier.noShard(merge.getLeftShardId());
        }
        Optional<Shard> rightFound = routing.shard(merge.getRightShardId());
        if (rightFound.isEmpty()) {
            return RoutingApplier.noShard(merge.getRightShardId());
        }
        Shard left = leftFound.get();
        Shard right = rightFound.get();
        if (left.end().isEmpty() || !left.end().equals(right.start())) {
            return Rejection.reject(REJECT_NOT_ADJACENT,
                    "shard %d %s does not end where shard %d %s starts", left.id(), left.range(), right.id(),
                    right.range());
        }
        if (left.groupId() != right.groupId()) {
            return Rejection.reject(REJECT_GROUP_MISMATCH,
                    "shard %d is in group %d and shard %d in group %d; only shards of one group merge",
                    left.id(), left.groupId(), right.id(), right.groupId());
        }
        Optional<Rejection> busy = RoutingApplier.checkNotMigrating(tx, left.id())
                .or(() -> RoutingApplier.checkNotMigrating(tx, right.id()));
        if (busy.isPresent()) {
            return busy;
        }
        Shard merged = new Shard(left.id(), left.start(), right.end(), left.groupId(),
                Math.max(left.epoch(), right.epoch()) + 1, Math.max(left.lastMovedAtMs(), right.lastMovedAtMs()),
                left.lastMovedAtMs() >= right.lastMovedAtMs() ? left.lastMovedFrom() : right.lastMovedFrom());
        tx.routing(routing.withoutShard(right.id()).withShard(merged).bumped());
        tx.changed(Area.ROUTING, "shard " + left.id(), "merged with shard %d into %s", right.id(), merged.range());
        return Rejection.none();
    }

    private static Optional<Rejection> transfer(Tx tx, TransferReplica transfer, long planned, String reason) {
        RoutingImage routing = tx.routing();
        Optional<Shard> shard = routing.shard(transfer.getShardId());
        if (shard.isEmpty()) {
            return RoutingApplier.noShard(transfer.getShardId());
        }
        Optional<Rejection> busy = RoutingApplier.checkNotMigrating(tx, shard.get().id());
        if (busy.isPresent()) {
            return busy;
        }
        ReplicaGroup group = routing.group(shard.get().groupId()).orElseThrow(() -> new IllegalStateException(
                "shard " + shard.get().id() + " belongs to missing group " + shard.get().groupId()));
        boolean adds = transfer.getFromNode().isEmpty();
        if (adds && group.members().size() >= ReplicaGroup.MAX_TARGET_REPLICAS) {
            return Validation.invalid("group %d of shard %d has %d members already; a repair adds none beyond %d",
                    group.id(), shard.get().id(), group.members().size(), ReplicaGroup.MAX_TARGET_REPLICAS);
        }
        if (!adds && !group.isMember(transfer.getFromNode())) {
            return Rejection.reject(REJECT_NOT_A_MEMBER,
                    "%s holds no replica of shard %d (group %d: %s)", transfer.getFromNode(), shard.get().id(),
                    group.id(), String.join(",", group.members()));
        }
        Optional<Node> target = tx.topology().node(transfer.getToNode());
        if (target.isEmpty()) {
            return RoutingApplier.noNode(transfer.getToNode());
        }
        if (group.isMember(transfer.getToNode())) {
            return Rejection.reject(REJECT_ALREADY_MEMBER, "%s already holds a replica of shard %d (group %d)",
                    transfer.getToNode(), shard.get().id(), group.id());
        }
        if (!tx.topology().isActive(transfer.getToNode())) {
            return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE, "target %s is %s; only ACTIVE nodes receive replicas",
                    transfer.getToNode(), target.get().state());
        }
        if (target.get().isDown() && tx.admittedAt(5)) {
            return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE, "target %s is DOWN; only a node that answers receives "
                    + "replicas", transfer.getToNode());
        }
        long id = tx.migrations().nextMigrationId();
        Migration migration = Migration.planned(id, shard.get().id(), transfer.getFromNode(), transfer.getToNode(),
                tx.now(), planned, reason, transfer.getRepair());
        tx.migrations(tx.migrations().withNextMigrationId(id + 1).with(migration));
        if (adds) {
            tx.changed(Area.MIGRATION, "migration " + id, "started: a replica of shard %d added on %s (a repair)",
                    shard.get().id(), transfer.getToNode());
        } else {
            tx.changed(Area.MIGRATION, "migration " + id, "started: shard %d from %s to %s%s", shard.get().id(),
                    transfer.getFromNode(), transfer.getToNode(), transfer.getRepair()
                            ? " (a repair: the replica on " + transfer.getFromNode() + " is replaced)" : "");
        }
        return Rejection.none();
    }
}
