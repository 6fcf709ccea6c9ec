package io.meridian.core.snapshot;

import io.meridian.core.Validation;
import io.meridian.core.access.AccessBinding;
import io.meridian.core.capability.NegotiatedCapability;
import io.meridian.core.catalog.CatalogEntry;
import io.meridian.core.edgecache.EdgeCacheCapacity;
import io.meridian.core.edgecache.EdgeCacheNode;
import io.meridian.core.ghost.GhostStub;
import io.meridian.core.ghost.GhostTableStats;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.session.ClientId;
import io.meridian.core.session.Session;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.TokenHash;
import io.meridian.core.token.TokenState;
import io.meridian.core.topology.Labels;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeHealth;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.proto.AccessBindingRecord;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.CapabilityValues;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.ClientSessionRecord;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.RequestOutcomeRecord;
import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.GhostStubRecord;
import io.meridian.proto.GhostTableRecord;
import io.meridian.proto.GroupRecord;
import io.meridian.proto.JoinTokenRecord;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.NegotiatedCapabilityRecord;
import io.meridian.proto.NodeCapabilitiesRecord;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ShardRecord;
import io.meridian.wire.AuditChain;
import java.util.Optional;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * The one place that maps state between the domain records and their wire records (state.proto),
 * for snapshots and for API reads. Reading checks every field, because the record may come from a
 * damaged file: a bad field is an {@link IllegalArgumentException} that names it.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordCodec {

    private RecordCodec() {
    }

    public static NodeRecord toProto(Node node) {
        return NodeRecord.newBuilder()
                .setNodeId(node.id())
                .setRaftAddress(node.raftAddress())
                .setApiAddress(node.apiAddress())
                .addAllLabels(Labels.toProto(node.labels()))
                .setState(node.state().toProto())
                .setRole(node.role().toProto())
                .setRequestedRole(node.requestedRole().toProto())
                .setSoftwareVersion(node.softwareVersion())
                .setJoinedAtMs(node.joinedAtMs())
                .setStateChangedAtMs(node.stateChangedAtMs())
                .setHealth(node.health().toProto())
                .setHealthChangedAtMs(node.healthChangedAtMs())
                .setLastSeenMs(node.lastSeenMs())
                .build();
    }

    public static Node fromProto(NodeRecord record) {
        check(Validation.nodeId("node id", record.getNodeId())
                .or(() -> Validation.address("raft address", record.getRaftAddress()))
                .or(() -> Validation.optionalAddress("api address", record.getApiAddress()))
                .or(() -> Validation.labels("labels", record.getLabelsList()))
                .or(() -> record.getSoftwareVersion().isEmpty() ? Optional.empty()
                        : Validation.softwareVersion("software version", record.getSoftwareVersion())));
        return new Node(record.getNodeId(), record.getRaftAddress(), record.getApiAddress(),
                Labels.fromProto(record.getLabelsList()),
                NodeState.fromProto(record.getState()).orElseThrow(() -> bad("node state " + record.getState())),
                role(record.getRole()), role(record.getRequestedRole()), record.getSoftwareVersion(),
                nonNegative("joined_at_ms", record.getJoinedAtMs()),
                nonNegative("state_changed_at_ms", record.getStateChangedAtMs()),
                NodeHealth.fromRecord(record.getHealth()).orElseThrow(() -> bad("node health " + record.getHealth())),
                nonNegative("health_changed_at_ms", record.getHealthChangedAtMs()),
                nonNegative("last_seen_ms", record.getLastSeenMs()));
    }

    public static GroupRecord toProto(ReplicaGroup group) {
        return GroupRecord.newBuilder()
                .setGroupId(group.id())
                .addAllMembers(group.members())
                .setLeader(group.leader())
                .setTargetReplicas(group.targetReplicas())
                .build();
    }

    public static ReplicaGroup fromProto(GroupRecord record) {
        positive("group id", record.getGroupId());
        TreePSet<String> members = TreePSet.empty();
        for (String member : record.getMembersList()) {
            check(Validation.nodeId("member", member));
            members = members.plus(member);
        }
        if (members.size() != record.getMembersCount()) {
            throw new IllegalArgumentException("group " + record.getGroupId() + " lists a member twice");
        }
        return new ReplicaGroup(record.getGroupId(), members, record.getLeader(), record.getTargetReplicas());
    }

    public static ShardRecord toProto(Shard shard) {
        return ShardRecord.newBuilder()
                .setShardId(shard.id())
                .setStartKey(shard.start().toByteString())
                .setEndKey(shard.end().toByteString())
                .setGroupId(shard.groupId())
                .setEpoch(shard.epoch())
                .setLastMovedAtMs(shard.lastMovedAtMs())
                .setLastMovedFrom(shard.lastMovedFrom())
                .build();
    }

    public static Shard fromProto(ShardRecord record) {
        positive("shard id", record.getShardId());
        positive("group id", record.getGroupId());
        Key start = Key.of(record.getStartKey());
        Key end = Key.of(record.getEndKey());
        if (!end.isEmpty() && start.compareTo(end) >= 0) {
            throw new IllegalArgumentException("shard " + record.getShardId() + " has an empty range");
        }
        return new Shard(record.getShardId(), start, end, record.getGroupId(),
                nonNegative("epoch", record.getEpoch()), nonNegative("last_moved_at_ms", record.getLastMovedAtMs()),
                record.getLastMovedFrom());
    }

    public static MigrationRecord toProto(Migration migration) {
        return MigrationRecord.newBuilder()
                .setMigrationId(migration.id())
                .setShardId(migration.shardId())
                .setFromNode(migration.fromNode())
                .setToNode(migration.toNode())
                .setPhase(migration.phase().toProto())
                .setAttempt((int) migration.attempt())
                .setLastPayload(migration.lastPayload())
                .setLastCrc32C(migration.lastCrc32c())
                .setCheckpoints(migration.checkpoints())
                .setStartedAtMs(migration.startedAtMs())
                .setUpdatedAtMs(migration.updatedAtMs())
                .setAbortReason(migration.abortReason())
                .setPlannedRoutingVersion(migration.plannedRoutingVersion())
                .setReason(migration.reason())
                .setTargetGroupId(migration.targetGroupId())
                .setRepair(migration.repair())
                .build();
    }

    public static Migration fromProto(MigrationRecord record) {
        positive("migration id", record.getMigrationId());
        positive("shard id", record.getShardId());
        check((record.getRepair() && record.getFromNode().isEmpty() ? Optional.<io.meridian.core.Rejection>empty()
                : Validation.nodeId("source node", record.getFromNode()))
                .or(() -> Validation.nodeId("target node", record.getToNode())));
        return new Migration(record.getMigrationId(), record.getShardId(), record.getFromNode(), record.getToNode(),
                MigrationPhase.fromProto(record.getPhase())
                        .orElseThrow(() -> bad("migration phase " + record.getPhase())),
                Integer.toUnsignedLong(record.getAttempt()), record.getLastPayload(), record.getLastCrc32C(),
                nonNegative("checkpoints", record.getCheckpoints()), nonNegative("started_at_ms",
                        record.getStartedAtMs()),
                nonNegative("updated_at_ms", record.getUpdatedAtMs()), record.getAbortReason(),
                nonNegative("planned_routing_version", record.getPlannedRoutingVersion()), record.getReason(),
                nonNegative("target_group_id", record.getTargetGroupId()), record.getRepair());
    }

    public static JoinTokenRecord toProto(JoinToken token) {
        return JoinTokenRecord.newBuilder()
                .setTokenHash(token.hash().toByteString())
                .setState(token.state().toProto())
                .setIssuedAtMs(token.issuedAtMs())
                .setExpiresAtMs(token.expiresAtMs())
                .setBoundRole(token.boundRole().map(RaftRole::toProto).orElse(RaftRoleProto.RAFT_ROLE_UNSPECIFIED))
                .addAllBoundLabels(Labels.toProto(token.boundLabels()))
                .setConsumedBy(token.consumedBy())
                .setChangedAtMs(token.changedAtMs())
                .setRevokeReason(token.revokeReason())
                .build();
    }

    public static JoinToken fromProto(JoinTokenRecord record) {
        require(record.getTokenHash().size() == TokenHash.LENGTH, "token hash is " + record.getTokenHash().size()
                + " bytes, not " + TokenHash.LENGTH);
        check(Validation.labels("bound labels", record.getBoundLabelsList()));
        TokenState state = TokenState.fromProto(record.getState())
                .orElseThrow(() -> bad("token state " + record.getState()));
        require((state == TokenState.CONSUMED) == !record.getConsumedBy().isEmpty(),
                "token consumer does not match its state " + state);
        Optional<RaftRole> boundRole = record.getBoundRole() == RaftRoleProto.RAFT_ROLE_UNSPECIFIED ? Optional.empty()
                : Optional.of(role(record.getBoundRole()));
        return new JoinToken(TokenHash.of(record.getTokenHash()), state, nonNegative("issued_at_ms",
                record.getIssuedAtMs()), nonNegative("expires_at_ms", record.getExpiresAtMs()), boundRole,
                Labels.fromProto(record.getBoundLabelsList()), record.getConsumedBy(),
                nonNegative("changed_at_ms", record.getChangedAtMs()), record.getRevokeReason());
    }

    public static GhostStubRecord toProto(GhostStub stub) {
        return GhostStubRecord.newBuilder()
                .setSourceShard(stub.sourceShard())
                .setEntityId(stub.entityId())
                .setTargetShard(stub.targetShard())
                .setRefcount((int) stub.refcount())
                .setCreatedAtMs(stub.createdAtMs())
                .build();
    }

    public static GhostStub fromProto(GhostStubRecord record) {
        positive("source shard", record.getSourceShard());
        positive("target shard", record.getTargetShard());
        check(Validation.entityId("entity id", record.getEntityId()));
        return new GhostStub(record.getSourceShard(), record.getEntityId(), record.getTargetShard(),
                Integer.toUnsignedLong(record.getRefcount()), nonNegative("created_at_ms", record.getCreatedAtMs()));
    }

    public static GhostTableRecord toProto(GhostTableStats stats) {
        return GhostTableRecord.newBuilder()
                .setSourceShard(stats.sourceShard())
                .setPurgedTotal(stats.purgedTotal())
                .setLastSweepMs(stats.lastSweepMs())
                .setSweeps(stats.sweeps())
                .build();
    }

    public static GhostTableStats fromProto(GhostTableRecord record) {
        positive("source shard", record.getSourceShard());
        return new GhostTableStats(record.getSourceShard(), nonNegative("purged_total", record.getPurgedTotal()),
                nonNegative("last_sweep_ms", record.getLastSweepMs()), nonNegative("sweeps", record.getSweeps()));
    }

    public static EdgeCacheNodeRecord toProto(EdgeCacheNode node) {
        return EdgeCacheNodeRecord.newBuilder()
                .setNodeId(node.nodeId())
                .setCpuCores(node.capacity().cpuCores())
                .setRamMib(node.capacity().ramMib())
                .setDiskMib(node.capacity().diskMib())
                .setGeo(node.capacity().geo())
                .setEnabledAtMs(node.enabledAtMs())
                .setHits(node.hits())
                .setMisses(node.misses())
                .build();
    }

    public static EdgeCacheNode fromProto(EdgeCacheNodeRecord record) {
        check(Validation.nodeId("edge-cache node", record.getNodeId())
                .or(() -> Validation.labelValue("geo", record.getGeo())));
        return new EdgeCacheNode(record.getNodeId(), new EdgeCacheCapacity(record.getCpuCores(),
                nonNegative("ram_mib", record.getRamMib()), nonNegative("disk_mib", record.getDiskMib()),
                record.getGeo()), nonNegative("enabled_at_ms", record.getEnabledAtMs()),
                nonNegative("hits", record.getHits()), nonNegative("misses", record.getMisses()));
    }

    public static NodeCapabilitiesRecord toProto(String nodeId, TreePMap<String, TreePSet<Long>> values) {
        NodeCapabilitiesRecord.Builder builder = NodeCapabilitiesRecord.newBuilder().setNodeId(nodeId);
        values.forEach((name, supported) -> {
            CapabilityValues.Builder entry = CapabilityValues.newBuilder().setName(name);
            supported.forEach(value -> entry.addValues((int) (long) value));
            builder.addCapabilities(entry);
        });
        return builder.build();
    }

    public static TreePMap<String, TreePSet<Long>> fromProto(NodeCapabilitiesRecord record) {
        check(Validation.nodeId("node id", record.getNodeId()));
        TreePMap<String, TreePSet<Long>> out = TreePMap.empty();
        for (CapabilityValues entry : record.getCapabilitiesList()) {
            require(!entry.getName().isEmpty() && !out.containsKey(entry.getName()),
                    "capability name is empty or appears twice: " + Validation.printable(entry.getName()));
            TreePSet<Long> values = TreePSet.empty();
            for (int value : entry.getValuesList()) {
                values = values.plus(Integer.toUnsignedLong(value));
            }
            out = out.plus(entry.getName(), values);
        }
        return out;
    }

    public static NegotiatedCapabilityRecord toProto(NegotiatedCapability negotiated) {
        return NegotiatedCapabilityRecord.newBuilder()
                .setName(negotiated.name())
                .setValue((int) negotiated.value())
                .setFloor((int) negotiated.floor())
                .build();
    }

    public static CatalogEntryRecord toProto(CatalogEntry entry) {
        return CatalogEntryRecord.newBuilder()
                .setVersion(entry.version())
                .setAppliedIndex(entry.appliedIndex())
                .setPayload(entry.payload())
                .setDescription(entry.description())
                .build();
    }

    public static CatalogEntry fromProto(CatalogEntryRecord record) {
        positive("catalog version", record.getVersion());
        return new CatalogEntry(record.getVersion(), nonNegative("applied_index", record.getAppliedIndex()),
                record.getPayload(), record.getDescription());
    }

    public static ClientSessionRecord toProto(Session session) {
        ClientSessionRecord.Builder record = ClientSessionRecord.newBuilder()
                .setClientId(session.id().toByteString())
                .setLowestUnanswered(session.lowestUnanswered())
                .setLastActiveMs(session.lastActiveMs());
        session.outcomes().forEach((sequence, outcome) -> record.addOutcomes(RequestOutcomeRecord.newBuilder()
                .setSequence(sequence).setOutcome(outcome)));
        return record.build();
    }

    public static Session fromProto(ClientSessionRecord record) {
        ClientId id = ClientId.of(record.getClientId()).orElseThrow(() -> bad("client id of "
                + record.getClientId().size() + " bytes"));
        TreePMap<Long, EntryOutcome> outcomes = TreePMap.empty();
        long previous = 0;
        for (RequestOutcomeRecord outcome : record.getOutcomesList()) {
            require(outcome.getSequence() > previous, "outcome sequences of session " + id + " must increase");
            require(outcome.getOutcome().getResultCase() != EntryOutcome.ResultCase.RESULT_NOT_SET,
                    "outcome " + outcome.getSequence() + " of session " + id + " has no result");
            previous = outcome.getSequence();
            outcomes = outcomes.plus(outcome.getSequence(), outcome.getOutcome());
        }
        return new Session(id, positive("lowest_unanswered", record.getLowestUnanswered()),
                nonNegative("last_active_ms", record.getLastActiveMs()), outcomes);
    }

    public static AccessBindingRecord toProto(AccessBinding binding) {
        return AccessBindingRecord.newBuilder()
                .setIdentity(binding.identity())
                .setRole(binding.role())
                .setRevoked(binding.revoked())
                .setReason(binding.reason())
                .setIndex(binding.index())
                .setChangedAtMs(binding.changedAtMs())
                .setChangedBy(binding.changedBy())
                .build();
    }

    /**
     * A binding as the state keeps it. Identities are not judged again here, only that there is
     * one: apply trusts what was validated before the log, and a snapshot must load whatever apply
     * made, whatever a later release thinks of an identity.
     */
    public static AccessBinding fromProto(AccessBindingRecord record) {
        require(!record.getIdentity().isEmpty(), "binding names no identity");
        require(record.getRole() != AccessRole.UNRECOGNIZED,
                "role " + record.getRoleValue() + " of " + record.getIdentity() + " is not a role");
        return new AccessBinding(record.getIdentity(), record.getRole(), record.getRevoked(), record.getReason(),
                positive("index", record.getIndex()), nonNegative("changed_at_ms", record.getChangedAtMs()),
                record.getChangedBy());
    }

    /**
     * An audit record as the state keeps it: its known fields, checked as far as apply makes them
     * (the identity is the caller's, as the log had it). Whether it chains to the one before it is
     * checked over the whole trail ({@link io.meridian.core.apply.Invariants}).
     */
    public static AuditRecord fromProto(AuditRecord record) {
        require(!record.getOperation().isEmpty(), "audit record " + Long.toUnsignedString(record.getIndex())
                + " names no operation");
        require(!record.getOutcome().isEmpty(), "audit record " + Long.toUnsignedString(record.getIndex())
                + " names no outcome");
        require(record.getHash().size() == AuditChain.HASH_BYTES, "hash of audit record "
                + Long.toUnsignedString(record.getIndex()) + " is " + record.getHash().size() + " bytes, not "
                + AuditChain.HASH_BYTES);
        return AuditRecord.newBuilder()
                .setIndex(positive("index", record.getIndex()))
                .setTimeMs(nonNegative("time_ms", record.getTimeMs()))
                .setIdentity(record.getIdentity())
                .setOperation(record.getOperation())
                .setOutcome(record.getOutcome())
                .setHash(record.getHash())
                .build();
    }

    private static RaftRole role(RaftRoleProto proto) {
        return RaftRole.fromProto(proto).orElseThrow(() -> bad("raft role " + proto));
    }

    // The checks below run for every field of every record of a snapshot: a message is built only
    // when a check fails.

    private static long positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, is " + Long.toUnsignedString(value));
        }
        return value;
    }

    private static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " is out of range: " + Long.toUnsignedString(value));
        }
        return value;
    }

    private static void check(Optional<io.meridian.core.Rejection> problem) {
        problem.ifPresent(rejection -> {
            throw new IllegalArgumentException(rejection.message());
        });
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }

    private static IllegalArgumentException bad(String what) {
        return new IllegalArgumentException(what + " is not valid");
    }
}
