package io.meridian.core.testing;

import com.google.protobuf.ByteString;
import io.meridian.core.capability.CapabilityAd;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.core.routing.Key;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessGrant;
import io.meridian.proto.AccessRevoke;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Batch;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.Caller;
import io.meridian.proto.CapabilityAdvertisement;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.DecrefGhost;
import io.meridian.proto.DisableEdgeCache;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.EnableEdgeCache;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.GhostChange;
import io.meridian.proto.GhostSweepVerdict;
import io.meridian.proto.IncrefGhost;
import io.meridian.proto.InitialMember;
import io.meridian.proto.InsertGhostStub;
import io.meridian.proto.JoinNode;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.Label;
import io.meridian.proto.LeaveCluster;
import io.meridian.proto.MergeShards;
import io.meridian.proto.DemoteNode;
import io.meridian.proto.MarkNodeHealth;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.SetGroupReplicas;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.PauseScheduler;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.PromoteNode;
import io.meridian.proto.PurgeGhost;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RecordGhostSweep;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.ReportEdgeCacheStats;
import io.meridian.proto.ResumeScheduler;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import io.meridian.proto.SplitShard;
import io.meridian.proto.StartDecommission;
import io.meridian.proto.SweepVerdictProto;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TokenExpired;
import io.meridian.proto.TokenIssued;
import io.meridian.proto.TokenRevoked;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TransferGroupLeadership;
import io.meridian.proto.TransferReplica;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/** Builders of entries as an operator or a node would send them, so tests read as actions. */
public final class Entries {

    private Entries() {
    }

    public static String raft(String nodeId) {
        return nodeId + ".meridian.test:7000";
    }

    public static String api(String nodeId) {
        return nodeId + ".meridian.test:7100";
    }

    public static List<Label> labels(String... keyValues) {
        Label[] out = new Label[keyValues.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = Label.newBuilder().setKey(keyValues[2 * i]).setValue(keyValues[2 * i + 1]).build();
        }
        return Arrays.asList(out);
    }

    private static MetadataEntry topology(TopologyChange.Builder change) {
        return MetadataEntry.newBuilder().setTopology(change).build();
    }

    public static MetadataEntry bootstrap(String... nodeIds) {
        BootstrapCluster.Builder bootstrap = BootstrapCluster.newBuilder();
        for (String id : nodeIds) {
            bootstrap.addMembers(InitialMember.newBuilder().setNodeId(id).setRaftAddress(raft(id)));
        }
        return topology(TopologyChange.newBuilder().setBootstrap(bootstrap));
    }

    public static MetadataEntry bootstrap(BootstrapCluster.Builder bootstrap) {
        return topology(TopologyChange.newBuilder().setBootstrap(bootstrap));
    }

    public static MetadataEntry join(String nodeId, String... labelKeyValues) {
        return join(JoinNode.newBuilder().setNodeId(nodeId).setRaftAddress(raft(nodeId)).setApiAddress(api(nodeId))
                .addAllLabels(labels(labelKeyValues)));
    }

    public static MetadataEntry join(JoinNode.Builder join) {
        return topology(TopologyChange.newBuilder().setJoin(join));
    }

    public static MetadataEntry activate(String nodeId) {
        return topology(TopologyChange.newBuilder().setActivate(
                io.meridian.proto.ActivateNode.newBuilder().setNodeId(nodeId)));
    }

    public static MetadataEntry promote(String nodeId) {
        return topology(TopologyChange.newBuilder().setPromote(PromoteNode.newBuilder().setNodeId(nodeId)));
    }

    public static MetadataEntry startDecommission(String nodeId, boolean force) {
        return topology(TopologyChange.newBuilder().setStartDecommission(
                StartDecommission.newBuilder().setNodeId(nodeId).setForce(force)));
    }

    public static MetadataEntry finishDecommission(String nodeId, boolean force) {
        return topology(TopologyChange.newBuilder().setFinishDecommission(
                FinishDecommission.newBuilder().setNodeId(nodeId).setForce(force)));
    }

    public static MetadataEntry leave(String nodeId) {
        return topology(TopologyChange.newBuilder().setLeave(LeaveCluster.newBuilder().setNodeId(nodeId)));
    }

    public static MetadataEntry advertise(String nodeId, String version, byte[] capabilities, String... labels) {
        return topology(TopologyChange.newBuilder().setAdvertise(AdvertiseNode.newBuilder().setNodeId(nodeId)
                .setApiAddress(api(nodeId)).setSoftwareVersion(version).addAllLabels(labels(labels))
                .setCapabilities(ByteString.copyFrom(capabilities))));
    }

