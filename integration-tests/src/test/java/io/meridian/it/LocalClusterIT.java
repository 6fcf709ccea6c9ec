package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ShardRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distribution as a user runs it: `./meridian local-cluster` in the background, verbs through
 * `./meridian` from the same directory (so the CLI finds the cluster by itself), Ctrl-C, and a
 * second start that finds everything as it was.
 */
@Timeout(300)
class LocalClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(LocalClusterIT.class);
    private static final Path ROOT = Path.of(System.getProperty("meridian.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path work;

    private Process cluster;

    /** What one `./meridian` invocation printed and returned. */
    record Run(int exit, String out, String err) {
    }

    private ProcessBuilder meridian(List<String> args) {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("meridian").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        builder.environment().remove("MERIDIAN_ENDPOINTS");
        builder.environment().put("MERIDIAN_NO_BUILD", "1");
        builder.environment().put("MERIDIAN_JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        return builder;
    }

    private Run cli(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process process = meridian(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("meridian %s finished", String.join(" ", args))
                .isTrue();
        Run run = new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        LOG.info("meridian {} -> {}\n{}{}", String.join(" ", args), run.exit(), run.out(), run.err());
        return run;
    }

    private Run ok(String... args) throws IOException, InterruptedException {
        Run run = cli(args);
        assertThat(run.exit()).as("exit of meridian %s; stderr: %s", String.join(" ", args), run.err()).isZero();
        assertThat(run.err()).isEmpty();
        return run;
    }

    /** Starts the local cluster in the background and waits for the line that says where it is. */
    private String startCluster(int basePort, Path out, Path err) throws IOException {
        cluster = meridian(List.of("local-cluster", "--base-port", Integer.toString(basePort)))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        await("the local cluster's endpoints line").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    assertThat(cluster.isAlive()).as("local-cluster is running; stderr: %s", Files.readString(err))
                            .isTrue();
                    return Files.readString(out).contains("MERIDIAN_ENDPOINTS=");
                });
        return Files.readString(out);
    }

    /**
     * Stops the cluster with SIGINT, as Ctrl-C does. A process started by a shell that ignores
     * SIGINT (a backgrounded CI job) inherits that, and the JVM cannot undo it: then SIGTERM.
     */
    private int interrupt() throws IOException, InterruptedException {
        long pid = cluster.pid();
        boolean sigintIgnored = sigintIgnored(pid);
        if (sigintIgnored) {
            LOG.warn("SIGINT is ignored in this environment (inherited); stopping the cluster with SIGTERM");
            cluster.destroy();
        } else {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(cluster.waitFor(60, TimeUnit.SECONDS)).as("the cluster stopped").isTrue();
        return cluster.exitValue();
    }

    private static boolean sigintIgnored(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0b10) != 0;
            }
        }
        return false;
    }

    @AfterEach
    void stopCluster() throws InterruptedException {
        if (cluster != null && cluster.isAlive()) {
            cluster.destroy();
            if (!cluster.waitFor(30, TimeUnit.SECONDS)) {
                cluster.destroyForcibly();
            }
        }
    }

    @Test
    void localClusterServesTheCliStopsOnCtrlCAndRestartsWithItsState() throws Exception {
        int base = freeBasePort();
        Path out = work.resolve("cluster.out");
        Path err = work.resolve("cluster.err");
        String started = startCluster(base, out, err);
        assertThat(started).contains("starting 3 nodes in " + work.resolve("meridian-data"))
                .containsPattern("ready in [0-9.]+ s, leader n[123]")
                .contains("MERIDIAN_ENDPOINTS=127.0.0.1:" + (base + 101) + ",127.0.0.1:" + (base + 102)
                        + ",127.0.0.1:" + (base + 103));
        assertThat(work.resolve("meridian-data").resolve("endpoints")).exists();

        Run status = ok("cluster", "status");
        assertThat(status.out().lines().filter(line -> line.matches("n[123] .*"))).hasSize(3);
        assertThat(ok("shards", "split", "1", "--at", "m").out()).contains("shard 1: split at 'm'");
        assertThat(ok("scheduler", "pause", "--reason", "e2e").out()).contains("scheduler: paused: e2e");
        assertThat(ok("token", "issue", "--ttl", "1h").out()).startsWith("mrdn.");
        Run refused = cli("node", "promote", "n9");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("error: refused (NOT_FOUND): ");
        Run usage = cli("shards", "split", "1");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(shards()).extracting(ShardRecord::getShardId).containsExactly(1L, 2L);

        int exit = interrupt();
        assertThat(exit).isIn(130, 143);
        assertThat(Files.readString(out)).contains("stopping 3 nodes")
                .contains("stopped; the data stays in " + work.resolve("meridian-data"));
        assertThat(Files.readString(err)).as("nothing but the launcher on the console").isEmpty();
        assertThat(Files.readString(work.resolve("meridian-data").resolve("logs").resolve("meridian.log")))
                .contains("n1: ").contains("n2: ").contains("n3: ");
        Run down = cli("cluster", "status", "--timeout", "2s");
        assertThat(down.exit()).isEqualTo(3);

        Path out2 = work.resolve("cluster2.out");
        assertThat(startCluster(base, out2, work.resolve("cluster2.err"))).contains("restarting 3 nodes in");
        assertThat(shards()).extracting(ShardRecord::getShardId).containsExactly(1L, 2L);
        assertThat(ok("scheduler", "status").out()).startsWith("paused: e2e");
        assertThat(ok("token", "list").out().lines().filter(line -> line.contains("issued"))).hasSize(1);
        interrupt();
        assertThat(Files.readString(out2)).contains("stopped; the data stays in");
    }

    private List<ShardRecord> shards() throws Exception {
        Run json = ok("shards", "list", "-o", "json");
        ListShardsReply.Builder reply = ListShardsReply.newBuilder();
        JsonFormat.parser().merge(json.out(), reply);
        return reply.getShardsList();
    }

    /** A base port whose three Raft ports and three API ports are free now. */
    private static int freeBasePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (free(base + 1, base + 2, base + 3, base + 101, base + 102, base + 103)) {
                return base;
            }
        }
        throw new IOException("no free port range found");
    }

    private static boolean free(int... ports) {
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
