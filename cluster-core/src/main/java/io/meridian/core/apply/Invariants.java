package io.meridian.core.apply;

import io.meridian.core.MetadataImage;
import io.meridian.core.access.AccessBinding;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.capability.CapabilitiesImage;
import io.meridian.core.catalog.CatalogEntry;
import io.meridian.core.edgecache.EdgeCacheNode;
import io.meridian.core.ghost.GhostKey;
import io.meridian.core.ghost.GhostStub;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationsImage;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.session.ClientId;
import io.meridian.core.session.Session;
import io.meridian.core.session.SessionsImage;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.TokenState;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.TopologyImage;
import io.meridian.proto.AuditRecord;
import io.meridian.wire.AuditChain;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rules every image keeps, checked over the whole image: O(n), so it runs in tests, after every
 * entry of a property run, and when a snapshot is loaded, not on every entry in production. A
 * broken rule is an {@link InvariantViolation} naming the ids and the values.
 *
 * <ul>
 *   <li>topology: keys match ids; raft addresses are unique; a bootstrapped cluster has a voter.</li>
 *   <li>routing: the shards of a bootstrapped cluster partition the keyspace exactly, with no gap
 *       and no overlap; every shard's group exists; groups have members, all of them nodes that are
 *       not decommissioned; a leader is a member; ids are below the next ids; the derived indexes
 *       match the shards.</li>
 *   <li>migrations: at most one in flight per shard, on a shard that exists; the index matches.</li>
 *   <li>tokens, ghosts, edge caches, capabilities, scheduler, catalog: keys match their records;
 *       a consumed token names its consumer; edge caches are ACTIVE nodes; advertisements belong
 *       to nodes; the negotiated values are the negotiation of the advertisements; the scheduler
 *       config is consistent; catalog versions run 1..version.</li>
 *   <li>sessions: keys match ids; the activity index and the outcome count match the sessions;
 *       the table is within its bounds.</li>
 *   <li>access: keys match identities; no binding is newer than the image.</li>
 *   <li>audit trail: within its bound; keys match the records' indexes, none newer than the image;
 *       the anchor is 32 zero bytes while nothing was dropped; the records chain from the anchor.</li>
 * </ul>
 */
public final class Invariants {

    private Invariants() {
    }

    public static void check(MetadataImage image) {
        checkTopology(image.topology());
        checkRouting(image);
        checkMigrations(image);
        checkTokens(image);
        checkGhosts(image);
        checkEdgeCache(image);
        checkCapabilities(image);
        image.scheduler().inconsistency().ifPresent(problem -> fail("scheduler config: %s", problem));
        checkCatalog(image);
        checkSessions(image.sessions());
        checkAccess(image);
        checkAudit(image);
    }

    private static void checkAccess(MetadataImage image) {
        for (Map.Entry<String, AccessBinding> entry : image.access().bindings().entrySet()) {
            AccessBinding binding = entry.getValue();
            require(entry.getKey().equals(binding.identity()), "binding keyed %s is for %s", entry.getKey(),
                    binding.identity());
            require(binding.index() <= image.index(), "binding of %s was changed at index %d, after the image's %d",
                    binding.identity(), binding.index(), image.index());
        }
    }

    private static void checkAudit(MetadataImage image) {
        AuditTrail audit = image.audit();
        require(audit.records().size() <= AuditTrail.MAX_RECORDS, "the audit trail holds %d records, above %d",
                audit.records().size(), AuditTrail.MAX_RECORDS);
        require(audit.dropped() > 0 || audit.anchor().equals(AuditChain.ZERO),
                "the audit trail dropped no record but its anchor is not 32 zero bytes");
        for (Map.Entry<Long, AuditRecord> entry : audit.records().entrySet()) {
            require(entry.getKey() == entry.getValue().getIndex(), "audit record keyed %d has index %d",
                    entry.getKey(), entry.getValue().getIndex());
            require(entry.getKey() <= image.index(), "audit record at index %d is after the image's %d",
                    entry.getKey(), image.index());
        }
        audit.verify().ifPresent(problem -> fail("audit trail: %s", problem));
    }

    private static void checkTopology(TopologyImage topology) {
        TreeSet<String> raftAddresses = new TreeSet<>();
        for (Map.Entry<String, Node> entry : topology.nodes().entrySet()) {
            Node node = entry.getValue();
            require(entry.getKey().equals(node.id()), "node keyed %s has id %s", entry.getKey(), node.id());
            require(raftAddresses.add(node.raftAddress()), "raft address %s is used twice", node.raftAddress());
        }
        if (topology.bootstrapped()) {
            require(topology.countedVoters() >= 1, "a bootstrapped cluster has no voter");
        }
    }

