package io.meridian.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one benchmark cluster: each writes its console to {@code <dir>/<name>.out}; all
 * are stopped on close, forcibly when they do not stop within 20 seconds.
 */
final class Procs implements AutoCloseable {

    /** The JVM options of every server JVM a benchmark starts, Meridian and bare Ratis alike. */
    static final List<String> SERVER_JVM = List.of("-Xms256m", "-Xmx512m", "-XX:+UseSerialGC");

    private final Path dir;
    private final Map<String, Process> running = new TreeMap<>();

    Procs(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    Path dir() {
        return dir;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** A JVM with this one's class path running {@code mainClass}. */
    Process java(String name, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(SERVER_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        return exec(name, command);
    }

    Process exec(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile())).start();
        running.put(name, process);
        return process;
    }

    Path log(String name) {
        return dir.resolve(name + ".out");
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill(String name) throws InterruptedException {
        Process process = running.remove(name);
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    boolean alive(String name) {
        Process process = running.get(name);
        return process != null && process.isAlive();
    }

    /** The last lines a process printed, for an error message. */
    String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(log(name));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : running.values()) {
            process.destroy();
        }
        for (Process process : running.values()) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        running.clear();
    }
}
