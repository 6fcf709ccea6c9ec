package io.meridian.client.sim;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.proto.DecrefGhost;
import io.meridian.proto.GhostChange;
import io.meridian.proto.GhostStubRecord;
import io.meridian.proto.GroupInfo;
import io.meridian.proto.GroupRecord;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.LoadReport;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.MovedEntity;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.ShardLoad;
import io.meridian.proto.ShardRecord;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TopologyReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A data plane for every node of a cluster, simulated, so the scheduler's work can be seen and
 * tested without a database: each round it reads topology and routing, keeps a size and a heat
 * per shard (following splits and merges), grows and shrinks the shards, reports every node's load,
 * drives each migration one checkpoint further (resuming from the checkpoint the cluster recorded,
 * so a leader failover loses nothing), reports the entities a cutover moved as ghost stubs, and
 * lets references to ghosts go over time.
 *
 * <p>Sizes follow a Zipf law over the shards ({@code skew} 0 is uniform); a split gives each half
 * half of the size and the heat of the parent; a merge adds the sizes. Randomness comes from the
 * seed, so a run is repeatable for a given sequence of cluster states.
 *
 * <p>Not thread-safe: one thread runs the rounds; {@link #view()} may be read from any thread.
 */
public final class Simulator {

    private static final Pattern PROGRESS = Pattern.compile("copied=(\\d+) total=(\\d+)");
    private static final long KEY_BYTES = 1024;

    /**
     * How the simulated data plane behaves.
     *
     * @param shards the keyspace is first split into this many shards (when it has fewer)
     * @param skew Zipf exponent of the shard sizes and traffic; 0 is uniform
     * @param totalBytes the initial bytes over all shards
     * @param growth each round a shard grows by this fraction of its size times its heat
     * @param shrinkChance each round, the chance that a cold shard loses half its size (deletes)
     * @param copyBytesPerRound how many bytes a migration copies per round
     * @param ghostsPerCutover entities a cutover reports as moved (each leaves a ghost stub)
     * @param decrefChance each round, the chance that a ghost stub loses a reference
     * @param capacityBytes every node's disk
     * @param qpsPerMib reads and writes per second per MiB of a shard, times its heat
     */
    public record Options(int shards, double skew, long totalBytes, double growth, double shrinkChance,
            long copyBytesPerRound, int ghostsPerCutover, double decrefChance, long capacityBytes, double qpsPerMib,
            long seed) {

        public static Options defaults() {
            return new Options(16, 1.0, 4L << 30, 0.0, 0.0, 256L << 20, 2, 0.2, 1L << 40, 1.0, 1);
        }

        public Options {
            if (shards < 1 || shards > 100_000) {
                throw new IllegalArgumentException("shards must be 1-100000, got " + shards);
            }
            if (skew < 0 || skew > 10 || Double.isNaN(skew)) {
                throw new IllegalArgumentException("skew must be 0-10, got " + skew);
            }
            if (totalBytes < 0 || copyBytesPerRound < 1 || capacityBytes < 1) {
                throw new IllegalArgumentException("sizes must be positive");
            }
            if (growth < 0 || shrinkChance < 0 || shrinkChance > 1 || decrefChance < 0 || decrefChance > 1) {
                throw new IllegalArgumentException("growth must be >= 0 and chances 0-1");
            }
        }

        public Options withShards(int value) {
            return new Options(value, skew, totalBytes, growth, shrinkChance, copyBytesPerRound, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, seed);
        }

        public Options withSkew(double value) {
            return new Options(shards, value, totalBytes, growth, shrinkChance, copyBytesPerRound, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, seed);
        }

        public Options withTotalBytes(long value) {
            return new Options(shards, skew, value, growth, shrinkChance, copyBytesPerRound, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, seed);
        }

        public Options withGrowth(double value, double shrink) {
            return new Options(shards, skew, totalBytes, value, shrink, copyBytesPerRound, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, seed);
        }

        public Options withCopyBytesPerRound(long value) {
            return new Options(shards, skew, totalBytes, growth, shrinkChance, value, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, seed);
        }

        public Options withSeed(long value) {
            return new Options(shards, skew, totalBytes, growth, shrinkChance, copyBytesPerRound, ghostsPerCutover,
                    decrefChance, capacityBytes, qpsPerMib, value);
        }
    }

    /** A shard as the simulated data plane holds it. */
    private static final class ShardData {
        long size;
        final double heat;
        ByteString start;

        ShardData(long size, double heat, ByteString start) {
            this.size = size;
            this.heat = heat;
            this.start = start;
        }
    }

    private final MeridianClient client;
    private final Options options;
    private final Random random;
    private final TreeMap<Long, ShardData> shards = new TreeMap<>();
    private final Map<Long, Integer> movesByShard = new TreeMap<>();
    private final List<Long> imbalanceHistory = new ArrayList<>();
    private volatile View view = View.EMPTY;
    private long rounds;
    private long checkpoints;
    private long completed;
    private long refusals;
    private String lastRefusal = "";
    private boolean seeded;

    public Simulator(MeridianClient client, Options options) {
        this.client = Objects.requireNonNull(client, "client");
        this.options = Objects.requireNonNull(options, "options");
        this.random = new Random(options.seed());
    }

    /**
     * Runs rounds on a thread of its own, one every {@code period}, until closed. A round that fails
     * (the cluster is electing a leader, say) goes to {@code onError} and the next one runs.
     */
    public Running start(Duration period, Consumer<View> onRound,
            Consumer<RuntimeException> onError) {
        Running running = new Running(period, onRound, onError);
        running.thread.start();
        return running;
    }

    /** Rounds running in the background; close stops them and waits for the round in progress. */
    public final class Running implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stopped;

        private Running(Duration period, Consumer<View> onRound,
                Consumer<RuntimeException> onError) {
            this.thread = new Thread(() -> {
                while (!stopped) {
                    long started = System.nanoTime();
                    try {
                        onRound.accept(round());
                    } catch (RuntimeException e) {
                        if (!stopped) {
                            onError.accept(e);
                        }
                    }
                    long waitNanos = period.toNanos() - (System.nanoTime() - started);
                    if (waitNanos > 0 && !stopped) {
                        LockSupport.parkNanos(this, waitNanos);
                    }
                }
            }, "meridian-simulator");
            thread.setDaemon(true);
        }

        @Override
        public void close() {
            stopped = true;
            LockSupport.unpark(thread);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What the last round saw. */
    public View view() {
        return view;
    }

    /** Per node: replicas, bytes and leaderships; the moves in flight; imbalance over the rounds. */
    public record View(long round, long routingVersion, List<NodeView> nodes, List<String> moves, long imbalanceBps,
            List<Long> imbalanceHistory, long shards, long checkpoints, long completedMigrations, long refusals,
            String lastRefusal, Map<Long, Integer> movesByShard) {
        static final View EMPTY = new View(0, 0, List.of(), List.of(), 0, List.of(), 0, 0, 0, 0, "", Map.of());
    }

    public record NodeView(String nodeId, String state, long replicas, long bytes, long leading) {
    }

    /**
     * Splits the keyspace into {@code shards} shards (when it has fewer), by operator splits at
     * evenly spaced keys, and gives each its initial size. Called by the first round.
     */
    private void seed(List<ShardRecord> current) {
        seeded = true;
        int have = current.size();
        if (have < options.shards() && have == 1) {
            long shard = current.get(0).getShardId();
            for (int i = 1; i < options.shards(); i++) {
                ByteString key = ByteString.copyFromUtf8(String.format(Locale.ROOT, "k%06d", i));
                try {
                    client.placement().place(PlacementCommand.newBuilder().setReason("simulator: initial split")
                            .setSplit(SplitShard.newBuilder().setShardId(shard).setSplitKey(key)).build());
                } catch (MeridianException e) {
                    refused(e);
                }
                List<ShardRecord> now = listShards();
                shard = now.get(now.size() - 1).getShardId();
            }
        }
        List<ShardRecord> after = listShards();
        double[] weights = zipf(after.size());
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        // Ranks are shuffled so the big shards are not all at the start of the keyspace.
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            ranks.add(i);
        }
        Collections.shuffle(ranks, random);
        for (int i = 0; i < after.size(); i++) {
            double w = weights[ranks.get(i)];
            ShardRecord shard = after.get(i);
            shards.put(shard.getShardId(), new ShardData((long) (options.totalBytes() * w / sum),
                    w * after.size() / sum, shard.getStartKey()));
        }
    }

    private double[] zipf(int n) {
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            weights[i] = 1.0 / Math.pow(i + 1, options.skew());
        }
        return weights;
    }

    private List<ShardRecord> listShards() {
        List<ShardRecord> all = new ArrayList<>();
        long after = 0;
        while (true) {
            ListShardsReply page = client.metadata().listShards(ListShardsRequest.newBuilder().setAfterShardId(after)
                    .setLimit(10_000).build());
            all.addAll(page.getShardsList());
            if (page.getNextAfterShardId() == 0 || page.getShardsCount() == 0) {
                return all;
            }
            after = page.getNextAfterShardId();
        }
    }

    /** One round of the data plane; throws when the cluster cannot be reached. */
    public View round() {
        List<ShardRecord> current = listShards();
        if (!seeded) {
            seed(current);
            current = listShards();
        }
        follow(current);
        grow();
        TopologyReply topology = client.metadata().topology(ReadOptions.getDefaultInstance());
        RoutingReply routing = client.metadata().routing(ReadOptions.getDefaultInstance());
        Map<Long, GroupRecord> groups = new TreeMap<>();
        for (GroupInfo group : routing.getGroupsList()) {
            groups.put(group.getGroup().getGroupId(), group.getGroup());
        }
        report(topology, groups, current);
        List<String> moves = migrate(down(topology));
        letGhostsGo();
        rounds++;
        View next = describe(topology, groups, current, routing.getVersion(), moves);
        view = next;
        return next;
    }

    /** Follows splits (new shards take half their left neighbour) and merges (sizes add up). */
    private void follow(List<ShardRecord> current) {
        TreeMap<Long, ShardRecord> now = new TreeMap<>();
        current.forEach(shard -> now.put(shard.getShardId(), shard));
        // Merged away: the size goes to the shard that now covers its start.
        for (Long gone : new ArrayList<>(shards.keySet())) {
            if (now.containsKey(gone)) {
                continue;
            }
            ShardData data = shards.remove(gone);
            ShardRecord cover = covering(current, data.start);
            if (cover != null && shards.containsKey(cover.getShardId())) {
                shards.get(cover.getShardId()).size += data.size;
            }
        }
        // Split off: a new shard takes half the size of the shard to its left.
        for (ShardRecord shard : current) {
            ShardData known = shards.get(shard.getShardId());
            if (known != null) {
                known.start = shard.getStartKey();
                continue;
            }
            ShardRecord left = leftOf(current, shard);
            ShardData parent = left == null ? null : shards.get(left.getShardId());
            if (parent == null) {
                shards.put(shard.getShardId(), new ShardData(0, 1.0, shard.getStartKey()));
            } else {
                long half = parent.size / 2;
                parent.size -= half;
                shards.put(shard.getShardId(), new ShardData(half, parent.heat, shard.getStartKey()));
            }
        }
    }

    private static ShardRecord covering(List<ShardRecord> current, ByteString key) {
        for (ShardRecord shard : current) {
            if (compare(shard.getStartKey(), key) <= 0
                    && (shard.getEndKey().isEmpty() || compare(key, shard.getEndKey()) < 0)) {
                return shard;
            }
        }
        return null;
    }

    private static ShardRecord leftOf(List<ShardRecord> current, ShardRecord shard) {
        for (ShardRecord other : current) {
            if (!other.getEndKey().isEmpty() && other.getEndKey().equals(shard.getStartKey())) {
                return other;
            }
        }
        return null;
    }

    private static int compare(ByteString a, ByteString b) {
        return ByteString.unsignedLexicographicalComparator().compare(a, b);
    }

    private void grow() {
        if (options.growth() == 0 && options.shrinkChance() == 0) {
            return;
        }
        for (ShardData data : shards.values()) {
            data.size = grown(data.size, options.growth() * data.heat, options.capacityBytes());
            if (data.heat < 1 && random.nextDouble() < options.shrinkChance()) {
                data.size /= 2;
            }
        }
    }

    /**
     * A shard's size after one round of growth by {@code rate}, at most a node's disk: growth
     * compounds, and a shard the scheduler does not split in time must not grow past what a node
     * holds (nor overflow a long, which it did after some minutes of a hot shard).
     */
    static long grown(long size, double rate, long capacityBytes) {
        return (long) Math.min((double) capacityBytes, size + size * rate);
    }

    /** The nodes recorded DOWN: their data plane is gone with them. */
    private static Set<String> down(TopologyReply topology) {
        Set<String> out = new TreeSet<>();
        for (NodeInfo info : topology.getNodesList()) {
            if (info.getNode().getHealth() == NodeHealthProto.NODE_HEALTH_DOWN) {
                out.add(info.getNode().getNodeId());
            }
        }
        return out;
    }

    /** Every ACTIVE, DRAINING or JOINING node not recorded DOWN reports the shards it holds a replica of. */
    private void report(TopologyReply topology, Map<Long, GroupRecord> groups, List<ShardRecord> current) {
        for (NodeInfo info : topology.getNodesList()) {
            NodeRecord node = info.getNode();
            if (node.getState() == NodeStateProto.NODE_STATE_DECOMMISSIONED
                    || node.getHealth() == NodeHealthProto.NODE_HEALTH_DOWN) {
                continue;
            }
            LoadReport.Builder report = LoadReport.newBuilder().setNodeId(node.getNodeId())
                    .setCapacityBytes(options.capacityBytes());
            long used = 0;
            for (ShardRecord shard : current) {
                GroupRecord group = groups.get(shard.getGroupId());
                if (group == null || !group.getMembersList().contains(node.getNodeId())) {
                    continue;
                }
                ShardData data = shards.get(shard.getShardId());
                long size = data == null ? 0 : data.size;
                long qps = data == null ? 0 : (long) (size / (double) (1 << 20) * options.qpsPerMib() * data.heat);
                used += size;
                report.addShards(ShardLoad.newBuilder().setShardId(shard.getShardId()).setSizeBytes(size)
                        .setKeys(size / KEY_BYTES).setReadsPerSec(qps * 4 / 5).setWritesPerSec(qps - qps * 4 / 5));
            }
            report.setUsedBytes(Math.min(used, options.capacityBytes()));
            try {
                client.node().reportLoad(report.build());
            } catch (MeridianException e) {
                refused(e);
            }
        }
    }

    /**
     * Moves every migration in flight one checkpoint further, but for those copying to a node
     * recorded DOWN (nothing can copy to it); returns what is in flight.
     */
    private List<String> migrate(Set<String> down) {
        List<String> moves = new ArrayList<>();
        for (MigrationRecord migration : client.metadata().listMigrations(ListMigrationsRequest.newBuilder()
                .setInFlightOnly(true).build()).getMigrationsList()) {
            if (down.contains(migration.getToNode())) {
                moves.add(String.format(Locale.ROOT, "shard %d %s -> %s stuck: %s is DOWN", migration.getShardId(),
                        migration.getFromNode(), migration.getToNode(), migration.getToNode()));
                continue;
            }
            ShardData data = shards.get(migration.getShardId());
            long total = Math.max(1, data == null ? 1 : data.size);
            long copied = 0;
            Matcher progress = PROGRESS.matcher(migration.getLastPayload().toString(StandardCharsets.UTF_8));
            if (progress.matches()) {
                copied = Long.parseLong(progress.group(1));
            }
            MigrationCheckpoint.Builder checkpoint = MigrationCheckpoint.newBuilder()
                    .setMigrationId(migration.getMigrationId()).setAttempt(migration.getAttempt());
            switch (migration.getPhase()) {
                case MIGRATION_PHASE_PLANNED -> checkpoint.setPhase(MigrationPhaseProto.MIGRATION_PHASE_COPYING);
                case MIGRATION_PHASE_COPYING -> {
                    copied = Math.min(total, copied + options.copyBytesPerRound());
                    checkpoint.setPhase(copied >= total ? MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP
                            : MigrationPhaseProto.MIGRATION_PHASE_COPYING);
                }
                case MIGRATION_PHASE_CATCHING_UP -> {
                    checkpoint.setPhase(MigrationPhaseProto.MIGRATION_PHASE_CUTOVER);
                    for (int i = 0; i < options.ghostsPerCutover(); i++) {
                        long target = ghostTarget(migration.getShardId());
                        if (target != 0) {
                            checkpoint.addMoved(MovedEntity.newBuilder()
                                    .setEntityId("entity-" + migration.getShardId() + "-" + migration.getMigrationId()
                                            + "-" + i)
                                    .setTargetShard(target).setRefcount(1 + random.nextInt(3)));
                        }
                    }
                }
                case MIGRATION_PHASE_CUTOVER -> checkpoint.setPhase(MigrationPhaseProto.MIGRATION_PHASE_COMPLETED);
                default -> {
                    continue;
                }
            }
            byte[] payload = ("copied=" + copied + " total=" + total).getBytes(StandardCharsets.UTF_8);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            checkpoint.setPayload(ByteString.copyFrom(payload)).setCrc32C((int) crc.getValue());
            try {
                client.node().checkpoint(checkpoint.build());
                checkpoints++;
                if (checkpoint.getPhase() == MigrationPhaseProto.MIGRATION_PHASE_COMPLETED) {
                    completed++;
                    movesByShard.merge(migration.getShardId(), 1, Integer::sum);
                } else {
                    moves.add(String.format(Locale.ROOT, "shard %d %s -> %s %s %d%%", migration.getShardId(),
                            migration.getFromNode(), migration.getToNode(), phaseName(checkpoint.getPhase()),
                            100 * copied / total));
                }
            } catch (MeridianException e) {
                refused(e);
            }
        }
        return moves;
    }

    private void refused(MeridianException e) {
        refusals++;
        lastRefusal = e.getMessage();
    }

    private static String phaseName(MigrationPhaseProto phase) {
        return phase.name().replace("MIGRATION_PHASE_", "").toLowerCase(Locale.ROOT);
    }

    /** Another shard the moved entities went to: the next one by id, wrapping. */
    private long ghostTarget(long shardId) {
        Long next = shards.higherKey(shardId);
        if (next == null) {
            next = shards.firstKey();
        }
        return next == shardId ? 0 : next;
    }

    /** References to moved entities go away over time; a stub at zero is purged by its decref. */
    private void letGhostsGo() {
        if (options.decrefChance() == 0) {
            return;
        }
        List<GhostStubRecord> stubs = client.metadata().listGhosts(ListGhostsRequest.newBuilder().setLimit(1000)
                .build())
                .getStubsList();
        for (GhostStubRecord stub : stubs) {
            if (random.nextDouble() >= options.decrefChance()) {
                continue;
            }
            try {
                client.placement().changeGhost(GhostChange.newBuilder().setSourceShard(stub.getSourceShard())
                        .setDecref(DecrefGhost.newBuilder().setEntityId(stub.getEntityId())).build());
            } catch (MeridianException e) {
                refused(e);
            }
        }
    }

    private View describe(TopologyReply topology, Map<Long, GroupRecord> groups, List<ShardRecord> current,
            long routingVersion, List<String> moves) {
        TreeMap<String, long[]> perNode = new TreeMap<>();
        TreeMap<String, String> states = new TreeMap<>();
        for (NodeInfo info : topology.getNodesList()) {
            NodeRecord node = info.getNode();
            if (node.getState() != NodeStateProto.NODE_STATE_DECOMMISSIONED) {
                perNode.put(node.getNodeId(), new long[3]);
                // A node recorded DOWN is out of the balance whatever its state.
                states.put(node.getNodeId(), node.getHealth() == NodeHealthProto.NODE_HEALTH_DOWN ? "DOWN"
                        : node.getState().name().replace("NODE_STATE_", ""));
            }
        }
        for (ShardRecord shard : current) {
            GroupRecord group = groups.get(shard.getGroupId());
            if (group == null) {
                continue;
            }
            ShardData data = shards.get(shard.getShardId());
            for (String member : group.getMembersList()) {
                long[] totals = perNode.get(member);
                if (totals != null) {
                    totals[0]++;
                    totals[1] += data == null ? 0 : data.size;
                }
            }
            long[] leader = perNode.get(group.getLeader());
            if (leader != null) {
                leader[2]++;
            }
        }
        List<NodeView> nodes = new ArrayList<>();
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        long sum = 0;
        int active = 0;
        for (Map.Entry<String, long[]> entry : perNode.entrySet()) {
            long[] totals = entry.getValue();
            nodes.add(new NodeView(entry.getKey(), states.get(entry.getKey()), totals[0], totals[1], totals[2]));
            if (states.get(entry.getKey()).equals("ACTIVE")) {
                max = Math.max(max, totals[1]);
                min = Math.min(min, totals[1]);
                sum += totals[1];
                active++;
            }
        }
        long imbalance = active < 2 || sum == 0 ? 0 : (long) ((max - min) * 10_000.0 * active / sum);
        imbalanceHistory.add(imbalance);
        if (imbalanceHistory.size() > 120) {
            imbalanceHistory.remove(0);
        }
        return new View(rounds, routingVersion, List.copyOf(nodes), List.copyOf(moves), imbalance,
                List.copyOf(imbalanceHistory), current.size(), checkpoints, completed, refusals, lastRefusal,
                Map.copyOf(movesByShard));
    }
}
