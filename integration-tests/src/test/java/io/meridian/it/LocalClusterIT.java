package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ShardRecord;
import io.meridian.proto.StatusReply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distribution as a user runs it: `./meridian local-cluster` in the background, verbs through
 * `./meridian` from the same directory (so the CLI finds the cluster by itself), `kill -9` of one
 * node's process and its restart by hand, Ctrl-C, and a second start that finds everything as it was.
 */
@Timeout(480)
class LocalClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(LocalClusterIT.class);
    private static final Path ROOT = Path.of(System.getProperty("meridian.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path work;

    private Process cluster;

    /** A node restarted by hand, outside local-cluster. */
    private Process byHand;

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

    /** The pid in {@code meridian-data/<id>/node.pid}. */
    private long pidFileOf(String id) throws IOException {
        return Long.parseLong(Files.readString(data().resolve(id).resolve("node.pid")).trim());
    }

    private Path data() {
        return work.resolve("meridian-data");
    }

    /** The PID column of the table local-cluster printed, by node. */
    private static Map<String, Long> pidsPrinted(String started) {
        Map<String, Long> pids = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^(n[0-9]) .* ([0-9]+)$").matcher(started);
        while (row.find()) {
            pids.put(row.group(1), Long.parseLong(row.group(2)));
        }
        return pids;
    }

    /** Each node's pid file names a running java process, the one local-cluster printed. */
    private Map<String, Long> assertNodesRunAsProcesses(String started) throws IOException {
        Map<String, Long> pids = pidsPrinted(started);
        assertThat(pids).containsOnlyKeys("n1", "n2", "n3");
        for (Map.Entry<String, Long> node : pids.entrySet()) {
            assertThat(pidFileOf(node.getKey())).as("%s/node.pid", node.getKey()).isEqualTo(node.getValue());
            ProcessHandle process = ProcessHandle.of(node.getValue()).orElseThrow();
            assertThat(process.isAlive()).isTrue();
            assertThat(process.parent().map(ProcessHandle::pid)).as("parent of %s", node.getKey())
                    .contains(cluster.pid());
            assertThat(Path.of(process.info().command().orElseThrow()).getFileName().toString()).isEqualTo("java");
            List<String> arguments = process.info().arguments().map(List::of).orElseThrow();
            assertThat(arguments).containsSubsequence("io.meridian.cli.Meridian", "node", "start", "--data-dir",
                    "meridian-data/" + node.getKey());
            // What `ps` shows holds paths of key files, never a key.
            for (String key : keyBodies()) {
                assertThat(String.join(" ", arguments)).as("command line of %s", node.getKey()).doesNotContain(key)
                        .doesNotContain("PRIVATE KEY");
            }
        }
        return pids;
    }

    /** The start of the base64 body of every private key local-cluster made (the CA's and each node's). */
    private List<String> keyBodies() throws IOException {
        List<String> bodies = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(data().resolve("tls"))) {
            for (Path key : files.filter(file -> file.toString().endsWith(".key")).sorted().toList()) {
                String body = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                bodies.add(body.substring(0, Math.min(48, body.length())));
            }
        }
        assertThat(bodies).as("keys in meridian-data/tls").hasSizeGreaterThanOrEqualTo(4);
        return bodies;
    }

    /** No private key rests in a node's data directory: its Raft log, snapshots, logs or console output. */
    private void assertNoKeyInNodeDirectories() throws IOException {
        List<String> bodies = keyBodies();
        for (String id : List.of("n1", "n2", "n3")) {
            try (java.util.stream.Stream<Path> files = Files.walk(data().resolve(id))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(text).as("%s", file).doesNotContain("PRIVATE KEY");
                    for (String body : bodies) {
                        assertThat(text).as("%s", file).doesNotContain(body);
                    }
                }
            }
        }
    }

    private static void assertGone(Map<String, Long> pids) {
        for (Map.Entry<String, Long> node : pids.entrySet()) {
            await(node.getKey() + " (pid " + node.getValue() + ") gone").atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(node.getValue()).map(p -> !p.isAlive()).orElse(true));
        }
    }

    /** Every node answers, at the same applied index with the same state digest. */
    private void awaitConverged() {
        await("every node at the same applied index with the same digest").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StatusReply status = status();
                    assertThat(status.getMembersList()).hasSize(3).allSatisfy(member -> {
                        assertThat(member.getError()).isEmpty();
                        assertThat(member.getAppliedIndex()).isEqualTo(status.getMembers(0).getAppliedIndex());
                        assertThat(member.getStateDigest()).isEqualTo(status.getMembers(0).getStateDigest());
                    });
                });
    }

    @AfterEach
    void stopCluster() throws InterruptedException {
        if (byHand != null && byHand.isAlive()) {
            byHand.destroy();
            if (!byHand.waitFor(30, TimeUnit.SECONDS)) {
                byHand.destroyForcibly();
            }
        }
        if (cluster != null && cluster.isAlive()) {
            cluster.destroy();
            if (!cluster.waitFor(30, TimeUnit.SECONDS)) {
                cluster.destroyForcibly();
            }
        }
        // A local-cluster that had to be killed leaves its nodes running, their pids in their files.
        for (String id : List.of("n1", "n2", "n3")) {
            try {
                ProcessHandle.of(pidFileOf(id)).ifPresent(ProcessHandle::destroyForcibly);
            } catch (IOException | NumberFormatException noPidFile) {
                // not running
            }
        }
    }

    @Test
    void localClusterServesTheCliSurvivesAKilledNodeStopsOnCtrlCAndRestartsWithItsState() throws Exception {
        int base = freeBasePort();
        Path out = work.resolve("cluster.out");
        Path err = work.resolve("cluster.err");
        String started = startCluster(base, out, err);
        assertThat(started).contains("starting 3 nodes in " + data() + ", a process each")
                .containsPattern("ready in [0-9.]+ s, leader n[123]")
                .containsPattern("(?m)^NODE +ROLE +API +RAFT +DATA +PID$")
                .contains("MERIDIAN_ENDPOINTS=127.0.0.1:" + (base + 101) + ",127.0.0.1:" + (base + 102)
                        + ",127.0.0.1:" + (base + 103));
        assertThat(data().resolve("endpoints")).exists();
        Map<String, Long> pids = assertNodesRunAsProcesses(started);

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

        // kill -9 the leader's process: the other two elect a leader and keep serving writes.
        String victim = status().getLeaderId();
        assertThat(victim).isIn("n1", "n2", "n3");
        long victimPid = pidFileOf(victim);
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(victimPid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
        String exited = victim + " (pid " + victimPid + ") exited with code 137 (SIGKILL); restart it with: "
                + "./meridian node start --data-dir meridian-data/" + victim;
        await("local-cluster reports " + victim + " exited").atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(out).contains(exited));
        assertThat(data().resolve(victim).resolve("node.pid")).doesNotExist();
        assertThat(cluster.isAlive()).as("local-cluster keeps running").isTrue();
        assertThat(ok("shards", "split", "2", "--at", "t", "--timeout", "30s").out()).contains("shard 2: split at 't'");
        assertThat(ok("cluster", "status").out()).containsPattern("(?m)^" + victim + " +unreachable ");

        // Restarted by hand as local-cluster says, it logs where it did and catches up.
        Path restartedOut = work.resolve(victim + "-by-hand.out");
        byHand = meridian(List.of("node", "start", "--data-dir", "meridian-data/" + victim))
                .redirectErrorStream(true).redirectOutput(restartedOut.toFile()).start();
        await(victim + " restarted by hand").atMost(Duration.ofSeconds(90)).until(() -> {
            assertThat(byHand.isAlive()).as("%s by hand; it printed: %s", victim, Files.readString(restartedOut))
                    .isTrue();
            return Files.readString(restartedOut).contains("node " + victim + " started");
        });
        awaitConverged();
        byHand.destroy();
        assertThat(byHand.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(restartedOut)).contains("node " + victim + " stopped");
        assertThat(Files.readString(data().resolve(victim).resolve("logs").resolve("meridian.log")))
                .contains(victim + ": Started: ").contains("(restarted on existing data)");

        for (String id : List.of("n1", "n2", "n3")) {
            if (!id.equals(victim)) {
                assertThat(ok("cluster", "snapshot", "--node", id).out()).contains("wrote a snapshot at index");
            }
        }
        int exit = interrupt();
        assertThat(exit).isIn(130, 143);
        assertThat(Files.readString(out)).contains("stopping 2 nodes")
                .contains("stopped; the data stays in " + data());
        assertThat(Files.readString(err)).as("nothing but the launcher on the console").isEmpty();
        assertGone(pids);
        for (String id : List.of("n1", "n2", "n3")) {
            assertThat(data().resolve(id).resolve("node.pid")).doesNotExist();
            assertThat(Files.readString(data().resolve(id).resolve("logs").resolve("meridian.log")))
                    .contains(id + ": ");
            assertThat(Files.readString(data().resolve(id).resolve("node.out"))).contains("node " + id + " started");
        }
        assertNoKeyInNodeDirectories();
        Run down = cli("cluster", "status", "--timeout", "2s");
        assertThat(down.exit()).isEqualTo(3);

        Path out2 = work.resolve("cluster2.out");
        String restarted = startCluster(base, out2, work.resolve("cluster2.err"));
        assertThat(restarted).contains("restarting 3 nodes in");
        Map<String, Long> pids2 = assertNodesRunAsProcesses(restarted);
        assertThat(shards()).extracting(ShardRecord::getShardId).containsExactly(1L, 2L, 3L);
        assertThat(ok("scheduler", "status").out()).startsWith("paused: e2e");
        assertThat(ok("token", "list").out().lines().filter(line -> line.contains("issued"))).hasSize(1);
        awaitConverged();
        interrupt();
        assertThat(Files.readString(out2)).contains("stopping 3 nodes").contains("stopped; the data stays in");
        assertGone(pids2);
    }

    private StatusReply status() throws Exception {
        Run json = ok("cluster", "status", "-o", "json");
        StatusReply.Builder status = StatusReply.newBuilder();
        JsonFormat.parser().merge(json.out(), status);
        return status.build();
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