    public static MetadataEntry markHealth(String nodeId, NodeHealthProto health) {
        return topology(TopologyChange.newBuilder().setMarkHealth(MarkNodeHealth.newBuilder().setNodeId(nodeId)
                .setHealth(health).setReason("test")));
    }

    public static MetadataEntry markHealth(String nodeId, NodeHealthProto health, long lastSeenMs, String reason) {
        return topology(TopologyChange.newBuilder().setMarkHealth(MarkNodeHealth.newBuilder().setNodeId(nodeId)
                .setHealth(health).setLastSeenMs(lastSeenMs).setReason(reason)));
    }

    public static MetadataEntry demote(String nodeId) {
        return topology(TopologyChange.newBuilder().setDemote(DemoteNode.newBuilder().setNodeId(nodeId)));
    }

    public static MetadataEntry setReplicas(long group, int replicas) {
        return routing(RoutingChange.newBuilder().setSetReplicas(SetGroupReplicas.newBuilder().setGroupId(group)
                .setReplicas(replicas)));
    }

    public static MetadataEntry removeMember(long group, String nodeId, boolean force) {
        return routing(RoutingChange.newBuilder().setRemoveMember(RemoveGroupMember.newBuilder().setGroupId(group)
                .setNodeId(nodeId).setForce(force)));
    }

    public static MetadataEntry configureMembership(Integer min, Integer target, Boolean autoPromote) {
        ConfigureMembership.Builder configure = ConfigureMembership.newBuilder();
        if (min != null) {
            configure.setMinVoters(min);
        }
        if (target != null) {
            configure.setTargetVoters(target);
        }
        if (autoPromote != null) {
            configure.setAutoPromote(autoPromote);
        }
        return topology(TopologyChange.newBuilder().setConfigureMembership(configure));
    }

    /** ConfigureMembership with only the promotion criteria (entry-format 2). */
    public static MetadataEntry promotionCriteria(int lagEntries, long afterMs) {
        return topology(TopologyChange.newBuilder().setConfigureMembership(ConfigureMembership.newBuilder()
                .setPromoteLagEntries(lagEntries).setPromoteAfterMs(afterMs)));
    }

    public static MetadataEntry routing(RoutingChange.Builder change) {
        return MetadataEntry.newBuilder().setRouting(change).build();
    }

    public static RoutingChange.Builder reassignChange(long shard, long group, String leaseholder) {
        return RoutingChange.newBuilder().setReassignShard(
                ReassignShard.newBuilder().setShardId(shard).setGroupId(group).setLeaseholder(leaseholder));
    }

    public static MetadataEntry reassign(long shard, long group, String leaseholder) {
        return routing(reassignChange(shard, group, leaseholder));
    }

    public static MetadataEntry transferLeadership(long group, String to) {
        return routing(RoutingChange.newBuilder().setTransferLeadership(
                TransferGroupLeadership.newBuilder().setGroupId(group).setNewLeader(to)));
    }

    public static MetadataEntry removeMember(long group, String nodeId) {
        return routing(RoutingChange.newBuilder().setRemoveMember(
                RemoveGroupMember.newBuilder().setGroupId(group).setNodeId(nodeId)));
    }

    public static MetadataEntry createGroup(String leader, String... members) {
        return routing(RoutingChange.newBuilder().setCreateGroup(
                CreateGroup.newBuilder().addAllMembers(Arrays.asList(members)).setLeader(leader)));
    }

    public static MetadataEntry split(long shard, String key) {
        return placement(PlacementCommand.newBuilder().setSplit(
                SplitShard.newBuilder().setShardId(shard).setSplitKey(ByteString.copyFromUtf8(key))), 0);
    }

    public static MetadataEntry merge(long left, long right) {
        return placement(PlacementCommand.newBuilder().setMerge(
                MergeShards.newBuilder().setLeftShardId(left).setRightShardId(right)), 0);
    }

    public static MetadataEntry transfer(long shard, String from, String to) {
        return placement(PlacementCommand.newBuilder().setTransfer(
                TransferReplica.newBuilder().setShardId(shard).setFromNode(from).setToNode(to)), 0);
    }

    /** A repair: the replica on {@code from} (DOWN or leaving) replaced on {@code to}; an empty from adds one. */
    public static MetadataEntry repair(long shard, String from, String to) {
        return placement(PlacementCommand.newBuilder().setTransfer(
                TransferReplica.newBuilder().setShardId(shard).setFromNode(from).setToNode(to).setRepair(true)), 0);
    }

