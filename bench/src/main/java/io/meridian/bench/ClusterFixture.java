package io.meridian.bench;

import io.meridian.core.MetadataImage;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.testing.Entries;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.InitialMember;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import java.util.Locale;

/**
 * The image of a whole cluster of a given number of shards, with everything else in proportion to
 * it, for the benchmarks that need a realistic image rather than a routing table alone. Per million
 * shards: 1,000 nodes over four zones, one replica group per node (1,000 groups, each three
 * consecutive nodes of a ring), 10,000 ghost stubs, 100 join tokens (a quarter of them revoked),
 * five edge-cache nodes with stats, ten migrations in flight and a few catalog entries. Smaller
 * images scale down, keeping at least five nodes, two edge caches, one token and one migration.
 *
 * <p>The image is built by replaying entries through the real applier, as the tests do, so it can
 * hold no state the applier would not produce; the entries go in batches of
 * {@link EntryValidator#MAX_BATCH_ENTRIES}, each one log entry as the leader would propose it. The
 * million-shard image takes some seconds. Shard {@code s} is {@code [key(s-1), key(s))} (shard 1
 * from the start of the keyspace, the last to its end) and belongs to group {@code 1 + s % groups}.
 *
 * <p>Not thread-safe: one fixture builds one image on one thread.
 */
final class ClusterFixture {

    static final long START_MS = Replay.START_MS;
    private static final int ZONES = 4;
    private static final int BOOTSTRAP_NODES = 3;

    final int shards;
    final int nodes;
    final int groups;
    final int ghosts;
    final int tokens;
    final int edgeCaches;
    final int migrations;

    private final Replay replay = new Replay();

    private ClusterFixture(int shards) {
        this.shards = shards;
        this.nodes = Math.max(5, shards / 1_000);
        this.groups = nodes;
        this.ghosts = shards / 100;
        this.tokens = Math.max(1, shards / 10_000);
        this.edgeCaches = Math.max(2, nodes / 200);
        this.migrations = Math.max(1, nodes / 100);
    }

    /** The fixture's description of an image of {@code shards} shards, not yet built. */
    static ClusterFixture of(int shards) {
        if (shards < 2) {
            throw new IllegalArgumentException("the fixture needs at least two shards, got " + shards);
        }
        return new ClusterFixture(shards);
    }

    static String key(int i) {
        return String.format(Locale.ROOT, "k%08d", i);
    }

    static String node(int i) {
        return String.format(Locale.ROOT, "n%04d", i);
    }

    /** The group shard {@code s} belongs to once the image is built. */
    long groupOf(long shard) {
        return 1 + shard % groups;
    }

    /** The leader of group {@code g} as built: the first node of its ring slot. */
    static String leader(long group) {
        return node((int) (group - 1));
    }

    /** The members of group {@code g}: nodes g-1, g, g+1 of the ring, in three different zones. */
    String[] members(long group) {
        int first = (int) (group - 1);
        return new String[] {node(first), node((first + 1) % nodes), node((first + 2) % nodes)};
    }

    /** The shards that have a migration in flight in the built image; nothing may split or move them. */
    long migratingShard(int i) {
        return 2 + (long) i * (shards / migrations - 1);
    }

    /** Builds the image: every entry applied, none refused. */
    MetadataImage build() {
        BootstrapCluster.Builder bootstrap = BootstrapCluster.newBuilder();
        for (int i = 0; i < BOOTSTRAP_NODES; i++) {
            bootstrap.addMembers(InitialMember.newBuilder().setNodeId(node(i)).setRaftAddress(Entries.raft(node(i)))
                    .addAllLabels(Entries.labels("zone", "zone-" + (i % ZONES))));
        }
        add(Entries.bootstrap(bootstrap));
        flush();
        for (int i = BOOTSTRAP_NODES; i < nodes; i++) {
            add(Entries.join(node(i), "zone", "zone-" + (i % ZONES)));
            add(Entries.activate(node(i)));
        }
        // Group 1 is the bootstrap group (n0000-n0002), the ring's first slot; the others follow it.
        for (long g = 2; g <= groups; g++) {
            add(Entries.createGroup(leader(g), members(g)));
        }
        for (int s = 1; s < shards; s++) {
            add(Entries.split(s, key(s)));
        }
        for (int s = 1; s <= shards; s++) {
            long group = groupOf(s);
            if (group != 1) {
                add(Entries.reassign(s, group, leader(group)));
            }
        }
        for (int i = 0; i < ghosts; i++) {
            long source = 1 + (i * 7_919L) % shards;
            add(Entries.insertGhost(source, String.format(Locale.ROOT, "entity-%07d", i), source % shards + 1,
                    1 + i % 3));
        }
        for (int i = 0; i < tokens; i++) {
            String token = "bench-token-" + i;
            add(Entries.issueToken(token, START_MS + 86_400_000L));
            if (i % 4 == 3) {
                add(Entries.revokeToken(token));
            }
        }
        for (int i = 0; i < edgeCaches; i++) {
            String id = node(i * (nodes / edgeCaches));
            add(Entries.enableEdgeCache(id, 4, 16_384, 1_048_576, "eu"));
            add(Entries.edgeStats(id, 1_000L + i, 10L + i));
        }
        for (int i = 0; i < migrations; i++) {
            long shard = migratingShard(i);
            long group = groupOf(shard);
            add(Entries.transfer(shard, leader(group), node((int) (group - 1 + 3) % nodes)));
        }
        add(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 1, "copied 1024 of 4096 ranges"));
        for (int i = 0; i < 3; i++) {
            add(Entries.catalogDdl("CREATE TABLE t" + i + " (id BIGINT PRIMARY KEY, v TEXT)"));
        }
        return flush();
    }

    private void add(MetadataEntry entry) {
        replay.add(entry);
    }

    private MetadataImage flush() {
        return replay.flush();
    }
}
