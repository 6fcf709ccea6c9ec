package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.meridian.cli.Meridian;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.StatusReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Meridian nodes as separate JVMs (`meridian node start`, with this JVM's class path), each
 * writing its console to {@code <root>/<id>.out}, and the CLI run in this JVM against them.
 */
final class NodeProcesses implements AutoCloseable {

    /** What one CLI command printed and returned. */
    record Cli(int exit, String out, String err) {
    }

    private final Path root;
    private final Map<String, Process> processes = new TreeMap<>();
    private final Map<String, Integer> apiPorts = new TreeMap<>();
    private final Map<String, Integer> raftPorts = new TreeMap<>();

    NodeProcesses(Path root) {
        this.root = root;
    }

    /** Picks ports for a node; its raft address then is {@code 127.0.0.1:raftPort(id)}. */
    void allocate(String id) throws IOException {
        raftPorts.put(id, InProcessCluster.freePort());
        apiPorts.put(id, InProcessCluster.freePort());
    }

    String raftAddress(String id) {
        return "127.0.0.1:" + raftPorts.get(id);
    }

    String apiAddress(String id) {
        return "127.0.0.1:" + apiPorts.get(id);
    }

    /** The flags of a first start: id, data directory and addresses. */
    List<String> firstStart(String id) {
        return List.of("--id", id, "--data-dir", dataDir(id).toString(), "--raft-address", raftAddress(id),
                "--api-address", apiAddress(id));
    }

    Path dataDir(String id) {
        return root.resolve(id);
    }

    /** `meridian node start` with these flags, in a JVM of its own. */
    Process launch(String id, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Meridian.class.getName(), "node", "start"));
        command.addAll(args);
        if (!args.contains("--tls-ca")) {
            command.add("--insecure");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output(id).toFile())).start();
        processes.put(id, process);
        return process;
    }

    Path output(String id) {
        return root.resolve(id + ".out");
    }

    Process process(String id) {
        return processes.get(id);
    }

    /** The api addresses of these nodes, comma separated. */
    String endpoints(String... ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids.length == 0 ? apiPorts.keySet().toArray(String[]::new) : ids) {
            out.add(apiAddress(id));
        }
        return String.join(",", out);
    }

    /** A `meridian` command run in this JVM. */
    static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Meridian.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** `meridian cluster status -o json`, parsed: scripts read these field names. */
    StatusReply status(String... ids) throws IOException {
        Cli result = cli("cluster", "status", "-o", "json", "--endpoints", endpoints(ids));
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("\"leaderId\"", "\"term\"", "\"members\"", "\"appliedIndex\"",
                "\"stateDigest\"");
        StatusReply.Builder status = StatusReply.newBuilder();
        JsonFormat.parser().merge(result.out(), status);
        return status.build();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroy();
        }
        for (Process process : processes.values()) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
