package io.meridian.bench;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.testing.Entries;
import io.meridian.node.api.Views;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.MetadataEntry;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * How fast a node resolves keys to shards while it applies writes: the lookup a {@code LocateKey}
 * call runs ({@link Views#locate}: the floor lookup in the routing image's start-key index, the
 * shard's group, the reply built), less the gRPC around it, against the published image while
 * another thread applies entries and publishes each result, as the state machine does with its
 * one {@code volatile} image.
 *
 * <p>One JMH group of two threads, each reported on its own (ops/s):
 *
 * <ul>
 *   <li>{@code lookup}: reads the volatile image and locates a random key (uniform over the
 *       keyspace, inside a shard rather than at a boundary) in it.</li>
 *   <li>{@code write}: applies one entry to the writer's current image with {@link MetadataApplier}
 *       and publishes the result; the entries cycle through a reassignment to another group, a
 *       leadership transfer, a split followed by the merge that undoes it (so the number of shards
 *       stays {@code shards}) and an edge-cache stats report. Every entry must apply. Building
 *       the entry (a small protobuf message) is part of the measured operation.</li>
 * </ul>
 *
 * <p>The image ({@link ClusterFixture}) has {@code shards} shards with nodes, groups, ghosts,
 * tokens and edge caches in proportion, built once per trial by replaying entries through the
 * real applier. With two threads on a two-core machine each has a core, minus whatever else runs.
 *
 * Run: {@code java -jar bench/target/meridian-bench.jar RoutingBenchmark} (quick look:
 * {@code -wi 1 -i 2 -f 1}).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
public class RoutingBenchmark {

    private static final int KEYS = 1 << 16;

    @Param({"1000", "100000", "1000000"})
    public int shards;

    private final MetadataApplier applier = new MetadataApplier();
    private ClusterFixture fixture;
    private ByteString[] keys;
    private volatile MetadataImage published;

    // The writer's own state: only the write thread touches it.
    private MetadataImage current;
    private final Random writeRandom = new Random(7);
    private long step;
    private long splitShard;
    private long splitRight;

    /** The lookup thread's own position in the key sequence. */
    @State(Scope.Thread)
    public static class Lookups {
        int next;
    }

    @Setup(Level.Trial)
    public void build() {
        long started = System.nanoTime();
        fixture = ClusterFixture.of(shards);
        current = fixture.build();
        published = current;
        Random random = new Random(42);
        keys = new ByteString[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ByteString.copyFromUtf8(ClusterFixture.key(random.nextInt(shards)) + "q" + random.nextInt(100));
        }
        System.out.printf(Locale.ROOT, "%nsetup: %s built in %.1f s%n", current, (System.nanoTime() - started) / 1e9);
    }

    @Benchmark
    @Group("routing")
    @GroupThreads(1)
    public LocateKeyReply lookup(Lookups lookups) {
        return Views.locate(published, keys[lookups.next++ & (KEYS - 1)]);
    }

    @Benchmark
    @Group("routing")
    @GroupThreads(1)
    public MetadataImage write() {
        MetadataEntry entry = nextEntry();
        ApplyResult result = applier.apply(current, new EntryContext(1, current.index() + 1), entry);
        if (!result.applied()) {
            throw new IllegalStateException("write refused: " + result.outcome());
        }
        current = result.image();
        published = current;
        return current;
    }

    /** The next entry of the cycle, planned against the writer's current image as a leader would. */
    private MetadataEntry nextEntry() {
        long kind = step++ % 5;
        if (kind == 3) {
            return Entries.merge(splitShard, splitRight);
        }
        if (kind == 4) {
            return Entries.edgeStats(ClusterFixture.node(0), 3, 1);
        }
        long shard = freeShard();
        long group = current.routing().shards().get(shard).groupId();
        if (kind == 0) {
            long target = 1 + writeRandom.nextInt(fixture.groups);
            if (target == group) {
                target = target % fixture.groups + 1;
            }
            return Entries.reassign(shard, target, ClusterFixture.leader(target));
        }
        if (kind == 1) {
            ReplicaGroup replicaGroup = current.routing().groups().get(group);
            String[] members = fixture.members(group);
            int pick = writeRandom.nextInt(members.length);
            if (members[pick].equals(replicaGroup.leader())) {
                pick = (pick + 1) % members.length;
            }
            return Entries.transferLeadership(group, members[pick]);
        }
        splitShard = shard;
        splitRight = current.routing().nextShardId();
        return Entries.split(shard, ClusterFixture.key((int) shard - 1) + "m");
    }

    /** A random shard other than the first (whose start is the empty key) with no migration in flight. */
    private long freeShard() {
        while (true) {
            long shard = 2 + writeRandom.nextInt(shards - 1);
            if (!current.migrations().activeByShard().containsKey(shard)) {
                return shard;
            }
        }
    }
}
