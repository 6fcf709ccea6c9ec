package io.meridian.core.routing;

import static io.meridian.proto.RejectCode.REJECT_LAST_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_SHARD_BUSY;
import static io.meridian.proto.RejectCode.REJECT_UNDER_REPLICATED;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.topology.Node;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SetGroupReplicas;
import io.meridian.proto.TransferGroupLeadership;
import java.util.Optional;
import java.util.TreeSet;
import org.pcollections.TreePSet;

/**
 * Applies routing changes: shard reassignment, group leadership, group membership, new groups.
 * Every applied change bumps the routing version by one.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class RoutingApplier {

    /** Most members one replica group may have. */
    public static final int MAX_GROUP_MEMBERS = 16;

    private RoutingApplier() {
    }

    /** The checks that need no state. */
    public static Optional<Rejection> validate(RoutingChange change) {
        return switch (change.getChangeCase()) {
            case REASSIGN_SHARD -> {
                ReassignShard reassign = change.getReassignShard();
                yield Validation.allocatedId("shard id", reassign.getShardId())
                        .or(() -> Validation.allocatedId("group id", reassign.getGroupId()))
                        .or(() -> Validation.nodeId("leaseholder", reassign.getLeaseholder()));
            }
            case TRANSFER_LEADERSHIP -> Validation.allocatedId("group id", change.getTransferLeadership().getGroupId())
                    .or(() -> Validation.nodeId("new leader", change.getTransferLeadership().getNewLeader()));
            case REMOVE_MEMBER -> Validation.allocatedId("group id", change.getRemoveMember().getGroupId())
                    .or(() -> Validation.nodeId("member", change.getRemoveMember().getNodeId()));
            case CREATE_GROUP -> validateCreateGroup(change.getCreateGroup());
            case SET_REPLICAS -> Validation.allocatedId("group id", change.getSetReplicas().getGroupId())
                    // replicas is a uint32: from 2^31 on it is a negative int.
                    .or(() -> Integer.compareUnsigned(change.getSetReplicas().getReplicas(),
                            ReplicaGroup.MAX_TARGET_REPLICAS) <= 0
                            ? Rejection.none() : Validation.invalid("a group has 1-%d replicas (0 clears the "
                                    + "override), got %s", ReplicaGroup.MAX_TARGET_REPLICAS,
                                    Integer.toUnsignedString(change.getSetReplicas().getReplicas())));
            case CHANGE_NOT_SET -> Validation.invalid("routing change names no change");
        };
    }

    private static Optional<Rejection> validateCreateGroup(CreateGroup create) {
        if (create.getMembersCount() < 1 || create.getMembersCount() > MAX_GROUP_MEMBERS) {
            return Validation.invalid("a group needs 1-%d members, got %d", MAX_GROUP_MEMBERS,
                    create.getMembersCount());
        }
        TreeSet<String> seen = new TreeSet<>();
        for (String member : create.getMembersList()) {
            Optional<Rejection> bad = Validation.nodeId("member", member);
            if (bad.isPresent()) {
                return bad;
            }
            if (!seen.add(member)) {
                return Validation.invalid("member %s appears twice", member);
            }
        }
        return create.getLeader().isEmpty() ? Rejection.none() : Validation.nodeId("leader", create.getLeader());
    }

    public static Optional<Rejection> apply(Tx tx, RoutingChange change) {
        return switch (change.getChangeCase()) {
            case REASSIGN_SHARD -> reassign(tx, change.getReassignShard());
            case TRANSFER_LEADERSHIP -> transferLeadership(tx, change.getTransferLeadership());
            case REMOVE_MEMBER -> removeMember(tx, change.getRemoveMember());
            case CREATE_GROUP -> createGroup(tx, change.getCreateGroup());
            case SET_REPLICAS -> setReplicas(tx, change.getSetReplicas());
            case CHANGE_NOT_SET -> Validation.invalid("routing change names no change");
        };
    }

    private static Optional<Rejection> setReplicas(Tx tx, SetGroupReplicas set) {
        Optional<ReplicaGroup> group = tx.routing().group(set.getGroupId());
        if (group.isEmpty()) {
            return noGroup(set.getGroupId());
        }
        int before = group.get().targetReplicas();
        tx.routing(tx.routing().withGroup(group.get().withTargetReplicas(set.getReplicas())).bumped());
        int clusterDefault = (int) tx.scheduler().value(SchedulerParameter.REPLICAS);
        tx.changed(Area.ROUTING, "group " + group.get().id(), "target replicas %s -> %s",
                before == 0 ? "default (" + clusterDefault + ")" : Integer.toString(before),
                set.getReplicas() == 0 ? "default (" + clusterDefault + ")" : Integer.toString(set.getReplicas()));
        return Rejection.none();
    }

    /** The replica count a group should have: its own target, else the scheduler's {@code replicas}. */
    public static int target(Tx tx, ReplicaGroup group) {
        return group.target((int) tx.scheduler().value(SchedulerParameter.REPLICAS));
    }

    private static Optional<Rejection> reassign(Tx tx, ReassignShard reassign) {
        RoutingImage routing = tx.routing();
        Optional<Shard> shard = routing.shard(reassign.getShardId());
        if (shard.isEmpty()) {
            return noShard(reassign.getShardId());
        }
        Optional<ReplicaGroup> group = routing.group(reassign.getGroupId());
        if (group.isEmpty()) {
            return noGroup(reassign.getGroupId());
        }
        Optional<Rejection> leaderProblem = checkLeader(tx, group.get(), reassign.getLeaseholder(), "leaseholder");
        if (leaderProblem.isPresent()) {
            return leaderProblem;
        }
        Optional<Rejection> busy = checkNotMigrating(tx, shard.get().id());
        if (busy.isPresent()) {
            return busy;
        }
        long from = shard.get().groupId();
        tx.routing(routing.withShard(shard.get().withGroup(group.get().id()))
                .withGroup(group.get().withLeader(reassign.getLeaseholder()))
                .bumped());
        tx.changed(Area.ROUTING, "shard " + shard.get().id(), "reassigned from group %d to group %d with "
                + "leaseholder %s", from, group.get().id(), reassign.getLeaseholder());
        return Rejection.none();
    }

    /** Hands a group's leadership to another of its ACTIVE members; routing version bumped. */
    public static Optional<Rejection> transferLeadership(Tx tx, TransferGroupLeadership transfer) {
        Optional<ReplicaGroup> group = tx.routing().group(transfer.getGroupId());
        if (group.isEmpty()) {
            return noGroup(transfer.getGroupId());
        }
        Optional<Rejection> leaderProblem = checkLeader(tx, group.get(), transfer.getNewLeader(), "new leader");
        if (leaderProblem.isPresent()) {
            return leaderProblem;
        }
        String previous = group.get().hasLeader() ? group.get().leader() : "none";
        tx.routing(tx.routing().withGroup(group.get().withLeader(transfer.getNewLeader())).bumped());
        tx.changed(Area.ROUTING, "group " + group.get().id(), "leadership moved from %s to %s", previous,
                transfer.getNewLeader());
        return Rejection.none();
    }

    private static Optional<Rejection> removeMember(Tx tx, RemoveGroupMember remove) {
        Optional<ReplicaGroup> group = tx.routing().group(remove.getGroupId());
        if (group.isEmpty()) {
            return noGroup(remove.getGroupId());
        }
        ReplicaGroup g = group.get();
        if (!g.isMember(remove.getNodeId())) {
            return Rejection.reject(REJECT_NOT_A_MEMBER, "%s is not a member of group %d (members: %s)",
                    remove.getNodeId(), g.id(),
                    String.join(",", g.members()));
        }
        if (g.members().size() == 1) {
            return Rejection.reject(REJECT_LAST_MEMBER,
                    "%s is the last member of group %d; a group cannot be left without members",
                    remove.getNodeId(), g.id());
        }
        ReplicaGroup next = g.withoutMember(remove.getNodeId());
        if (!tx.admittedAt(5)) {
            tx.routing(tx.routing().withGroup(next).bumped());
            tx.changed(Area.ROUTING, "group " + g.id(), "removed member %s%s", remove.getNodeId(),
                    g.leader().equals(remove.getNodeId()) ? " (it led the group; the group has no leader now)" : "");
            return Rejection.none();
        }
        int target = target(tx, g);
        int majority = target / 2 + 1;
        if (next.members().size() < majority && !remove.getForce()) {
            return Rejection.reject(REJECT_UNDER_REPLICATED, "removing %s would leave group %d with %d member%s, "
                    + "below a majority (%d) of its target of %d replicas; pass force to override",
                    remove.getNodeId(), g.id(), next.members().size(), next.members().size() == 1 ? "" : "s",
                    majority, target);
        }
        String heir = "";
        if (g.leader().equals(remove.getNodeId())) {
            heir = next.members().stream().filter(tx.topology()::isActive).findFirst().orElse("");
            next = next.withLeader(heir);
        }
        tx.routing(tx.routing().withGroup(next).bumped());
        tx.changed(Area.ROUTING, "group " + g.id(), "removed member %s%s%s", remove.getNodeId(),
                remove.getForce() && next.members().size() < majority ? " (forced below a majority of its target)"
                        : "",
                !g.leader().equals(remove.getNodeId()) ? "" : heir.isEmpty()
                        ? "; it led the group, and no remaining member is ACTIVE to lead it"
                        : "; it led the group, " + heir + " leads it now");
        return Rejection.none();
    }

    private static Optional<Rejection> createGroup(Tx tx, CreateGroup create) {
        for (String member : create.getMembersList()) {
            Optional<Node> node = tx.topology().node(member);
            if (node.isEmpty()) {
                return noNode(member);
            }
            if (!tx.topology().isActive(member)) {
                return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE, "%s is %s; only ACTIVE nodes join replica groups",
                        member, node.get().state());
            }
        }
        if (!create.getLeader().isEmpty() && !create.getMembersList().contains(create.getLeader())) {
            return Rejection.reject(REJECT_NOT_A_MEMBER, "leader %s is not one of the members %s", create.getLeader(),
                    String.join(",", create.getMembersList()));
        }
        RoutingImage routing = tx.routing();
        long id = routing.nextGroupId();
        ReplicaGroup group = new ReplicaGroup(id, TreePSet.from(create.getMembersList()), create.getLeader());
        tx.routing(routing.withNextGroupId(id + 1).withGroup(group).bumped());
        tx.changed(Area.ROUTING, "group " + id, "created with members %s and %s",
                String.join(",", group.members()), group.hasLeader() ? "leader " + group.leader() : "no leader");
        return Rejection.none();
    }

    /** The checks for a node about to lead a group: a member, and ACTIVE. */
    private static Optional<Rejection> checkLeader(Tx tx, ReplicaGroup group, String nodeId, String what) {
        if (!group.isMember(nodeId)) {
            return Rejection.reject(REJECT_NOT_A_MEMBER, "%s %s is not a member of group %d (members: %s)", what,
                    nodeId, group.id(),
                    String.join(",", group.members()));
        }
        if (!tx.topology().isActive(nodeId)) {
            String state = tx.topology().node(nodeId).map(n -> n.state().name()).orElse("unknown");
            return Rejection.reject(REJECT_NODE_NOT_ELIGIBLE, "%s %s is %s; only ACTIVE nodes lead groups", what,
                    nodeId, state);
        }
        return Rejection.none();
    }

    /** SHARD_BUSY when the shard has a migration in flight. */
    public static Optional<Rejection> checkNotMigrating(Tx tx, long shardId) {
        Optional<Migration> active = tx.migrations().activeFor(shardId);
        if (active.isEmpty()) {
            return Rejection.none();
        }
        return Rejection.reject(REJECT_SHARD_BUSY, "shard %d has migration %d in flight (%s, %s -> %s)", shardId,
                active.get().id(),
                active.get().phase(), active.get().fromNode(), active.get().toNode());
    }

    public static Optional<Rejection> noShard(long id) {
        return Rejection.reject(REJECT_NOT_FOUND, "shard " + id + " does not exist");
    }

    public static Optional<Rejection> noGroup(long id) {
        return Rejection.reject(REJECT_NOT_FOUND, "group " + id + " does not exist");
    }

    public static Optional<Rejection> noNode(String id) {
        return Rejection.reject(REJECT_NOT_FOUND, "node " + id + " does not exist");
    }
}