    public static MetadataEntry placement(PlacementCommand.Builder command, long plannedRoutingVersion) {
        return MetadataEntry.newBuilder().setPlacement(command.setPlannedRoutingVersion(plannedRoutingVersion)).build();
    }

    public static MetadataEntry checkpoint(long migration, MigrationPhaseProto phase, int attempt, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return checkpoint(migration, phase, attempt, bytes, MigrationApplier.crc32c(bytes));
    }

    public static MetadataEntry checkpoint(long migration, MigrationPhaseProto phase, int attempt, byte[] payload,
            int crc) {
        return MetadataEntry.newBuilder().setMigrationCheckpoint(MigrationCheckpoint.newBuilder()
                .setMigrationId(migration).setPhase(phase).setAttempt(attempt)
                .setPayload(ByteString.copyFrom(payload)).setCrc32C(crc)).build();
    }

    public static MetadataEntry abort(long migration, String reason, RoutingChange.Builder... compensations) {
        MigrationAbort.Builder abort = MigrationAbort.newBuilder().setMigrationId(migration).setReason(reason);
        for (RoutingChange.Builder compensation : compensations) {
            abort.addCompensations(compensation);
        }
        return MetadataEntry.newBuilder().setMigrationAbort(abort).build();
    }

    /** An abort that leaves the shard where the migration's cutover put it. */
    public static MetadataEntry abortKeepingRouting(long migration, String reason) {
        return MetadataEntry.newBuilder().setMigrationAbort(MigrationAbort.newBuilder().setMigrationId(migration)
                .setReason(reason).setKeepRouting(true)).build();
    }

    /** The SHA-256 of a token text, as the cluster stores it. */
    public static ByteString tokenHash(String token) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public static MetadataEntry issueToken(String token, long expiresAtMs) {
        return issueToken(token, TokenIssued.newBuilder().setExpiresAtMs(expiresAtMs));
    }

    public static MetadataEntry issueToken(String token, TokenIssued.Builder issued) {
        return token(JoinTokenTransition.newBuilder().setTokenHash(tokenHash(token)).setIssued(issued));
    }

    public static MetadataEntry consumeToken(String token, String nodeId) {
        return consumeToken(token, TokenConsumed.newBuilder().setNodeId(nodeId)
                .setPresentedRole(RaftRoleProto.RAFT_ROLE_VOTER));
    }

    public static MetadataEntry consumeToken(String token, TokenConsumed.Builder consumed) {
        return token(JoinTokenTransition.newBuilder().setTokenHash(tokenHash(token)).setConsumed(consumed));
    }

    public static MetadataEntry revokeToken(String token) {
        return token(JoinTokenTransition.newBuilder().setTokenHash(tokenHash(token))
                .setRevoked(TokenRevoked.newBuilder().setReason("operator revoked it")));
    }

    public static MetadataEntry expireToken(String token) {
        return token(JoinTokenTransition.newBuilder().setTokenHash(tokenHash(token))
                .setExpired(TokenExpired.getDefaultInstance()));
    }

    private static MetadataEntry token(JoinTokenTransition.Builder transition) {
        return MetadataEntry.newBuilder().setJoinToken(transition).build();
    }

    public static MetadataEntry insertGhost(long source, String entity, long target, int refcount) {
        return ghost(GhostChange.newBuilder().setSourceShard(source).setInsert(
                InsertGhostStub.newBuilder().setEntityId(entity).setTargetShard(target).setRefcount(refcount)));
    }

    public static MetadataEntry incref(long source, String entity) {
        return ghost(GhostChange.newBuilder().setSourceShard(source)
                .setIncref(IncrefGhost.newBuilder().setEntityId(entity)));
    }

    public static MetadataEntry decref(long source, String entity) {
        return ghost(GhostChange.newBuilder().setSourceShard(source)
                .setDecref(DecrefGhost.newBuilder().setEntityId(entity)));
    }

    public static MetadataEntry purgeGhost(long source, String entity) {
        return ghost(GhostChange.newBuilder().setSourceShard(source).setPurge(
                PurgeGhost.newBuilder().setEntityId(entity).setReason("target shard is gone")));
    }

