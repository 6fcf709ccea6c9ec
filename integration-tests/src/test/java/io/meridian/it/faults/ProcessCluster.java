package io.meridian.it.faults;

import static io.meridian.it.faults.HarnessLog.log;
import static org.awaitility.Awaitility.await;

import io.meridian.cli.Meridian;
import io.meridian.client.MeridianClient;
import io.meridian.node.testing.InProcessCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * N Meridian nodes as separate JVMs ({@code meridian node start} with this JVM's class path, as
 * the other process tests run them), whose Raft traffic passes through a {@link Network} of link
 * proxies, with the process-level faults the {@link Nemesis} needs: SIGKILL, restart on the data
 * directory, SIGSTOP and SIGCONT.
 *
 * <p>Addresses: node {@code nX} serves its API on {@code 127.0.0.1:API_X}, which the test's
 * clients use directly, and Raft on {@code nX.meridian.test:RAFT_X}. Each node JVM resolves names
 * through a hosts file of its own ({@code -Djdk.net.hosts.file}): its own name maps to 127.0.0.1,
 * where it binds; every other node's name maps to the loopback address of the directed link to
 * that node, where that link's proxy listens.
 *
 * <p>Files under the root: {@code <id>/} the data directory (node logs in {@code <id>/logs}),
 * {@code <id>.out} the console of every incarnation, {@code hosts-<id>} the hosts file.
 *
 * <p>Thread-safe; {@link #close} stops everything it started, resuming paused nodes first.
 */
public final class ProcessCluster implements AutoCloseable {

    public static final String DOMAIN = "meridian.test";

    private final Path root;
    private final List<String> ids;
    private final SortedMap<String, Integer> raftPorts;
    private final SortedMap<String, Integer> apiPorts;
    private final Duration electionTimeoutMin;
    private final Duration electionTimeoutMax;
    private final List<String> nodeFlags;
    private final List<String> jvmFlags;
    private final Duration clientTimeout;
    private final Network network;
    /** Concurrent, so that the shutdown hook needs no lock a stuck test thread might hold. */
    private final Map<String, Process> processes = new ConcurrentSkipListMap<>();
    private final Map<String, Integer> launches = new TreeMap<>();
    private final Set<String> paused = new TreeSet<>();
    private final List<MeridianClient> clients = new ArrayList<>();
    private final Observer observer;
    /** SIGKILLs the nodes if this JVM stops before {@link #close}: no node JVM outlives its test. */
    private final Thread orphanGuard = new Thread(this::killAll, "process-cluster-guard");

    private ProcessCluster(Builder builder, SortedMap<String, Integer> raftPorts, SortedMap<String, Integer> apiPorts,
            Network network) {
        this.root = builder.root;
        this.ids = List.copyOf(raftPorts.keySet());
        this.raftPorts = raftPorts;
        this.apiPorts = apiPorts;
        this.electionTimeoutMin = builder.electionTimeoutMin;
        this.electionTimeoutMax = builder.electionTimeoutMax;
        this.nodeFlags = List.copyOf(builder.nodeFlags);
        this.jvmFlags = List.copyOf(builder.jvmFlags);
        this.clientTimeout = builder.clientTimeout;
        this.network = network;
        this.observer = new Observer(this);
        Runtime.getRuntime().addShutdownHook(orphanGuard);
    }

    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Configures and starts a cluster. */
    public static final class Builder {
        private final Path root;
        private int nodes = 3;
        private Duration electionTimeoutMin = Duration.ofMillis(500);
        private Duration electionTimeoutMax = Duration.ofSeconds(1);
        private final List<String> nodeFlags = new ArrayList<>();
        /**
         * As NodeProcesses, plus C1 only: on two busy cores that halves a node JVM's start (about
         * 8 s to 4 s, measured), and every kill fault waits for one. Faults need no peak speed.
         */
        private final List<String> jvmFlags = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        private Duration clientTimeout = Duration.ofSeconds(20);
        private Duration startTimeout = Duration.ofSeconds(90);

        private Builder(Path root) {
            this.root = root;
        }

        public Builder nodes(int count) {
            if (count < 1 || count > 9) {
                throw new IllegalArgumentException("1 to 9 nodes, got " + count);
            }
            nodes = count;
            return this;
        }

        /** The nodes' election timeouts (--election-timeout-min/max); the nemesis sizes its faults from them. */
        public Builder electionTimeouts(Duration min, Duration max) {
            electionTimeoutMin = min;
            electionTimeoutMax = max;
            return this;
        }

        /**
         * More `node start` flags, given at every start and restart (such as --snapshot-threshold
         * 200): a node keeps only its identity in its data directory, not its tuning.
         */
        public Builder nodeFlags(String... flags) {
            nodeFlags.addAll(List.of(flags));
            return this;
        }

        /** The node JVMs' flags, instead of the defaults (-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1). */
        public Builder jvmFlags(String... flags) {
            jvmFlags.clear();
            jvmFlags.addAll(List.of(flags));
            return this;
        }

        /** The timeout of the clients {@link ProcessCluster#client} builds. */
        public Builder clientTimeout(Duration value) {
            clientTimeout = value;
            return this;
        }

        /** How long {@link #start} waits for the cluster to elect a leader and bootstrap. */
        public Builder startTimeout(Duration value) {
            startTimeout = value;
            return this;
        }

        /** Starts the proxies and the nodes; returns once every node answers and a leader is agreed. */
        public ProcessCluster start() throws IOException {
            Files.createDirectories(root);
            SortedMap<String, Integer> raft = new TreeMap<>();
            SortedMap<String, Integer> api = new TreeMap<>();
            for (int i = 1; i <= nodes; i++) {
                raft.put("n" + i, InProcessCluster.freePort());
                api.put("n" + i, InProcessCluster.freePort());
            }
            Network network = Network.start(raft);
            ProcessCluster cluster;
            try {
                cluster = new ProcessCluster(this, raft, api, network);
            } catch (RuntimeException e) {
                network.close();
                throw e;
            }
            try {
                long launched = System.nanoTime();
                cluster.firstStart();
                Observer.Leader leader = cluster.observer.awaitReady(startTimeout);
                log("cluster ready %d ms after launch: %s leads term %d", HarnessLog.millis(launched,
                        System.nanoTime()), leader.id(), leader.term());
                return cluster;
            } catch (IOException | RuntimeException | Error e) {
                try {
                    cluster.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
    }

    private void firstStart() throws IOException {
        long started = System.nanoTime();
        List<String> peers = new ArrayList<>();
        for (String id : ids) {
            peers.add(id + "=" + raftAddress(id));
            writeHostsFile(id);
        }
        for (String id : ids) {
            List<String> args = new ArrayList<>(List.of("--id", id, "--data-dir", dataDir(id).toString(),
                    "--raft-address", raftAddress(id), "--api-address", apiAddress(id),
                    "--peers", String.join(",", peers)));
            launch(id, args);
        }
        log("launched %s (raft through link proxies, election timeout %d-%d ms) in %d ms; root %s", ids,
                electionTimeoutMin.toMillis(), electionTimeoutMax.toMillis(),
                HarnessLog.millis(started, System.nanoTime()), root);
    }

    /**
     * The node's own name at 127.0.0.1 (where it binds), each peer's name at the link's address,
     * and this machine's names: with a hosts file the JDK asks nothing else, so a name missing here
     * does not resolve at all.
     */
    private void writeHostsFile(String id) throws IOException {
        StringBuilder hosts = new StringBuilder("# ").append(id)
                .append(": Raft peers through the harness's link proxies\n");
        hosts.append("127.0.0.1 localhost");
        try {
            hosts.append(' ').append(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            // no name for this machine: nothing to map
        }
        hosts.append('\n');
        int self = ids.indexOf(id) + 1;
        for (String peer : ids) {
            int other = ids.indexOf(peer) + 1;
            String address = peer.equals(id) ? "127.0.0.1" : Network.linkAddress(self, other).getHostAddress();
            hosts.append(address).append(' ').append(hostName(peer)).append('\n');
        }
        Files.writeString(hostsFile(id), hosts.toString(), StandardCharsets.UTF_8);
    }

    private synchronized Process launch(String id, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-Djdk.net.hosts.file=" + hostsFile(id), "-cp", System.getProperty("java.class.path"),
                Meridian.class.getName(), "node", "start"));
        command.addAll(args);
        command.addAll(List.of("--election-timeout-min", electionTimeoutMin.toMillis() + "ms",
                "--election-timeout-max", electionTimeoutMax.toMillis() + "ms"));
        command.addAll(nodeFlags);
        command.add("--insecure");
        int launch = launches.merge(id, 1, Integer::sum);
        // Every incarnation appends to one console file; a header tells them apart.
        Files.writeString(console(id), "==== " + LocalTime.now() + " launch " + launch + ": node start "
                + String.join(" ", command.subList(command.indexOf("start") + 1, command.size())) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console(id).toFile())).start();
        processes.put(id, process);
        return process;
    }

    // ---- Addresses and files. ----

    public List<String> ids() {
        return ids;
    }

    /** The node's Raft host name, which every node resolves through its own hosts file. */
    public static String hostName(String id) {
        return id + "." + DOMAIN;
    }

    public String raftAddress(String id) {
        return hostName(id) + ":" + port(raftPorts, id);
    }

    public String apiAddress(String id) {
        return "127.0.0.1:" + port(apiPorts, id);
    }

    /** The api addresses of these nodes (all when none are named), comma separated. */
    public String endpoints(Collection<String> nodes) {
        List<String> out = new ArrayList<>();
        for (String id : nodes.isEmpty() ? ids : nodes) {
            out.add(apiAddress(id));
        }
        return String.join(",", out);
    }

    public Path root() {
        return root;
    }

    public Path dataDir(String id) {
        return root.resolve(id);
    }

    /** The node's console (stdout and stderr of every incarnation). */
    public Path console(String id) {
        return root.resolve(id + ".out");
    }

    public Path hostsFile(String id) {
        return root.resolve("hosts-" + id);
    }

    public Duration electionTimeoutMax() {
        return electionTimeoutMax;
    }

    public Network network() {
        return network;
    }

    public Observer observer() {
        return observer;
    }

    /** Every node but these. */
    public List<String> others(Collection<String> excluded) {
        return ids.stream().filter(id -> !excluded.contains(id)).toList();
    }

    private int port(Map<String, Integer> ports, String id) {
        Integer port = ports.get(id);
        if (port == null) {
            throw new IllegalArgumentException("no node " + id + "; nodes are " + ids);
        }
        return port;
    }

    /** A client of these nodes (all when none are named), closed with the cluster. */
    public MeridianClient client(String... nodes) {
        MeridianClient client = MeridianClient.builder().endpoints(endpoints(List.of(nodes)))
                .timeout(clientTimeout).build();
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    // ---- Processes and faults. ----

    public synchronized boolean isRunning(String id) {
        Process process = processes.get(id);
        return process != null && process.isAlive();
    }

    public synchronized boolean isPaused(String id) {
        return paused.contains(id);
    }

    /** The pid of the node's current incarnation, or -1 when it is not running. */
    public synchronized long pid(String id) {
        Process process = processes.get(id);
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** How many times the node was launched. */
    public synchronized int launches(String id) {
        return launches.getOrDefault(id, 0);
    }

    /** SIGKILL; returns the exit code once the process is gone (137 after a SIGKILL). */
    public synchronized int kill(String id) throws InterruptedException {
        Process process = processes.get(id);
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(id + " is not running");
        }
        // SIGKILL ends a stopped process too; it just is no longer paused afterwards.
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(id + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
        paused.remove(id);
        return process.exitValue();
    }

    /**
     * Starts the node again on its data directory: `node start --data-dir` and the tuning flags,
     * no identity (the data directory has it).
     */
    public synchronized void restart(String id) throws IOException {
        if (isRunning(id)) {
            throw new IllegalStateException(id + " is still running (pid " + pid(id) + ")");
        }
        launch(id, List.of("--data-dir", dataDir(id).toString()));
    }

    /**
     * SIGSTOP: the node freezes, sockets open, as in a long GC pause or a stalled VM. Returns once
     * the kernel reports the process stopped: kill returns when the signal is sent, not delivered.
     */
    public synchronized void pause(String id) throws IOException, InterruptedException {
        signal(id, "STOP");
        paused.add(id);
        awaitState(id, "stopped", state -> state == 'T');
    }

    /** SIGCONT; returns once the kernel no longer reports the process stopped. */
    public synchronized void resume(String id) throws IOException, InterruptedException {
        signal(id, "CONT");
        paused.remove(id);
        awaitState(id, "running again", state -> state != 'T');
    }

    private void awaitState(String id, String what, Predicate<Character> wanted) {
        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).pollInSameThread()
                    .until(() -> wanted.test(processState(id)));
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(id + " (pid " + pid(id) + ") not " + what + " 5 s after the signal; "
                    + "state '" + processState(id) + "'", e);
        }
    }

    /** The kernel's state letter of the node's process (R, S, T for stopped, ...), or '-' when gone. */
    public char processState(String id) {
        long pid = pid(id);
        if (pid < 0) {
            return '-';
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name, in parentheses, may hold spaces; the state follows it.
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '-';
        }
    }

    private void signal(String id, String signal) throws IOException, InterruptedException {
        long pid = pid(id);
        if (pid < 0) {
            throw new IllegalStateException(id + " is not running");
        }
        Process kill = new ProcessBuilder("/bin/kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                .start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output.strip());
        }
    }

    private void killAll() {
        processes.values().forEach(Process::destroyForcibly);
    }

    /**
     * Stops everything: resumes paused nodes (a stopped process ignores SIGTERM until it runs
     * again), closes the clients, sends every node SIGTERM, SIGKILLs what is left after 15 s, and
     * stops the link proxies.
     */
    @Override
    public void close() {
        List<Throwable> failures = new ArrayList<>();
        synchronized (this) {
            for (String id : new ArrayList<>(paused)) {
                try {
                    resume(id);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    failures.add(e);
                }
            }
        }
        observer.close();
        synchronized (clients) {
            clients.forEach(MeridianClient::close);
            clients.clear();
        }
        long stopping = System.nanoTime();
        List<Process> running;
        synchronized (this) {
            running = processes.values().stream().filter(Process::isAlive).toList();
        }
        running.forEach(Process::destroy);
        for (Process process : running) {
            try {
                long left = Math.max(0, TimeUnit.SECONDS.toNanos(15) - (System.nanoTime() - stopping));
                if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    failures.add(new IllegalStateException("pid " + process.pid() + " ignored SIGTERM for 15 s"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                failures.add(e);
            }
        }
        if (!running.isEmpty()) {
            log("stopped %d nodes with SIGTERM in %d ms", running.size(),
                    HarnessLog.millis(stopping, System.nanoTime()));
        }
        try {
            network.close();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran: nothing to remove
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("closing the cluster: " + failures.get(0),
                    failures.get(0));
            failures.subList(1, failures.size()).forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
