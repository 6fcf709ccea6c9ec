package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.meridian.cli.Meridian;
import io.meridian.client.MeridianClient;
import io.meridian.core.testing.Entries;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.StatusReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `meridian node start` JVMs on loopback: the leader is killed with SIGKILL, the cluster keeps
 * serving, and the killed node restarts on its data directory alone and catches up.
 */
@Timeout(300)
class ProcessClusterIT {

    @TempDir
    Path root;

    private final Map<String, Process> processes = new TreeMap<>();
    private final Map<String, Integer> apiPorts = new TreeMap<>();
    private final Map<String, Integer> raftPorts = new TreeMap<>();

    private Process launch(String id, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Meridian.class.getName(), "node", "start"));
        command.addAll(List.of(args));
        Path out = root.resolve(id + ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        processes.put(id, process);
        return process;
    }

    private String endpoints() {
        return String.join(",", apiPorts.values().stream().map(port -> "127.0.0.1:" + port).toList());
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroy();
        }
        for (Process process : processes.values()) {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void theLeaderIsKilledTheClusterKeepsServingAndTheNodeComesBack() throws Exception {
        StringBuilder peers = new StringBuilder();
        for (String id : List.of("n1", "n2", "n3")) {
            raftPorts.put(id, InProcessCluster.freePort());
            apiPorts.put(id, InProcessCluster.freePort());
            peers.append(peers.length() == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(raftPorts.get(id));
        }
        long launched = System.nanoTime();
        for (String id : apiPorts.keySet()) {
            launch(id, "--id", id, "--data-dir", root.resolve(id).toString(), "--raft-address",
                    "127.0.0.1:" + raftPorts.get(id), "--api-address", "127.0.0.1:" + apiPorts.get(id),
                    "--peers", peers.toString(), "--labels", "zone=z" + id.substring(1));
        }
        try (MeridianClient client = MeridianClient.builder().endpoints(endpoints()).timeout(Duration.ofSeconds(20))
                .build()) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> client.topology().getBootstrapped());
            long firstLeaderMs = (System.nanoTime() - launched) / 1_000_000;
            for (int i = 0; i < 20; i++) {
                client.applyCatalogDdl(Entries.catalogDdl("p-" + i).getCatalogDdl());
            }
            StatusReply status = statusViaCli();
            String leader = status.getLeaderId();
            assertThat(status.getMembersList()).extracting(MemberStatus::getId).containsExactly("n1", "n2", "n3");

            long killed = System.nanoTime();
            processes.get(leader).destroyForcibly().waitFor();
            client.applyCatalogDdl(Entries.catalogDdl("after-kill").getCatalogDdl());
            long failoverMs = (System.nanoTime() - killed) / 1_000_000;
            for (int i = 0; i < 20; i++) {
                client.applyCatalogDdl(Entries.catalogDdl("q-" + i).getCatalogDdl());
            }

            launch(leader, "--data-dir", root.resolve(leader).toString());
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> converged(statusViaCli()));
            StatusReply after = statusViaCli();
            assertThat(after.getLeaderId()).isNotEqualTo(leader);
            assertThat(Files.readString(root.resolve(leader + ".out"))).contains("node " + leader + " started");
            System.out.printf("ProcessClusterIT: first leader ready %d ms after launch; after SIGKILL of leader %s "
                    + "the first write succeeded in %d ms%n", firstLeaderMs, leader, failoverMs);
        }
    }

    private static boolean converged(StatusReply status) {
        List<MemberStatus> members = status.getMembersList();
        return members.size() == 3 && members.stream().allMatch(m -> m.getError().isEmpty()
                && m.getAppliedIndex() == members.get(0).getAppliedIndex()
                && m.getStateDigest().equals(members.get(0).getStateDigest()));
    }

    /** `meridian cluster status -o json`, parsed: scripts read these field names. */
    private StatusReply statusViaCli() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Meridian.execute(new String[] {"cluster", "status", "-o", "json", "--endpoints", endpoints()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String json = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(json).contains("\"leaderId\"", "\"term\"", "\"members\"", "\"appliedIndex\"", "\"stateDigest\"");
        StatusReply.Builder status = StatusReply.newBuilder();
        JsonFormat.parser().merge(json, status);
        return status.build();
    }
}