    private static void checkRouting(MetadataImage image) {
        RoutingImage routing = image.routing();
        // Linear in the shards, and nothing allocated per shard unless a rule is broken: a snapshot
        // load of a million shards runs this once. Hence the explicit ifs rather than require().
        long[] groupIds = routing.groups().keySet().stream().mapToLong(Long::longValue).toArray();
        int[] shardsInGroup = new int[groupIds.length];
        for (Map.Entry<Long, Shard> entry : routing.shards().entrySet()) {
            Shard shard = entry.getValue();
            if (entry.getKey() != shard.id()) {
                fail("shard keyed %d has id %d", entry.getKey(), shard.id());
            }
            if (shard.id() <= 0 || shard.id() >= routing.nextShardId()) {
                fail("shard %d is not below the next shard id %d", shard.id(), routing.nextShardId());
            }
            int group = Arrays.binarySearch(groupIds, shard.groupId());
            if (group < 0) {
                fail("shard %d belongs to missing group %d", shard.id(), shard.groupId());
            }
            shardsInGroup[group]++;
            if (!shard.end().isEmpty() && shard.start().compareTo(shard.end()) >= 0) {
                fail("shard %d has an empty range %s", shard.id(), shard.range());
            }
        }
        checkShardCounts(routing, groupIds, shardsInGroup);
        checkStartIndexAndPartition(routing, image.topology().bootstrapped() || !routing.shards().isEmpty());
        for (Map.Entry<Long, ReplicaGroup> entry : routing.groups().entrySet()) {
            ReplicaGroup group = entry.getValue();
            require(entry.getKey() == group.id(), "group keyed %d has id %d", entry.getKey(), group.id());
            require(group.id() > 0 && group.id() < routing.nextGroupId(), "group %d is not below the next group id %d",
                    group.id(), routing.nextGroupId());
            require(!group.members().isEmpty(), "group %d has no members", group.id());
            for (String member : group.members()) {
                Node node = image.topology().nodes().get(member);
                require(node != null, "group %d has member %s, which is not a node", group.id(), member);
                require(node.state() != NodeState.DECOMMISSIONED, "group %d has member %s, which is decommissioned",
                        group.id(), member);
            }
            require(!group.hasLeader() || group.isMember(group.leader()), "group %d is led by %s, not a member",
                    group.id(), group.leader());
        }
    }

    /** The derived per-group counts equal the counts of the shards, group by group. */
    private static void checkShardCounts(RoutingImage routing, long[] groupIds, int[] shardsInGroup) {
        int groupsWithShards = 0;
        for (int i = 0; i < groupIds.length; i++) {
            if (shardsInGroup[i] > 0) {
                groupsWithShards++;
                Integer derived = routing.shardCountByGroup().get(groupIds[i]);
                if (derived == null || derived != shardsInGroup[i]) {
                    fail("the per-group shard counts do not match the shards: group %d has %d shards, counted %s",
                            groupIds[i], shardsInGroup[i], derived);
                }
            }
        }
        require(routing.shardCountByGroup().size() == groupsWithShards,
                "the per-group shard counts do not match the shards: %d groups counted, %d groups have shards",
                routing.shardCountByGroup().size(), groupsWithShards);
    }

    /**
     * The start-key index names every shard by its start exactly once: each entry names a shard
     * that starts at its key, and there are as many entries as shards. As the keys are distinct and
     * a shard has one start, no shard is named twice, so none is left out. The index then lists the
     * shards in key order, so the same walk checks that they partition the keyspace, if they must.
     */
    private static void checkStartIndexAndPartition(RoutingImage routing, boolean partitioned) {
        if (routing.shardsByStart().size() != routing.shards().size()) {
            // Only to name the problem: two shards that share a start can have one entry only.
            TreeMap<Key, Long> starts = new TreeMap<>();
            for (Shard shard : routing.shards().values()) {
                require(starts.put(shard.start(), shard.id()) == null, "two shards start at %s", shard.start());
            }
            fail("the start-key index does not match the shards: %d entries for %d shards",
                    routing.shardsByStart().size(), routing.shards().size());
        }
        Key expected = Key.EMPTY;
        int position = 0;
        int last = routing.shardsByStart().size() - 1;
        for (Map.Entry<Key, Long> entry : routing.shardsByStart().entrySet()) {
            Shard shard = routing.shards().get(entry.getValue());
            if (shard == null || !shard.start().equals(entry.getKey())) {
                fail("the start-key index does not match the shards: %s names shard %d, which %s", entry.getKey(),
                        entry.getValue(), shard == null ? "does not exist" : "starts at " + shard.start());
            }
            if (partitioned) {
                if (!shard.start().equals(expected)) {
                    fail("shard %d starts at %s but the keyspace continues from %s%s", shard.id(), shard.start(),
                            expected, position == 0 ? " (the start)" : "");
                }
                if (shard.end().isEmpty() && position != last) {
                    fail("shard %d runs to the end of the keyspace but is not the last shard", shard.id());
                }
                expected = shard.end();
            }
            position++;
        }
        if (partitioned) {
            require(!routing.shards().isEmpty(), "a bootstrapped cluster has no shard");
            require(expected.isEmpty(), "the keyspace after %s belongs to no shard", expected);
        }
    }

