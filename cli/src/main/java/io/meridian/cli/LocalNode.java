package io.meridian.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One node of `meridian local-cluster`: `meridian node start` in a JVM of its own, a child of
 * this process, so that killing it is a real single-node failure. Its console (stdout and stderr)
 * is appended to {@code <node dir>/node.out}; its pid is in {@code <node dir>/node.pid} while it
 * runs. Thread-safe: the process and its paths are fixed; the pid file is removed once, when the
 * process is seen to exit.
 */
final class LocalNode {

    /**
     * The child JVM's flags: a node's state is small; the serial collector needs no GC threads;
     * C1 alone, because JIT compiling is most of what several JVMs starting at once compete for:
     * measured on two busy cores, three nodes were ready in 8 to 18 s with it and 11 to 57 s
     * without (interleaved runs).
     */
    static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String id;
    private final Path dataDir;
    private final String apiAddress;
    private final String raftAddress;
    private final Process process;
    private final long consoleOffset;
    private final CompletableFuture<Integer> exited;

    private LocalNode(String id, Path dataDir, String apiAddress, String raftAddress, Process process,
            long consoleOffset) {
        this.id = id;
        this.dataDir = dataDir;
        this.apiAddress = apiAddress;
        this.raftAddress = raftAddress;
        this.process = process;
        this.consoleOffset = consoleOffset;
        this.exited = process.onExit().thenApply(ended -> {
            try {
                Files.deleteIfExists(pidFile(dataDir));
            } catch (IOException e) {
                // The exit is what matters to the caller; a stale pid file is checked before reuse.
            }
            return ended.exitValue();
        });
    }

    /**
     * Starts `meridian node start --data-dir DIR FLAGS...` with this JVM's java and class path,
     * and writes its pid file. A join token goes in the child's environment, never in its
     * command line; without one, the child does not inherit $MERIDIAN_JOIN_TOKEN either.
     */
    static LocalNode launch(String id, Path dataDir, String apiAddress, String raftAddress, List<String> flags,
            Optional<String> joinToken) throws IOException {
        Files.createDirectories(dataDir);
        List<String> nodeArgs = new ArrayList<>(List.of("node", "start", "--data-dir", dataDir.toString()));
        nodeArgs.addAll(flags);
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Meridian.class.getName()));
        command.addAll(nodeArgs);
        Path console = console(dataDir);
        // Every start appends to the same console file; a header tells them apart.
        Files.writeString(console, "==== " + LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                        + " local-cluster: meridian " + String.join(" ", nodeArgs) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long offset = Files.size(console);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        builder.environment().remove("MERIDIAN_JOIN_TOKEN");
        joinToken.ifPresent(token -> builder.environment().put("MERIDIAN_JOIN_TOKEN", token));
        Process process = builder.start();
        // Written before the exit handler that removes it is attached, so that it cannot outlive
        // a process that exits at once.
        Files.writeString(pidFile(dataDir), process.pid() + "\n", StandardCharsets.UTF_8);
        return new LocalNode(id, dataDir, apiAddress, raftAddress, process, offset);
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static Path pidFile(Path dataDir) {
        return dataDir.resolve("node.pid");
    }

    static Path console(Path dataDir) {
        return dataDir.resolve("node.out");
    }

    /**
     * The process a pid file names, if it still runs a JVM: a node an earlier local-cluster left
     * behind (it was killed with SIGKILL, so it could not stop its nodes).
     */
    static Optional<ProcessHandle> leftRunning(Path dataDir) throws IOException {
        Path file = pidFile(dataDir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(handle -> handle.info().command()
                .map(command -> Path.of(command).getFileName().toString().startsWith("java")).orElse(true));
    }

    String id() {
        return id;
    }

    Path dataDir() {
        return dataDir;
    }

    String apiAddress() {
        return apiAddress;
    }

    String raftAddress() {
        return raftAddress;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return !exited.isDone();
    }

    /** Completes with the exit code once the process exited and its pid file is gone. */
    CompletableFuture<Integer> exited() {
        return exited;
    }

    /** Asks the node to stop cleanly (SIGTERM), as Ctrl-C does to `node start`. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    void kill() {
        process.destroyForcibly();
    }

    /** Waits until the process exited or the deadline ({@link System#nanoTime()}) passed. */
    boolean awaitExit(long deadlineNanos) throws InterruptedException {
        try {
            exited.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(id + ": waiting for its exit failed", e.getCause());
        }
    }

    /** "code 137 (SIGKILL)": the JVM reports a process ended by signal S as 128 + S. */
    static String describeExit(int code) {
        if (code <= 128 || code > 128 + 64) {
            return "code " + code;
        }
        int signal = code - 128;
        String name = switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
        return "code " + code + " (" + name + ")";
    }

    /** The last line the node printed since it was started here (its error, when it failed). */
    String lastWords() {
        try {
            byte[] all = Files.readAllBytes(console(dataDir));
            int from = (int) Math.min(consoleOffset, all.length);
            String text = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
