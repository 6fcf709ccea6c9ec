package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.ListEdgeCachesReply;
import io.meridian.proto.ListGhostsReply;
import io.meridian.proto.ListMigrationsReply;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.ResolveGhostReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** `meridian migrations ...`, `meridian ghosts ...` and `meridian edge-cache ...`. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPlaneCommandsTest extends CliTestBase {

    @TempDir
    Path files;

    @Test
    @Order(1)
    void aMigrationIsCheckpointedShownAndAborted() throws IOException {
        run("routing", "create-group", "--members", "n1").ok();
        run("shards", "split", "1", "--at", "m").ok();
        run("routing", "reassign", "2", "--group", "2", "--leaseholder", "n1").ok();
        run("shards", "transfer", "2", "--from", "n1", "--to", "n2").ok();

        Result list = run("migrations", "list").ok();
        assertThat(list.lines().get(0)).startsWith("ID  SHARD  MOVE      PHASE    ATTEMPT  CHECKPOINTS  UPDATED");
        assertThat(list.lines().get(1)).startsWith("1   2      n1 -> n2  planned  0        0");

        Path payload = Files.writeString(files.resolve("progress.bin"), "copied 1/3", StandardCharsets.UTF_8);
        Result checkpoint = run("migrations", "checkpoint", "1", "--phase", "copying", "--payload-file",
                payload.toString()).ok();
        assertThat(checkpoint.out()).contains("migration 1: checkpoint 1 in COPYING (attempt 0, 10 bytes)");

        MigrationRecord json = run("migrations", "show", "1", "-o", "json").ok()
                .json(MigrationRecord.getDefaultInstance());
        CRC32C crc = new CRC32C();
        crc.update("copied 1/3".getBytes(StandardCharsets.UTF_8));
        assertThat(json.getPhase()).isEqualTo(MigrationPhaseProto.MIGRATION_PHASE_COPYING);
        assertThat(Integer.toUnsignedLong(json.getLastCrc32C())).isEqualTo(crc.getValue());
        Result show = run("migrations", "show", "1").ok();
        assertThat(show.out()).contains("phase                       copying")
                .contains(String.format("10 bytes, crc32c %08x", crc.getValue()));

        run("migrations", "checkpoint", "1", "--phase", "cutover", "--payload-file", payload.toString())
                .refused("ILLEGAL_TRANSITION");
        run("migrations", "checkpoint", "1", "--phase", "copying", "--payload-file",
                files.resolve("missing.bin").toString()).usage("no such file");
        run("migrations", "checkpoint", "1", "--phase", "sideways", "--payload-file", payload.toString())
                .usage("Invalid value for option '--phase'");

        assertThat(run("migrations", "abort", "1", "--reason", "target disk failed").ok().out())
                .contains("migration 1: aborted in COPYING: target disk failed");
        run("migrations", "abort", "1", "--reason", "again").refused("ILLEGAL_TRANSITION");
        run("migrations", "show", "7").refused("NOT_FOUND");
        ListMigrationsReply inFlight = run("migrations", "list", "--in-flight", "-o", "json").ok()
                .json(ListMigrationsReply.getDefaultInstance());
        assertThat(inFlight.getMigrationsList()).isEmpty();
    }

    @Test
    @Order(2)
    void ghostStubsAreInsertedCountedResolvedAndPurged() {
        assertThat(run("ghosts", "insert", "order-1", "--source", "1", "--target", "2", "--refs", "2").ok().out())
                .contains("shard 1/order-1: inserted: forwards to shard 2, refcount 2");
        assertThat(run("ghosts", "incref", "order-1", "--source", "1").ok().out()).contains("refcount 2 -> 3");
        assertThat(run("ghosts", "decref", "order-1", "--source", "1", "--by", "2").ok().out())
                .contains("refcount 3 -> 1");

        Result list = run("ghosts", "list").ok();
        assertThat(list.lines().get(0)).isEqualTo("SOURCE  ENTITY   TARGET  REFS  CREATED");
        assertThat(list.lines().get(1)).startsWith("1       order-1  2       1     20");
        ResolveGhostReply resolved = run("ghosts", "resolve", "order-1", "-o", "json").ok()
                .json(ResolveGhostReply.getDefaultInstance());
        assertThat(resolved.getStubsList()).singleElement()
                .satisfies(stub -> assertThat(stub.getTargetShard()).isEqualTo(2));

        assertThat(run("ghosts", "purge", "order-1", "--source", "1", "--reason", "entity deleted").ok().out())
                .contains("shard 1/order-1");
        ListGhostsReply after = run("ghosts", "list", "--shard", "1", "-o", "json").ok()
                .json(ListGhostsReply.getDefaultInstance());
        assertThat(after.getStubsList()).isEmpty();
        assertThat(after.getTables(0).getPurgedTotal()).isEqualTo(1);

        run("ghosts", "resolve", "order-1").refused("NOT_FOUND");
        run("ghosts", "incref", "order-1", "--source", "1").refused("NOT_FOUND");
        run("ghosts", "insert", "order-2", "--source", "1", "--target", "9").refused("NOT_FOUND");
        run("ghosts", "insert", "order-2", "--source", "1", "--target", "2", "--refs", "-1").usage("is not a whole number from 0");
    }

    @Test
    @Order(3)
    void edgeCacheEligibilityAndStats() {
        assertThat(run("edge-cache", "enable", "n2", "--cpu", "8", "--ram-mib", "16384", "--disk-mib", "512000",
                "--geo", "eu").ok().out()).contains("node n2: enabled: 8 cpu, 16384 MiB RAM, 512000 MiB disk, geo eu");
        run("edge-cache", "enable", "n3", "--cpu", "2", "--ram-mib", "1024", "--disk-mib", "0").ok();

        Result list = run("edge-cache", "list").ok();
        assertThat(list.lines()).hasSize(3);
        assertThat(list.lines().get(1)).startsWith("n2    eu   8    16384    512000    0     0       -");
        ListEdgeCachesReply eu = run("edge-cache", "list", "--geo", "eu", "-o", "json").ok()
                .json(ListEdgeCachesReply.getDefaultInstance());
        assertThat(eu.getNodesList()).extracting(EdgeCacheNodeRecord::getNodeId).containsExactly("n2");

        assertThat(run("edge-cache", "stats", "n2").ok().lines()).contains("hits 0, misses 0, hit ratio -");
        EdgeCacheNodeRecord stats = run("edge-cache", "stats", "n3", "-o", "json").ok()
                .json(EdgeCacheNodeRecord.getDefaultInstance());
        assertThat(stats.getRamMib()).isEqualTo(1024);

        assertThat(run("edge-cache", "disable", "n3").ok().out()).contains("node n3: disabled");
        run("edge-cache", "stats", "n3").refused("NOT_FOUND");
        run("edge-cache", "enable", "n9", "--cpu", "1", "--ram-mib", "1", "--disk-mib", "0").refused("NOT_FOUND");
        run("edge-cache", "enable", "n1", "--cpu", "0", "--ram-mib", "1", "--disk-mib", "0")
                .refused("INVALID_ARGUMENT");
        run("edge-cache", "enable", "n1", "--cpu", "1", "--disk-mib", "0")
                .usage("Missing required option: '--ram-mib=MIB'");
    }
}
