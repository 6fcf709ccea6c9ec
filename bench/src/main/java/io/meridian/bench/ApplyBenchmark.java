package io.meridian.bench;

import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.testing.Entries;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
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
 * What applying one entry costs cluster-core, single-threaded, on images of different sizes. The
 * cost must not grow with the number of shards: the images are persistent maps, so an entry costs
 * O(log n), not a copy of the state.
 *
 * <ul>
 *   <li>{@code applyMix}: one entry of a mix of kinds (reassign, leadership, split, merge,
 *       transfer, checkpoint, ghost, edge-cache stats, catalog DDL) applied to a fixed image; the
 *       result is discarded, so every measurement sees the same size.</li>
 *   <li>{@code applyStream}: entries applied one after the other, each to the previous result,
 *       with kinds that keep the size stable (reassign back and forth, leadership, stats).</li>
 * </ul>
 *
 * Run: {@code java -jar bench/target/meridian-bench.jar ApplyBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
public class ApplyBenchmark {

    @Param({"1000", "100000", "1000000"})
    public int shards;

    private final MetadataApplier applier = new MetadataApplier();
    private MetadataImage base;
    private MetadataEntry[] mix;
    private MetadataEntry[] stream;
    private int next;
    private MetadataImage current;

    static String key(int i) {
        return String.format(Locale.ROOT, "k%08d", i);
    }

    /** An image of n shards over five nodes, built by replaying entries through the applier. */
    static MetadataImage image(int n) {
        MetadataApplier applier = new MetadataApplier();
        MetadataImage image = MetadataImage.EMPTY;
        List<MetadataEntry> setup = new ArrayList<>();
        setup.add(Entries.bootstrap("n1", "n2", "n3", "n4", "n5"));
        setup.add(Entries.removeMember(1, "n4"));
        setup.add(Entries.removeMember(1, "n5"));
        setup.add(Entries.createGroup("n2", "n2", "n3", "n4"));
        setup.add(Entries.enableEdgeCache("n2", 4, 1024, 4096, "eu"));
        for (MetadataEntry entry : setup) {
            image = applyOrFail(applier, image, entry);
        }
        for (int i = 1; i < n; i++) {
            image = applyOrFail(applier, image, Entries.split(i, key(i)));
        }
        image = applyOrFail(applier, image, Entries.transfer(2, "n1", "n5"));
        image = applyOrFail(applier, image, Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 1, "x"));
        return image;
    }

    private static MetadataImage applyOrFail(MetadataApplier applier, MetadataImage image, MetadataEntry entry) {
        ApplyResult result = applier.apply(image, new EntryContext(1, image.index() + 1),
                entry.toBuilder().setProposedAtMs(1_767_225_600_000L + image.index()).build());
        if (!result.applied()) {
            throw new IllegalStateException("fixture entry refused: " + result.outcome());
        }
        return result.image();
    }

    @Setup(Level.Trial)
    public void build() {
        base = image(shards);
        Random random = new Random(42);
        String payload = "p".repeat(200);
        mix = new MetadataEntry[4096];
        for (int i = 0; i < mix.length; i++) {
            int shard = 3 + random.nextInt(Math.max(1, shards - 3));
            mix[i] = switch (i % 9) {
                case 0 -> Entries.reassign(shard, 2, "n2");
                case 1 -> Entries.transferLeadership(1, i % 2 == 0 ? "n2" : "n3");
                case 2 -> Entries.split(shard, key(shard - 1) + "x");
                case 3 -> Entries.merge(shard, shard + 1 <= shards ? shard + 1 : shard - 1);
                case 4 -> Entries.transfer(shard, "n1", "n4");
                case 5 -> Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 1, payload);
                case 6 -> Entries.insertGhost(shard, "entity-" + i, 1, 2);
                case 7 -> Entries.edgeStats("n2", 10, 2);
                default -> Entries.catalogDdl("CREATE TABLE t" + i + " (id BIGINT PRIMARY KEY, v TEXT)");
            };
        }
        stream = new MetadataEntry[4096];
        for (int i = 0; i < stream.length; i++) {
            int shard = 3 + random.nextInt(Math.max(1, shards - 3));
            stream[i] = switch (i % 3) {
                case 0 -> Entries.reassign(shard, 1 + (i / 3) % 2, "n2");
                case 1 -> Entries.transferLeadership(1, i % 2 == 0 ? "n2" : "n3");
                default -> Entries.edgeStats("n2", 10, 2);
            };
        }
        current = base;
    }

    @Benchmark
    public ApplyResult applyMix() {
        MetadataEntry entry = mix[next++ & (mix.length - 1)];
        return applier.apply(base, new EntryContext(1, base.index() + 1), entry);
    }

    @Benchmark
    public MetadataImage applyStream() {
        MetadataEntry entry = stream[next++ & (stream.length - 1)];
        current = applier.apply(current, new EntryContext(1, current.index() + 1), entry).image();
        return current;
    }
}
