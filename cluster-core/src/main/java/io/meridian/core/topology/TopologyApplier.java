package io.meridian.core.topology;

import static io.meridian.proto.RejectCode.REJECT_ALREADY_BOOTSTRAPPED;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_LAST_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_LAST_VOTER;
import static io.meridian.proto.RejectCode.REJECT_MIN_VOTERS;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_DRAINED;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityApplier;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.edgecache.EdgeCacheApplier;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingApplier;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.InitialMember;
import io.meridian.proto.JoinNode;
import io.meridian.proto.MarkNodeHealth;
import io.meridian.proto.StartDecommission;
import io.meridian.proto.TopologyChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.pcollections.TreePSet;

/**
 * Applies topology changes: bootstrap, join, activation, promotion, decommission, leave, a node's
 * advertisement and the voter policy. Each change of state goes through {@link NodeState#canBecome}.
 * Topology is the one source of truth for membership: the reconciler makes the Raft configuration
 * follow it.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class TopologyApplier {

    private TopologyApplier() {
    }

    public static Optional<Rejection> validate(TopologyChange change) {
        return switch (change.getChangeCase()) {
            case BOOTSTRAP -> validateBootstrap(change.getBootstrap());
            case JOIN -> {
                JoinNode join = change.getJoin();
                yield Validation.nodeId("node id", join.getNodeId())
                        .or(() -> Validation.address("raft address of " + join.getNodeId(), join.getRaftAddress()))
                        .or(() -> Validation.optionalAddress("api address of " + join.getNodeId(),
                                join.getApiAddress()))
                        .or(() -> Validation.labels("labels of " + join.getNodeId(), join.getLabelsList()))
                        .or(() -> Validation.role("requested role", join.getRequestedRole()));
            }
            case ACTIVATE -> Validation.nodeId("node id", change.getActivate().getNodeId());
            case PROMOTE -> Validation.nodeId("node id", change.getPromote().getNodeId());
            case START_DECOMMISSION -> Validation.nodeId("node id", change.getStartDecommission().getNodeId());
            case FINISH_DECOMMISSION -> Validation.nodeId("node id", change.getFinishDecommission().getNodeId());
            case LEAVE -> Validation.nodeId("node id", change.getLeave().getNodeId());
            case ADVERTISE -> {
                AdvertiseNode ad = change.getAdvertise();
                yield Validation.nodeId("node id", ad.getNodeId())
                        .or(() -> Validation.address("api address of " + ad.getNodeId(), ad.getApiAddress()))
                        .or(() -> Validation.labels("labels of " + ad.getNodeId(), ad.getLabelsList()))
                        .or(() -> Validation.softwareVersion("software version of " + ad.getNodeId(),
                                ad.getSoftwareVersion()))
                        .or(() -> ad.getCapabilities().isEmpty() ? Rejection.none()
                                : CapabilityApplier.validateAdvertisement(ad.getNodeId(), ad.getCapabilities()));
            }
            case CONFIGURE_MEMBERSHIP -> validateConfigure(change.getConfigureMembership());
            case MARK_HEALTH -> {
                MarkNodeHealth mark = change.getMarkHealth();
                yield Validation.nodeId("node id", mark.getNodeId())
                        .or(() -> NodeHealth.fromEntry(mark.getHealth()).isPresent() ? Rejection.none()
                                : Validation.invalid("health must be UP or DOWN, got %s", mark.getHealth()))
                        // A uint64: from 2^63 on it is a negative long, which no snapshot would read back.
                        .or(() -> mark.getLastSeenMs() >= 0 ? Rejection.none()
                                : Validation.invalid("last seen of %s, %s, is not a time", mark.getNodeId(),
                                        Long.toUnsignedString(mark.getLastSeenMs())))
                        .or(() -> Validation.text("health reason", mark.getReason()));
            }
            case DEMOTE -> Validation.nodeId("node id", change.getDemote().getNodeId());
            case CHANGE_NOT_SET -> Validation.invalid("topology change names no change");
        };
    }

    private static Optional<Rejection> validateBootstrap(BootstrapCluster bootstrap) {
        int count = bootstrap.getMembersCount();
        if (count < 1 || count > VoterPolicy.MAX_VOTERS) {
            return Validation.invalid("a cluster starts with 1-%d members, got %d", VoterPolicy.MAX_VOTERS, count);
        }
        TreeSet<String> ids = new TreeSet<>();
        TreeSet<String> addresses = new TreeSet<>();
        for (InitialMember member : bootstrap.getMembersList()) {
            Optional<Rejection> bad = Validation.nodeId("member id", member.getNodeId())
                    .or(() -> Validation.address("raft address of " + member.getNodeId(), member.getRaftAddress()))
                    .or(() -> Validation.optionalAddress("api address of " + member.getNodeId(),
                            member.getApiAddress()))
                    .or(() -> Validation.labels("labels of " + member.getNodeId(), member.getLabelsList()));
            if (bad.isPresent()) {
                return bad;
            }
            if (!ids.add(member.getNodeId())) {
                return Validation.invalid("member %s appears twice", member.getNodeId());
            }
            if (!addresses.add(member.getRaftAddress())) {
                return Validation.invalid("raft address %s appears twice", member.getRaftAddress());
            }
        }
        if (!bootstrap.getGroupLeader().isEmpty() && !ids.contains(bootstrap.getGroupLeader())) {
            return Validation.invalid("group leader %s is not one of the members",
                    Validation.printable(bootstrap.getGroupLeader()));
        }
        int min = bootstrap.getMinVoters();
        int target = bootstrap.getTargetVoters();
        if (min > VoterPolicy.MAX_VOTERS || target > VoterPolicy.MAX_VOTERS) {
            return Validation.invalid("voter counts are at most %d", VoterPolicy.MAX_VOTERS);
        }
        if (min != 0 && target != 0 && min > target) {
            return Validation.invalid("min voters %d is above target voters %d", min, target);
        }
        return Rejection.none();
    }

    private static Optional<Rejection> validateConfigure(ConfigureMembership configure) {
        if (configure.hasMinVoters()
                && (configure.getMinVoters() < 1 || configure.getMinVoters() > VoterPolicy.MAX_VOTERS)) {
            return Validation.invalid("min voters must be 1-%d, got %d", VoterPolicy.MAX_VOTERS,
                    Integer.toUnsignedLong(configure.getMinVoters()));
        }
        if (configure.hasTargetVoters()
                && (configure.getTargetVoters() < 1 || configure.getTargetVoters() > VoterPolicy.MAX_VOTERS)) {
            return Validation.invalid("target voters must be 1-%d, got %d", VoterPolicy.MAX_VOTERS,
                    Integer.toUnsignedLong(configure.getTargetVoters()));
        }
        if (configure.hasPromoteLagEntries() && (configure.getPromoteLagEntries() < 1
                || configure.getPromoteLagEntries() > VoterPolicy.MAX_PROMOTE_LAG_ENTRIES)) {
            return Validation.invalid("promote lag must be 1-%d entries, got %d", VoterPolicy.MAX_PROMOTE_LAG_ENTRIES,
                    Integer.toUnsignedLong(configure.getPromoteLagEntries()));
        }
        if (configure.hasPromoteAfterMs() && (configure.getPromoteAfterMs() < 0
                || configure.getPromoteAfterMs() > VoterPolicy.MAX_PROMOTE_AFTER_MS)) {
            return Validation.invalid("promote after must be 0-%d ms, got %s", VoterPolicy.MAX_PROMOTE_AFTER_MS,
                    Long.toUnsignedString(configure.getPromoteAfterMs()));
        }
        return Rejection.none();
    }

    public static Optional<Rejection> apply(Tx tx, TopologyChange change) {
        return switch (change.getChangeCase()) {
            case BOOTSTRAP -> bootstrap(tx, change.getBootstrap());
            case JOIN -> join(tx, change.getJoin());
            case ACTIVATE -> activate(tx, change.getActivate().getNodeId());
            case PROMOTE -> promote(tx, change.getPromote().getNodeId());
            case START_DECOMMISSION -> startDecommission(tx, change.getStartDecommission());
            case FINISH_DECOMMISSION -> finishDecommission(tx, change.getFinishDecommission());
            case LEAVE -> leave(tx, change.getLeave().getNodeId());
            case ADVERTISE -> advertise(tx, change.getAdvertise());
            case CONFIGURE_MEMBERSHIP -> configure(tx, change.getConfigureMembership());
            case MARK_HEALTH -> markHealth(tx, change.getMarkHealth());
            case DEMOTE -> demote(tx, change.getDemote().getNodeId());
            case CHANGE_NOT_SET -> Validation.invalid("topology change names no change");
        };
    }

    private static Optional<Rejection> markHealth(Tx tx, MarkNodeHealth mark) {
        Optional<Node> found = tx.topology().node(mark.getNodeId());
        if (found.isEmpty()) {
            return RoutingApplier.noNode(mark.getNodeId());
        }
        Node node = found.get();
        NodeHealth next = NodeHealth.fromEntry(mark.getHealth()).orElseThrow();
        if (node.state() == NodeState.DECOMMISSIONED) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is DECOMMISSIONED; its health is not judged",
                    node.id());
        }
        if (node.health() == next) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is %s already", node.id(), next);
        }
        tx.topology(tx.topology().withNode(node.withHealth(next, tx.now(), mark.getLastSeenMs())));
        tx.changed(Area.TOPOLOGY, "node " + node.id(), "%s -> %s%s", node.health(), next,
                mark.getReason().isEmpty() ? "" : ": " + mark.getReason());
        return Rejection.none();
    }

    private static Optional<Rejection> demote(Tx tx, String nodeId) {
        Optional<Node> found = tx.topology().node(nodeId);
        if (found.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        Node node = found.get();
        if (!node.isVoter()) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is not a voter", nodeId);
        }
        if (tx.topology().countedVoters() - (node.isCountedVoter() ? 1 : 0) == 0) {
            return Rejection.reject(REJECT_LAST_VOTER, "%s is the last voter; the metadata group keeps one", nodeId);
        }
        tx.topology(tx.topology().withNode(node.withRole(RaftRole.LEARNER, tx.now())));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "demoted from voter to learner");
        return Rejection.none();
    }

    private static Optional<Rejection> bootstrap(Tx tx, BootstrapCluster bootstrap) {
        TopologyImage topology = tx.topology();
        if (topology.bootstrapped() || !topology.nodes().isEmpty() || !tx.routing().shards().isEmpty()) {
            return Rejection.reject(REJECT_ALREADY_BOOTSTRAPPED, "the cluster was already bootstrapped (%d nodes)",
                    topology.nodes().size());
        }
        int min = bootstrap.getMinVoters() == 0 ? VoterPolicy.DEFAULT_MIN_VOTERS : bootstrap.getMinVoters();
        int target = bootstrap.getTargetVoters() == 0 ? Math.max(min, VoterPolicy.DEFAULT_TARGET_VOTERS)
                : bootstrap.getTargetVoters();
        if (min > target) {
            return Validation.invalid("min voters %d is above target voters %d", min, target);
        }
        long now = tx.now();
        TreeSet<String> ids = new TreeSet<>();
        for (InitialMember member : bootstrap.getMembersList()) {
            topology = topology.withNode(Node.joined(member.getNodeId(), member.getRaftAddress(),
                    member.getApiAddress(), Labels.fromProto(member.getLabelsList()), NodeState.ACTIVE, RaftRole.VOTER,
                    RaftRole.VOTER, now));
            ids.add(member.getNodeId());
            tx.changed(Area.TOPOLOGY, "node " + member.getNodeId(), "registered as an ACTIVE voter at %s",
                    member.getRaftAddress());
        }
        tx.topology(topology.withBootstrapped(true).withVoterPolicy(VoterPolicy.DEFAULT.withVoters(min, target, true)));
        String leader = bootstrap.getGroupLeader().isEmpty() ? ids.first() : bootstrap.getGroupLeader();
        RoutingImage routing = tx.routing();
        ReplicaGroup group = new ReplicaGroup(routing.nextGroupId(), TreePSet.from(ids), leader);
        Shard shard = new Shard(routing.nextShardId(), Key.EMPTY, Key.EMPTY, group.id(), 1, 0, "");
        tx.routing(routing.withNextGroupId(group.id() + 1).withNextShardId(shard.id() + 1)
                .withGroup(group).withShard(shard).bumped());
        tx.changed(Area.ROUTING, "group " + group.id(), "created with members %s and leader %s",
                String.join(",", ids), leader);
        tx.changed(Area.ROUTING, "shard " + shard.id(), "created covering the whole keyspace in group %d", group.id());
        CapabilityApplier.renegotiate(tx);
        return Rejection.none();
    }

    private static Optional<Rejection> join(Tx tx, JoinNode join) {
        Optional<Node> existing = tx.topology().node(join.getNodeId());
        if (existing.isPresent()) {
            return Rejection.reject(REJECT_ALREADY_EXISTS, "node %s already exists (%s)", join.getNodeId(),
                    existing.get().state());
        }
        Optional<Node> sameAddress = tx.topology().nodeWithRaftAddress(join.getRaftAddress());
        if (sameAddress.isPresent()) {
            return Rejection.reject(REJECT_ALREADY_EXISTS, "raft address %s is already used by node %s",
                    join.getRaftAddress(), sameAddress.get().id());
        }
        RaftRole requested = RaftRole.fromProto(join.getRequestedRole()).orElse(RaftRole.VOTER);
        Node node = Node.joined(join.getNodeId(), join.getRaftAddress(), join.getApiAddress(),
                Labels.fromProto(join.getLabelsList()), NodeState.JOINING, RaftRole.LEARNER, requested, tx.now());
        tx.topology(tx.topology().withNode(node));
        tx.changed(Area.TOPOLOGY, "node " + node.id(), "joined as a JOINING learner at %s%s", node.raftAddress(),
                node.labels().isEmpty() ? "" : " with labels " + Labels.format(node.labels()));
        CapabilityApplier.renegotiate(tx);
        return Rejection.none();
    }

    private static Optional<Rejection> activate(Tx tx, String nodeId) {
        Optional<Node> node = tx.topology().node(nodeId);
        if (node.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        if (!node.get().state().canBecome(NodeState.ACTIVE)) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is %s; only a JOINING node becomes ACTIVE",
                    nodeId, node.get().state());
        }
        tx.topology(tx.topology().withNode(node.get().withState(NodeState.ACTIVE, tx.now())));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "JOINING -> ACTIVE");
        return Rejection.none();
    }

    private static Optional<Rejection> promote(Tx tx, String nodeId) {
        Optional<Node> node = tx.topology().node(nodeId);
        if (node.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        if (node.get().state() != NodeState.ACTIVE) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is %s; only an ACTIVE learner is promoted",
                    nodeId, node.get().state());
        }
        if (node.get().isVoter()) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is already a voter", nodeId);
        }
        tx.topology(tx.topology().withNode(node.get().withRole(RaftRole.VOTER, tx.now())));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "promoted from learner to voter");
        return Rejection.none();
    }

    private static Optional<Rejection> startDecommission(Tx tx, StartDecommission start) {
        String nodeId = start.getNodeId();
        Optional<Node> found = tx.topology().node(nodeId);
        if (found.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        Node node = found.get();
        if (!node.state().canBecome(NodeState.DRAINING)) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION,
                    "%s is %s; only a JOINING or ACTIVE node starts a decommission", nodeId, node.state());
        }
        if (node.isCountedVoter()) {
            int remaining = tx.topology().countedVoters() - 1;
            int min = tx.topology().voterPolicy().minVoters();
            if (remaining == 0) {
                return Rejection.reject(REJECT_LAST_VOTER, "%s is the last voter; the last voter can never leave",
                        nodeId);
            }
            if (remaining < min && !start.getForce()) {
                return Rejection.reject(REJECT_MIN_VOTERS, "decommissioning voter %s would leave %d voter%s, below "
                        + "the minimum of %d; pass force to override", nodeId, remaining, remaining == 1 ? "" : "s",
                        min);
            }
        }
        tx.topology(tx.topology().withNode(node.withState(NodeState.DRAINING, tx.now())));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "%s -> DRAINING%s; blocked by: %s", node.state(),
                start.getForce() ? " (forced)" : "", DecommissionBlockers.of(tx.image(), nodeId).describe());
        EdgeCacheApplier.endEligibility(tx, nodeId, "draining");
        return Rejection.none();
    }

    private static Optional<Rejection> finishDecommission(Tx tx, FinishDecommission finish) {
        String nodeId = finish.getNodeId();
        Optional<Node> found = tx.topology().node(nodeId);
        if (found.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        Node node = found.get();
        if (node.state() != NodeState.DRAINING) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION,
                    "%s is %s; a decommission finishes from DRAINING", nodeId, node.state());
        }
        DecommissionBlockers blockers = DecommissionBlockers.of(tx.image(), nodeId);
        if (!blockers.isEmpty() && !finish.getForce()) {
            return Rejection.reject(REJECT_NODE_NOT_DRAINED, "%s still holds work: %s; wait for the drain or pass "
                    + "force", nodeId, blockers.describe());
        }
        for (Migration migration : tx.migrations().activeInvolving(nodeId)) {
            MigrationApplier.abortInFlight(tx, migration, "node " + nodeId + " was decommissioned");
        }
        Optional<Rejection> left = leaveGroups(tx, nodeId);
        if (left.isPresent()) {
            return left;
        }
        tx.topology(tx.topology().withNode(node.withState(NodeState.DECOMMISSIONED, tx.now())));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "DRAINING -> DECOMMISSIONED%s",
                finish.getForce() && !blockers.isEmpty() ? " (forced past: " + blockers.describe() + ")" : "");
        CapabilityApplier.renegotiate(tx);
        return Rejection.none();
    }

    /**
     * Takes a decommissioned node out of every group: a group it was the only member of is deleted
     * when it holds no shard, and refused (LAST_MEMBER) when it does.
     */
    private static Optional<Rejection> leaveGroups(Tx tx, String nodeId) {
        List<ReplicaGroup> memberOf = new ArrayList<>();
        for (ReplicaGroup group : tx.routing().groups().values()) {
            if (group.isMember(nodeId)) {
                memberOf.add(group);
            }
        }
        if (memberOf.isEmpty()) {
            return Rejection.none();
        }
        RoutingImage routing = tx.routing();
        for (ReplicaGroup group : memberOf) {
            if (group.members().size() > 1) {
                routing = routing.withGroup(group.withoutMember(nodeId));
                tx.changed(Area.ROUTING, "group " + group.id(), "removed member %s (decommissioned)", nodeId);
            } else if (routing.shardCount(group.id()) == 0) {
                routing = routing.withoutGroup(group.id());
                tx.changed(Area.ROUTING, "group " + group.id(), "deleted: its only member %s was decommissioned",
                        nodeId);
            } else {
                return Rejection.reject(REJECT_LAST_MEMBER, "%s is the only member of group %d, which holds %d "
                        + "shard%s; move them first", nodeId, group.id(), routing.shardCount(group.id()),
                        routing.shardCount(group.id()) == 1 ? "" : "s");
            }
        }
        tx.routing(routing.bumped());
        return Rejection.none();
    }

    private static Optional<Rejection> leave(Tx tx, String nodeId) {
        Optional<Node> node = tx.topology().node(nodeId);
        if (node.isEmpty()) {
            return RoutingApplier.noNode(nodeId);
        }
        if (node.get().state() != NodeState.DECOMMISSIONED) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is %s; only a DECOMMISSIONED node leaves",
                    nodeId, node.get().state());
        }
        tx.topology(tx.topology().withoutNode(nodeId));
        tx.changed(Area.TOPOLOGY, "node " + nodeId, "left the cluster");
        CapabilityApplier.forget(tx, nodeId);
        return Rejection.none();
    }

    private static Optional<Rejection> advertise(Tx tx, AdvertiseNode ad) {
        Optional<Node> node = tx.topology().node(ad.getNodeId());
        if (node.isEmpty()) {
            return RoutingApplier.noNode(ad.getNodeId());
        }
        if (node.get().state() == NodeState.DECOMMISSIONED) {
            return Rejection.reject(REJECT_ILLEGAL_TRANSITION, "%s is DECOMMISSIONED; it advertises nothing",
                    ad.getNodeId());
        }
        Node updated = node.get().withAdvertisement(ad.getApiAddress(), Labels.fromProto(ad.getLabelsList()),
                ad.getSoftwareVersion());
        tx.topology(tx.topology().withNode(updated));
        tx.changed(Area.TOPOLOGY, "node " + ad.getNodeId(), "advertised api %s, version %s%s", ad.getApiAddress(),
                ad.getSoftwareVersion(),
                        updated.labels().isEmpty() ? "" : ", labels " + Labels.format(updated.labels()));
        if (!ad.getCapabilities().isEmpty()) {
            CapabilityApplier.advertise(tx, ad.getNodeId(), CapabilityApplier.decodeValidated(ad.getCapabilities()));
        }
        return Rejection.none();
    }

    private static Optional<Rejection> configure(Tx tx, ConfigureMembership configure) {
        VoterPolicy current = tx.topology().voterPolicy();
        int min = configure.hasMinVoters() ? configure.getMinVoters() : current.minVoters();
        int target = configure.hasTargetVoters() ? configure.getTargetVoters() : current.targetVoters();
        boolean auto = configure.hasAutoPromote() ? configure.getAutoPromote() : current.autoPromote();
        if (min > target) {
            return Validation.invalid("min voters %d would be above target voters %d", min, target);
        }
        VoterPolicy next = current.withVoters(min, target, auto);
        String ignored = "";
        if (CapabilityGate.hasPromotionCriteria(configure)) {
            if (CapabilityGate.allows(tx.capabilities(), CapabilityGate.PROMOTION_CRITERIA)) {
                next = next.withPromotion(
                        configure.hasPromoteLagEntries() ? configure.getPromoteLagEntries() : next.promoteLagEntries(),
                        configure.hasPromoteAfterMs() ? configure.getPromoteAfterMs() : next.promoteAfterMs());
            } else {
                // What a replica of entry-format 1 does: it does not know these fields.
                ignored = " (promotion criteria ignored: the cluster is below entry-format 2)";
            }
        }
        tx.topology(tx.topology().withVoterPolicy(next));
        tx.changed(Area.TOPOLOGY, "voter policy", "min voters %d, target voters %d, auto-promote %s, promote after "
                + "%d ms within %d entries%s", min, target, auto ? "on" : "off", next.promoteAfterMs(),
                next.promoteLagEntries(), ignored);
        return Rejection.none();
    }
}