    /** A sweep; verdicts alternate entity id and verdict. */
    public static MetadataEntry sweep(long source, Object... entityVerdicts) {
        RecordGhostSweep.Builder sweep = RecordGhostSweep.newBuilder();
        for (int i = 0; i < entityVerdicts.length; i += 2) {
            sweep.addVerdicts(GhostSweepVerdict.newBuilder().setEntityId((String) entityVerdicts[i])
                    .setVerdict((SweepVerdictProto) entityVerdicts[i + 1]));
        }
        return ghost(GhostChange.newBuilder().setSourceShard(source).setSweep(sweep));
    }

    private static MetadataEntry ghost(GhostChange.Builder change) {
        return MetadataEntry.newBuilder().setGhost(change).build();
    }

    public static MetadataEntry enableEdgeCache(String nodeId, int cpu, long ramMib, long diskMib, String geo) {
        return edge(EdgeCacheChange.newBuilder().setNodeId(nodeId).setEnable(EnableEdgeCache.newBuilder()
                .setCpuCores(cpu).setRamMib(ramMib).setDiskMib(diskMib).setGeo(geo)));
    }

    public static MetadataEntry disableEdgeCache(String nodeId) {
        return edge(EdgeCacheChange.newBuilder().setNodeId(nodeId).setDisable(DisableEdgeCache.getDefaultInstance()));
    }

    public static MetadataEntry edgeStats(String nodeId, long hits, long misses) {
        return edge(EdgeCacheChange.newBuilder().setNodeId(nodeId).setStats(
                ReportEdgeCacheStats.newBuilder().setHits(hits).setMisses(misses)));
    }

    private static MetadataEntry edge(EdgeCacheChange.Builder change) {
        return MetadataEntry.newBuilder().setEdgeCache(change).build();
    }

    /** An advertisement of integer capabilities; arguments alternate name and long[] of values. */
    public static byte[] capabilities(Object... nameValues) {
        TreeMap<String, TreeSet<Long>> values = new TreeMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            TreeSet<Long> set = new TreeSet<>();
            for (long value : (long[]) nameValues[i + 1]) {
                set.add(value);
            }
            values.put((String) nameValues[i], set);
        }
        return CapabilityAd.ofIntegers(values).encode();
    }

    public static MetadataEntry advertiseCapabilities(String nodeId, byte[] advertisement) {
        return MetadataEntry.newBuilder().setCapabilityAdvertisement(CapabilityAdvertisement.newBuilder()
                .setNodeId(nodeId).setAdvertisement(ByteString.copyFrom(advertisement))).build();
    }

    public static MetadataEntry pauseScheduler(String reason) {
        return scheduler(SchedulerControl.newBuilder().setPause(PauseScheduler.newBuilder().setReason(reason)));
    }

    public static MetadataEntry resumeScheduler() {
        return scheduler(SchedulerControl.newBuilder().setResume(ResumeScheduler.getDefaultInstance()));
    }

    public static MetadataEntry setScheduler(String key, String value) {
        return scheduler(SchedulerControl.newBuilder()
                .setSet(SetSchedulerParameter.newBuilder().setKey(key).setValue(value)));
    }

    private static MetadataEntry scheduler(SchedulerControl.Builder control) {
        return MetadataEntry.newBuilder().setSchedulerControl(control).build();
    }

    public static MetadataEntry catalogDdl(String payload) {
        return MetadataEntry.newBuilder().setCatalogDdl(CatalogDdl.newBuilder()
                .setPayload(ByteString.copyFromUtf8(payload))).build();
    }

    public static MetadataEntry batch(MetadataEntry... entries) {
        return MetadataEntry.newBuilder().setBatch(Batch.newBuilder().addAllEntries(Arrays.asList(entries))).build();
    }

    public static Key key(String text) {
        return Key.utf8(text);
    }

    /** Binds an identity to a role (entry-format 6). */
    public static MetadataEntry grant(String identity, AccessRole role) {
        return MetadataEntry.newBuilder().setAccess(AccessChange.newBuilder().setIdentity(identity)
                .setGrant(AccessGrant.newBuilder().setRole(role))).build();
    }

    /** Revokes an identity (entry-format 6). */
    public static MetadataEntry revoke(String identity, String reason) {
        return MetadataEntry.newBuilder().setAccess(AccessChange.newBuilder().setIdentity(identity)
                .setRevoke(AccessRevoke.newBuilder().setReason(reason))).build();
    }

    /** The entry as a node stamps it for a caller whose certificate names this identity and role. */
    public static MetadataEntry by(String identity, AccessRole certificateRole, MetadataEntry entry) {
        return entry.toBuilder().setCaller(Caller.newBuilder().setIdentity(identity)
                .setCertificateRole(certificateRole)).build();
    }
}