    private static void checkMigrations(MetadataImage image) {
        MigrationsImage migrations = image.migrations();
        TreeMap<Long, Long> active = new TreeMap<>();
        int finished = 0;
        for (Map.Entry<Long, Migration> entry : migrations.all().entrySet()) {
            Migration migration = entry.getValue();
            require(entry.getKey() == migration.id(), "migration keyed %d has id %d", entry.getKey(), migration.id());
            require(migration.id() > 0 && migration.id() < migrations.nextMigrationId(),
                    "migration %d is not below the next migration id %d", migration.id(),
                    migrations.nextMigrationId());
            if (migration.phase().isTerminal()) {
                finished++;
            } else {
                Long other = active.put(migration.shardId(), migration.id());
                require(other == null, "shard %d has two migrations in flight: %d and %d", migration.shardId(), other,
                        migration.id());
                require(image.routing().shards().containsKey(migration.shardId()),
                        "migration %d in flight moves missing shard %d", migration.id(), migration.shardId());
            }
        }
        require(active.equals(migrations.activeByShard()), "the in-flight index does not match the migrations");
        require(finished <= MigrationsImage.RETAINED_FINISHED, "%d finished migrations are kept, above %d", finished,
                MigrationsImage.RETAINED_FINISHED);
    }

    private static void checkTokens(MetadataImage image) {
        image.joinTokens().all().forEach((hash, token) -> {
            require(hash.equals(token.hash()), "token keyed %s has hash %s", hash, token.hash());
            require((token.state() == TokenState.CONSUMED) == !token.consumedBy().isEmpty(),
                    "token %s is %s with consumer '%s'", hash, token.state(), token.consumedBy());
        });
    }

    private static void checkGhosts(MetadataImage image) {
        for (Map.Entry<GhostKey, GhostStub> entry : image.ghosts().stubs().entrySet()) {
            GhostStub stub = entry.getValue();
            require(entry.getKey().equals(stub.key()), "ghost keyed %s is %s", entry.getKey(), stub.key());
            require(stub.sourceShard() != stub.targetShard(), "ghost %s points at its own shard", stub.key());
            require(image.ghosts().tables().containsKey(stub.sourceShard()), "ghost %s has no table stats",
                    stub.key());
        }
        image.ghosts().tables().forEach((shard, stats) ->
                require(shard == stats.sourceShard(), "ghost table keyed %d is for shard %d", shard,
                        stats.sourceShard()));
    }

    private static void checkEdgeCache(MetadataImage image) {
        for (Map.Entry<String, EdgeCacheNode> entry : image.edgeCache().nodes().entrySet()) {
            require(entry.getKey().equals(entry.getValue().nodeId()), "edge cache keyed %s is node %s", entry.getKey(),
                    entry.getValue().nodeId());
            require(image.topology().isActive(entry.getKey()), "edge cache %s is not an ACTIVE node", entry.getKey());
        }
    }

    private static void checkCapabilities(MetadataImage image) {
        CapabilitiesImage capabilities = image.capabilities();
        for (String nodeId : capabilities.advertised().keySet()) {
            require(image.topology().nodes().containsKey(nodeId), "capabilities advertised by %s, which is not a node",
                    nodeId);
        }
        require(capabilities.negotiated().equals(CapabilitiesImage.negotiate(image.topology(),
                capabilities.advertised())), "the negotiated capabilities are stale");
    }

    private static void checkCatalog(MetadataImage image) {
        long expected = 1;
        for (Map.Entry<Long, CatalogEntry> entry : image.catalog().entries().entrySet()) {
            require(entry.getKey() == expected && entry.getValue().version() == expected,
                    "catalog entry %d is where version %d should be", entry.getKey(), expected);
            expected++;
        }
        require(image.catalog().version() == expected - 1, "catalog version %d but %d entries",
                image.catalog().version(), expected - 1);
    }

    private static void checkSessions(SessionsImage table) {
        long outcomes = 0;
        TreeSet<SessionsImage.Activity> activity = new TreeSet<>();
        for (Map.Entry<ClientId, Session> entry : table.sessions().entrySet()) {
            Session session = entry.getValue();
            require(entry.getKey().equals(session.id()), "session keyed %s holds %s", entry.getKey(), session.id());
            require(session.outcomes().size() <= SessionsImage.MAX_OUTCOMES_PER_SESSION,
                    "session %s keeps %d outcomes", session.id(), session.outcomes().size());
            outcomes += session.outcomes().size();
            activity.add(new SessionsImage.Activity(session.lastActiveMs(), session.id()));
        }
        require(activity.equals(new TreeSet<>(table.byActivity())), "the session activity index does not match "
                + "the sessions");
        require(outcomes == table.outcomeCount(), "session outcome count %d but %d outcomes", table.outcomeCount(),
                outcomes);
        require(table.sessions().size() <= SessionsImage.MAX_SESSIONS && outcomes <= SessionsImage.MAX_OUTCOMES,
                "session table holds %d sessions and %d outcomes, above its bounds", table.sessions().size(),
                outcomes);
    }

    private static void require(boolean condition, String format, Object... args) {
        if (!condition) {
            fail(format, args);
        }
    }

    private static void fail(String format, Object... args) {
        throw new InvariantViolation(String.format(Locale.ROOT, format, args));
    }
}
