package io.meridian.bench;

import io.meridian.core.MetadataImage;
import io.meridian.node.statemachine.SnapshotFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a snapshot of a large image costs a node, on the path the node runs
 * ({@link SnapshotFiles}, which the state machine calls): writing it (encode, frame, hash into a
 * temporary file, fsync, rename, then the MD5 Ratis records) and loading it (the MD5 check, then
 * decode with every check of the codec and the image's invariants). One operation is one whole
 * snapshot, so the mode is single-shot time, in milliseconds, each measurement a fresh write or
 * load of the same image.
 *
 * <p>The image ({@link ClusterFixture}) has {@code shards} shards and everything else in
 * proportion: per million shards 1,000 nodes and groups, 10,000 ghosts, 100 join tokens, five
 * edge caches, ten migrations. It is built once per trial by replaying entries through the real
 * applier; the setup prints its size and how long the build and the file took.
 * {@link #snapshotBytes(int)} gives the size of the same snapshot for a harness to report.
 *
 * <ul>
 *   <li>{@code write}: {@link SnapshotFiles#write} of the image into a temporary directory.</li>
 *   <li>{@code load}: {@link SnapshotFiles#read} of the file written in the setup, with its MD5.</li>
 * </ul>
 *
 * Run: {@code java -jar bench/target/meridian-bench.jar SnapshotBenchmark} (quick look:
 * {@code -wi 1 -i 2 -f 1}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms6g", "-Xmx6g"})
public class SnapshotBenchmark {

    @Param({"100000", "1000000"})
    public int shards;

    private MetadataImage image;
    private Path dir;
    private File written;
    private File loaded;
    private MD5Hash loadedMd5;
    private TermIndex termIndex;

    @Setup(Level.Trial)
    public void build() throws IOException {
        long started = System.nanoTime();
        ClusterFixture fixture = ClusterFixture.of(shards);
        image = fixture.build();
        long built = System.nanoTime();
        dir = Files.createTempDirectory("meridian-snapshot-bench");
        written = dir.resolve("written.snapshot").toFile();
        loaded = dir.resolve("loaded.snapshot").toFile();
        loadedMd5 = SnapshotFiles.write(image, loaded);
        termIndex = TermIndex.valueOf(image.provenance().term(), image.index());
        long saved = System.nanoTime();
        System.out.printf(Locale.ROOT, "%nsetup: %s built in %.1f s; snapshot of %,d bytes written in %.2f s%n",
                image, (built - started) / 1e9, loaded.length(), (saved - built) / 1e9);
    }

    @TearDown(Level.Trial)
    public void removeFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public MD5Hash write() throws IOException {
        return SnapshotFiles.write(image, written);
    }

    @Benchmark
    public MetadataImage load() throws IOException {
        return SnapshotFiles.read(loaded, loadedMd5, termIndex);
    }

    /** The size in bytes of the snapshot of the benchmark's image of {@code shards} shards. */
    public static long snapshotBytes(int shards) {
        MetadataImage image = ClusterFixture.of(shards).build();
        try {
            Path dir = Files.createTempDirectory("meridian-snapshot-bytes");
            File file = dir.resolve("image.snapshot").toFile();
            try {
                SnapshotFiles.write(image, file);
                return file.length();
            } finally {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path leftover : (Iterable<Path>) files::iterator) {
                        Files.delete(leftover);
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the snapshot to measure it failed", e);
        }
    }
}
