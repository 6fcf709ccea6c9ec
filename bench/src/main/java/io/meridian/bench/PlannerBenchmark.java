package io.meridian.bench;

import io.meridian.core.MetadataImage;
import io.meridian.core.placement.LoadView;
import io.meridian.core.placement.LoadView.NodeReport;
import io.meridian.core.placement.LoadView.ShardReport;
import io.meridian.core.placement.Plan;
import io.meridian.core.placement.Planner;
import io.meridian.core.routing.Key;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.testing.Entries;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.InitialMember;
import io.meridian.proto.NodeHealthProto;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one scheduler tick costs the leader: {@link Planner#plan} on a whole image with a load
 * report for every node and every shard, single-threaded. The planner runs on the leader every
 * {@code tick-interval} (10 s by default), so its time per tick bounds how large a cluster one
 * leader can schedule.
 *
 * <p>The image is built once per trial by replaying entries (in batches) through the real
 * applier: a bootstrap of three nodes, the other nodes joined and activated with a zone label over
 * four zones, one replica group of three consecutive nodes per node (a ring, so every group spans
 * three zones and every node is in three groups), the keyspace split into {@code shards} shards
 * and each shard reassigned to a group. Placement is skewed on purpose: a tenth of the shards go
 * to groups 1 and 2, so nodes n0001 and n0002 host several times the mean. Every shard reports
 * 16-80 MiB and at most 500 qps (so no pair merges), except two that report 200 MiB. A tick
 * therefore plans two splits and fills the remaining actions with balance transfers off the most
 * loaded node, and it scans everything else to find that out. With {@code downPercent} 1, one
 * node in a hundred (never of groups 1 and 2) is recorded DOWN on a cluster at entry-format 5, and
 * the tick plans repairs of their replicas and moves their group leaderships first. The setup
 * prints the plan it measured once, so a run shows what the planner decided.
 *
 * Run: {@code java -jar bench/target/meridian-bench.jar PlannerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
public class PlannerBenchmark {

    private static final long START_MS = Replay.START_MS;
    private static final int ZONES = 4;
    private static final int BOOTSTRAP_NODES = 3;
    private static final long MIB = 1L << 20;

    @Param({"10000", "100000", "1000000"})
    public int shards;

    @Param({"100", "1000"})
    public int nodes;

    /** Percent of the nodes recorded DOWN: 0, or 1 (the repair checker then replaces their replicas). */
    @Param({"0", "1"})
    public int downPercent;

    private MetadataImage image;
    private LoadView load;
    private Map<Long, Integer> stallTicks;
    private long nowMs;

    static String node(int i) {
        return String.format(Locale.ROOT, "n%04d", i);
    }

    static String zone(int i) {
        return "zone-" + (i % ZONES);
    }

    /** The leader of group {@code g}: the first node of its ring slot (groups are numbered from 1). */
    static String leader(long group) {
        return node((int) (group - 1));
    }

    /** The members of group {@code g}: nodes g-1, g, g+1 of the ring, in three different zones. */
    static String[] members(long group, int nodeCount) {
        int first = (int) (group - 1);
        return new String[] {node(first), node((first + 1) % nodeCount), node((first + 2) % nodeCount)};
    }

    /** Which group each shard goes to (index = shard id): a tenth to groups 1 and 2, the rest uniform. */
    static long[] placement(int shardCount, int nodeCount, Random random) {
        long[] group = new long[shardCount + 1];
        for (int s = 1; s <= shardCount; s++) {
            group[s] = random.nextInt(10) == 0 ? 1 + random.nextInt(2) : 1 + random.nextInt(nodeCount);
        }
        return group;
    }

    /** The nodes recorded DOWN: every hundredth from n0050, {@code percent} in a hundred. */
    static boolean down(int node, int percent) {
        return percent > 0 && node % (100 / percent) == 50 % (100 / percent);
    }

    /**
     * The image: nodes over four zones, one group per node, shards split and reassigned to groups;
     * the cluster at entry-format 5 and the nodes {@link #down} recorded DOWN.
     */
    static MetadataImage image(int shardCount, int nodeCount, long[] groupOf, int downPercent) {
        Replay replay = new Replay();
        BootstrapCluster.Builder bootstrap = BootstrapCluster.newBuilder();
        for (int i = 0; i < BOOTSTRAP_NODES; i++) {
            bootstrap.addMembers(InitialMember.newBuilder().setNodeId(node(i)).setRaftAddress(Entries.raft(node(i)))
                    .addAllLabels(Entries.labels("zone", zone(i))));
        }
        replay.add(Entries.bootstrap(bootstrap));
        replay.flush();
        for (int i = BOOTSTRAP_NODES; i < nodeCount; i++) {
            replay.add(Entries.join(node(i), "zone", zone(i)));
            replay.add(Entries.activate(node(i)));
        }
        // Group 1 is the bootstrap group (n0000-n0002); the others follow the ring.
        for (long g = 2; g <= nodeCount; g++) {
            replay.add(Entries.createGroup(leader(g), members(g, nodeCount)));
        }
        for (int s = 1; s < shardCount; s++) {
            replay.add(Entries.split(s, ApplyBenchmark.key(s)));
        }
        for (int s = 1; s <= shardCount; s++) {
            if (groupOf[s] != 1) {
                replay.add(Entries.reassign(s, groupOf[s], leader(groupOf[s])));
            }
        }
        byte[] formats = Entries.capabilities(CapabilityCatalog.ENTRY_FORMAT.name(), new long[] {1, 2, 3, 4, 5});
        for (int i = 0; i < nodeCount; i++) {
            replay.add(Entries.advertiseCapabilities(node(i), formats));
        }
        for (int i = 0; i < nodeCount; i++) {
            if (down(i, downPercent)) {
                replay.add(Entries.markHealth(node(i), NodeHealthProto.NODE_HEALTH_DOWN));
            }
        }
        return replay.flush();
    }

    /** A report for every shard and node, each a few seconds old at {@code nowMs}. */
    static LoadView load(int shardCount, int nodeCount, long[] groupOf, long nowMs, Random random) {
        Map<Long, ShardReport> shardReports = new TreeMap<>();
        long[] used = new long[nodeCount];
        int[] big = {1 + random.nextInt(shardCount), 1 + random.nextInt(shardCount)};
        for (int s = 1; s <= shardCount; s++) {
            boolean split = s == big[0] || s == big[1];
            long size = split ? 200 * MIB : 16 * MIB + (long) (random.nextDouble() * 64 * MIB);
            // The first big shard comes with the data node's split key, the other without.
            Optional<Key> splitKey = s == big[0] && s > 1
                    ? Optional.of(Key.utf8(ApplyBenchmark.key(s - 1) + "m")) : Optional.empty();
            // Reported after the shard's last change: an epoch no shard has passed.
            shardReports.put((long) s, new ShardReport(s, size, size / 1024, random.nextInt(400),
                    random.nextInt(100), splitKey, Long.MAX_VALUE));
            int first = (int) (groupOf[s] - 1);
            for (int m = 0; m < 3; m++) {
                used[(first + m) % nodeCount] += size;
            }
        }
        Map<String, NodeReport> nodeReports = new TreeMap<>();
        for (int i = 0; i < nodeCount; i++) {
            nodeReports.put(node(i), new NodeReport(node(i), 16L << 40, used[i], nowMs - random.nextInt(5_000)));
        }
        return new LoadView(nodeReports, shardReports);
    }

    @Setup(Level.Trial)
    public void build() {
        long started = System.nanoTime();
        Random random = new Random(42);
        long[] groupOf = placement(shards, nodes, random);
        image = image(shards, nodes, groupOf, downPercent);
        long built = System.nanoTime();
        nowMs = image.logicalTimeMs() + 1_000;
        load = load(shards, nodes, groupOf, nowMs, random);
        stallTicks = Map.of();
        long loaded = System.nanoTime();
        Plan plan = Planner.plan(image, load, stallTicks, nowMs);
        long planned = System.nanoTime();
        Map<Plan.Kind, Integer> kinds = new EnumMap<>(Plan.Kind.class);
        for (Plan.Action action : plan.actions()) {
            kinds.merge(action.kind(), 1, Integer::sum);
        }
        System.out.printf(Locale.ROOT, "%nsetup: image of %d shards, %d nodes, %d groups at index %d built in %.1f s;"
                + " load view in %.1f s; first plan in %.0f ms: %s, %s imbalance %s, %d reasons%n",
                image.routing().shards().size(), image.topology().nodes().size(), image.routing().groups().size(),
                image.index(), (built - started) / 1e9, (loaded - built) / 1e9, (planned - loaded) / 1e6, kinds,
                plan.metric(), String.format(Locale.ROOT, "%.1f%%", plan.imbalanceBps() / 100.0),
                plan.reasons().size());
        for (Plan.Action action : plan.actions()) {
            System.out.println("  " + action.description());
        }
        if (downPercent == 0 && (kinds.getOrDefault(Plan.Kind.SPLIT, 0) == 0
                || kinds.getOrDefault(Plan.Kind.TRANSFER, 0) == 0)) {
            throw new IllegalStateException("the fixture should make the planner split and balance: " + plan);
        }
        if (downPercent > 0 && plan.actions().stream().noneMatch(a -> a.kind() == Plan.Kind.TRANSFER
                && a.entry().getPlacement().getTransfer().getRepair())) {
            throw new IllegalStateException("the fixture should make the planner repair: " + plan);
        }
    }

    @Benchmark
    public Plan plan() {
        return Planner.plan(image, load, stallTicks, nowMs);
    }
}
