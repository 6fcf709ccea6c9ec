package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.client.sim.Simulator;
import io.meridian.node.HostPort;
import io.meridian.node.MeridianNode;
import io.meridian.node.NodeIdentity;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import io.meridian.proto.TopologyReply;
import io.meridian.proto.AccessRole;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.CertificateSubject;
import io.meridian.security.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `meridian local-cluster`: a cluster on loopback, in the foreground, for trying Meridian and for
 * development. Each node nI is a `meridian node start` process of its own (see {@link LocalNode}),
 * so that `kill -9` of one is a real single-node failure; this process launches them, waits until
 * the cluster serves (asking the nodes through their API, as any client would), reports a node
 * that exits, and stops them all on Ctrl-C. Node nI listens for Raft on base+I and serves the API
 * on base+100+I; its data and its log are under {@code <data-dir>/nI}.
 *
 * <p>Thread-safety: the command runs once, on the main thread; the nodes' exit handlers and the
 * shutdown hook share only the list of nodes (copy-on-write) and the stopping flag.
 */
@Command(name = "local-cluster", mixinStandardHelpOptions = true,
        description = {"Start a cluster on this machine, in the foreground.",
                "Each node runs as a process of its own (`meridian node start`), its pid in <data-dir>/nI/node.pid: "
                        + "`kill -9` one to practise losing a node. Ctrl-C stops them all cleanly.",
                "Running it again reuses the data directory and restarts the same cluster.",
                "The CLI finds it by itself when run from the same directory (it reads <data-dir>/endpoints); "
                        + "elsewhere, export the MERIDIAN_ENDPOINTS line it prints."},
        footer = {"", "Examples:", "  meridian local-cluster",
                "  meridian local-cluster --data-dir /tmp/m --base-port 9000"})
final class LocalClusterCommand implements Callable<Integer> {

    static final int MAX_NODES = 7;
    private static final int INITIAL_MEMBERS = 3;
    private static final long LEADER_PATIENCE_MS = 60_000;
    /** How long a node may take to stop cleanly before it is killed; nodes stop in parallel. */
    private static final long STOP_PATIENCE_MS = 20_000;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", converter = Converters.CountConverter.class,
            description = "How many nodes, 1 to " + MAX_NODES + " (default: ${DEFAULT-VALUE}); nodes beyond the "
                    + "first three join the running cluster with a token, as learners.")
    int nodes;

    @Option(names = "--data-dir", defaultValue = "meridian-data", paramLabel = "DIR",
            description = "Where the nodes keep their data and logs, node nI in DIR/nI (default: ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--base-port", defaultValue = "7000", paramLabel = "PORT",
            converter = Converters.CountConverter.class,
            description = "Node nI uses base+I for Raft and base+100+I for the API (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--simulate", description = "Also run the simulated data plane (see `meridian simulate`): "
            + "skewed load that makes the scheduler split shards, spread replicas onto joined nodes and balance; "
            + "shows the cluster converging. Sets the scheduler's tick-interval to 1s, max-actions-per-tick to 10 "
            + "and cooldown to 30s.")
    boolean simulate;

    @Option(names = "--insecure", description = "Run without TLS: plaintext on both ports, and anyone who reaches "
            + "them administers the cluster. For experiments only. (By default the cluster gets a CA and "
            + "certificates in DIR/tls, and the CLI finds them there.)")
    boolean insecure;

    @Spec
    CommandSpec spec;

    /**
     * How one node starts: `node start --data-dir DIR` and these flags. A restart needs no flag (the
     * node remembers the rest in its data directory); a joining node gets --join and its token when
     * it is launched.
     */
    record NodeLaunch(String id, Path dataDir, String apiAddress, String raftAddress, List<String> flags) {
    }

    /** Which nodes start how: restarted from their data, as initial members, or joining by token. */
    record Plan(List<NodeLaunch> starting, List<NodeLaunch> joining, boolean restart) {
    }

    /** The cluster once it serves: who leads, and each node's Raft role as the node reports it. */
    record Ready(String leader, Map<String, String> roles) {
    }

    private final List<LocalNode> running = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new CliException(ExitCode.USAGE, "--nodes must be between 1 and " + MAX_NODES + ", got " + nodes);
        }
        if (basePort < 1024 || basePort + 100 + nodes > 65535) {
            throw new CliException(ExitCode.USAGE, "--base-port must leave room for its ports between 1024 and "
                    + "65535, got " + basePort);
        }
        Plan plan = plan();
        refuseNodesLeftRunning();
        refusePortsInUse(plan);
        Files.createDirectories(dataDir);
        if (!plan.restart()) {
            out.println(insecure ? "WITHOUT TLS (--insecure): plaintext on every port, and anyone who reaches them "
                    + "administers the cluster" : "mutual TLS on every port; CA and certificates in "
                    + tlsDir().toAbsolutePath() + " (the CLI uses admin.crt there)");
        }
        // This process only talks to the nodes, as a client does; each node logs in its own directory.
        Logging.forClient(false);
        out.println((plan.restart() ? "restarting " : "starting ") + plan.starting().size() + " nodes in "
                + dataDir.toAbsolutePath() + ", a process each (logs: " + dataDir.resolve("n*").resolve("logs")
                .resolve("meridian.log") + ")");
        out.flush();
        long begin = System.nanoTime();
        Thread hook = new Thread(() -> stopAll(out), "meridian-local-cluster-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Ready ready;
        try {
            for (NodeLaunch node : plan.starting()) {
                running.add(LocalNode.launch(node.id(), node.dataDir(), node.apiAddress(), node.raftAddress(),
                        node.flags(), Optional.empty()));
            }
            ready = awaitReady("the cluster did not start", out);
            for (NodeLaunch joiner : plan.joining()) {
                join(joiner);
                ready = awaitReady(joiner.id() + " did not join", out);
                out.println("  " + joiner.id() + " joined with a token");
                out.flush();
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (stopping.get()) {
                // Ctrl-C while starting: the shutdown hook stops the nodes, and the process exits.
                stopped.await();
                return ExitCode.OK;
            }
            stopAll(out);
            removeHook(hook);
            if (e instanceof IOException io) {
                throw new CliException(ExitCode.REFUSED, "the cluster did not start: " + io.getMessage());
            }
            throw e;
        }
        String endpoints = endpoints();
        Files.writeString(dataDir.resolve("endpoints"), endpoints + "\n", StandardCharsets.UTF_8);
        out.println("ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) / 100 / 10.0 + " s, "
                + "leader " + ready.leader());
        Output.Table table = Output.table("NODE", "ROLE", "API", "RAFT", "DATA", "PID");
        boolean learners = false;
        for (LocalNode node : running) {
            String role = ready.roles().get(node.id());
            learners |= "LISTENER".equals(role);
            table.row(node.id(), node.id().equals(ready.leader()) ? "leader"
                    : "LISTENER".equals(role) ? "learner" : "follower",
                    node.apiAddress(), node.raftAddress(), node.dataDir(), node.pid());
        }
        table.print(out);
        out.println("MERIDIAN_ENDPOINTS=" + endpoints);
        if (learners) {
            out.println("Learners do not vote: `./meridian cluster policy --target-voters " + Math.min(nodes, 5)
                    + "` promotes them once they caught up.");
        }
        out.println("Each node is a process: `kill -9` a PID to practise losing that node.");
        out.println("Ctrl-C stops the cluster; try `./meridian cluster status` in another terminal.");
        out.flush();
        for (LocalNode node : running) {
            node.exited().thenAccept(code -> reportExit(node, code, out));
        }
        if (simulate) {
            simulate(endpoints, clientTls(), out);
        }
        stopped.await();
        return ExitCode.OK;
    }

    /**
     * A node that exits while the cluster runs (killed, or failed) is reported with how to start it
     * again; the others keep running.
     */
    private void reportExit(LocalNode node, int code, PrintWriter out) {
        if (stopping.get()) {
            return;
        }
        out.println(node.id() + " (pid " + node.pid() + ") exited with " + LocalNode.describeExit(code)
                + "; restart it with: ./meridian node start --data-dir " + node.dataDir());
        out.flush();
    }

    /** The next node joins through the running ones, with a token issued for it, in its environment. */
    private void join(NodeLaunch joiner) throws IOException {
        String token;
        try (MeridianClient client = MeridianClient.builder().endpoints(endpoints()).tls(clientTls())
                .timeout(Duration.ofSeconds(30)).build()) {
            token = client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                    .setRole(RaftRoleProto.RAFT_ROLE_VOTER).build()).getToken();
        }
        List<String> flags = new ArrayList<>(joiner.flags());
        flags.addAll(List.of("--join", endpoints()));
        running.add(LocalNode.launch(joiner.id(), joiner.dataDir(), joiner.apiAddress(), joiner.raftAddress(), flags,
                Optional.of(token)));
    }

    private String endpoints() {
        return String.join(",", running.stream().map(LocalNode::apiAddress).toList());
    }

    /**
     * SIGTERM to every node still running, at once; each gets {@link #STOP_PATIENCE_MS} to stop
     * cleanly, then SIGKILL. Runs once: from the shutdown hook (Ctrl-C), or when the start failed.
     */
    private void stopAll(PrintWriter out) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            List<LocalNode> alive = running.stream().filter(LocalNode::isAlive).toList();
            out.println();
            out.println("stopping " + alive.size() + (alive.size() == 1 ? " node" : " nodes"));
            out.flush();
            alive.forEach(LocalNode::terminate);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_PATIENCE_MS);
            for (LocalNode node : alive) {
                if (!node.awaitExit(deadline)) {
                    out.println("  " + node.id() + " (pid " + node.pid() + ") did not stop within "
                            + STOP_PATIENCE_MS / 1000 + " s; killed it");
                    out.flush();
                    node.kill();
                    node.awaitExit(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                }
            }
            out.println("stopped; the data stays in " + dataDir.toAbsolutePath());
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.forEach(LocalNode::kill);
        } finally {
            stopped.countDown();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs already, or ran
        }
    }

    /**
     * A node whose pid file names a live JVM still runs from an earlier local-cluster that was
     * killed before it could stop its nodes: starting again would fight it for its ports and data.
     */
    private void refuseNodesLeftRunning() throws IOException {
        List<String> left = new ArrayList<>();
        List<Long> pids = new ArrayList<>();
        for (int i = 1; i <= MAX_NODES; i++) {
            Optional<ProcessHandle> process = LocalNode.leftRunning(dataDir.resolve("n" + i));
            if (process.isPresent()) {
                left.add("n" + i + " (pid " + process.get().pid() + ")");
                pids.add(process.get().pid());
            }
        }
        if (!left.isEmpty()) {
            throw new CliException(ExitCode.REFUSED, String.join(", ", left) + " still running from an earlier "
                    + "local-cluster that did not stop " + (left.size() == 1 ? "it" : "them") + " (" + dataDir
                    + "/nI/node.pid); stop " + (left.size() == 1 ? "it" : "them") + " first: kill "
                    + String.join(" ", pids.stream().map(String::valueOf).toList()));
        }
    }

    /**
     * A node's port in use is most often that node, started by hand (as a node that exited is told
     * to be): say so, rather than let the node fail on its locked storage or its port.
     */
    private static void refusePortsInUse(Plan plan) {
        List<NodeLaunch> all = new ArrayList<>(plan.starting());
        all.addAll(plan.joining());
        for (NodeLaunch node : all) {
            for (String[] port : new String[][] {{"API", node.apiAddress()}, {"Raft", node.raftAddress()}}) {
                HostPort address = HostPort.parse(port[0], port[1]);
                try (ServerSocket socket = new ServerSocket()) {
                    socket.setReuseAddress(true);
                    socket.bind(address.toSocketAddress());
                } catch (IOException e) {
                    throw new CliException(ExitCode.REFUSED, node.id() + "'s " + port[0] + " address " + address
                            + " is in use: by " + node.id() + ", started by hand? Stop it first (a new --data-dir "
                            + "can take other ports: --base-port)");
                }
            }
        }
    }

    /**
     * Polls until every node answers and names the same leader, topology is bootstrapped and lists
     * every node with its api address; says what it waits for while it takes a while. A node that
     * exits meanwhile fails the start, with the last line it printed.
     */
    private Ready awaitReady(String failure, PrintWriter out) throws InterruptedException {
        long start = System.nanoTime();
        String noted = "";
        long notedAt = 0;
        // Made once every node accepts connections: a gRPC channel that could not connect waits a
        // growing backoff before it tries again, which would keep "ready" seconds behind the nodes.
        MeridianClient probe = null;
        try {
            while (true) {
                for (LocalNode node : running) {
                    if (!node.isAlive()) {
                        String said = node.lastWords().replaceFirst("^error: ", "");
                        throw new CliException(ExitCode.REFUSED, failure + ": " + node.id() + " exited with "
                                + LocalNode.describeExit(node.exited().join()) + (said.isEmpty() ? "" : ": " + said)
                                + " (its console: " + LocalNode.console(node.dataDir()) + ")");
                    }
                }
                List<String> closed = probe != null ? List.of() : running.stream()
                        .filter(node -> !accepts(node.apiAddress())).map(LocalNode::id).toList();
                if (probe == null && closed.isEmpty()) {
                    probe = MeridianClient.builder().endpoints(endpoints()).tls(clientTls())
                            .timeout(Duration.ofSeconds(2)).build();
                }
                Poll poll = probe == null ? Poll.waiting(String.join(", ", closed) + " to start") : poll(probe);
                if (poll.ready().isPresent()) {
                    return poll.ready().get();
                }
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (elapsed > LEADER_PATIENCE_MS) {
                    throw new CliException(ExitCode.UNAVAILABLE, "not ready after " + elapsed / 1000 + " s, still "
                            + poll.waitingFor() + "; see the nodes' logs ("
                            + dataDir.resolve("n*").resolve("logs").resolve("meridian.log") + ")");
                }
                // After two seconds, a note when what it waits for changes, and every five seconds.
                boolean changed = !poll.waitingFor().equals(noted) && elapsed - notedAt >= 1_000;
                if (elapsed >= 2_000 && (changed || elapsed - notedAt >= 5_000)) {
                    out.println("  " + poll.waitingFor() + " (" + elapsed / 1000 + " s)");
                    out.flush();
                    noted = poll.waitingFor();
                    notedAt = elapsed;
                }
                Thread.sleep(100);
            }
        } finally {
            if (probe != null) {
                probe.close();
            }
        }
    }

    /** Whether something listens at this address on loopback, asked with a bare TCP connection. */
    private static boolean accepts(String address) {
        try (Socket socket = new Socket()) {
            socket.connect(HostPort.parse("api address", address).toSocketAddress(), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One look at the cluster: ready, or what it still waits for. */
    record Poll(Optional<Ready> ready, String waitingFor) {
        static Poll waiting(String what) {
            return new Poll(Optional.empty(), "waiting for " + what);
        }
    }

    private Poll poll(MeridianClient probe) {
        Map<String, String> roles = new TreeMap<>();
        List<String> silent = new ArrayList<>();
        TreeMap<String, Integer> leaders = new TreeMap<>();
        for (LocalNode node : running) {
            try {
                MemberStatus status = probe.metadata().localStatus(node.apiAddress());
                roles.put(node.id(), status.getRole());
                leaders.merge(status.getLeaderId(), 1, Integer::sum);
            } catch (MeridianException e) {
                silent.add(node.id());
            }
        }
        if (!silent.isEmpty()) {
            return Poll.waiting(String.join(", ", silent) + " to start");
        }
        if (leaders.size() != 1 || leaders.firstKey().isEmpty()) {
            return Poll.waiting("a leader");
        }
        String leader = leaders.firstKey();
        try {
            TopologyReply topology = probe.metadata().topology();
            if (!topology.getBootstrapped()) {
                return Poll.waiting("the cluster to bootstrap");
            }
            Map<String, NodeRecord> known = new TreeMap<>();
            for (NodeInfo info : topology.getNodesList()) {
                known.put(info.getNode().getNodeId(), info.getNode());
            }
            List<String> unknown = new ArrayList<>();
            for (LocalNode node : running) {
                NodeRecord record = known.get(node.id());
                if (record == null || !record.getApiAddress().equals(node.apiAddress())
                        || record.getSoftwareVersion().isEmpty()) {
                    unknown.add(node.id());
                }
            }
            if (!unknown.isEmpty()) {
                return Poll.waiting(String.join(", ", unknown) + " to appear in topology");
            }
            return new Poll(Optional.of(new Ready(leader, roles)), "");
        } catch (MeridianException e) {
            return Poll.waiting("a leader");
        }
    }

    /** Runs the simulated data plane against the cluster, with its live view, until the process stops. */
    private static void simulate(String endpoints, TlsFiles tls, PrintWriter out) throws InterruptedException {
        MeridianClient client = MeridianClient.builder().endpoints(endpoints).tls(tls)
                .timeout(Duration.ofSeconds(10)).build();
        for (String[] setting : new String[][] {{"tick-interval", "1s"}, {"max-actions-per-tick", "10"},
                {"cooldown", "30s"}}) {
            client.placement().controlScheduler(SchedulerControl.newBuilder().setSet(
                    SetSchedulerParameter.newBuilder().setKey(setting[0]).setValue(setting[1]))
                    .build());
        }
        out.println("simulating the data plane: 16 shards, skew 1.0, 8.0GiB growing; scheduler tick-interval 1s, "
                + "max-actions-per-tick 10, cooldown 30s");
        out.flush();
        Thread view = new Thread(() -> {
            try {
                SimulateCommand.run(client, Simulator.Options.defaults()
                        .withGrowth(0.005, 0.01), Duration.ofSeconds(1), 0, out, System.console() != null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "meridian-simulate");
        view.setDaemon(true);
        view.start();
    }

    private Path tlsDir() {
        return dataDir.resolve("tls");
    }

    /** The administrator's files the cluster was given, for this process's own calls; none when insecure. */
    private TlsFiles clientTls() {
        Path tls = tlsDir();
        if (!Files.isRegularFile(tls.resolve("ca.crt"))) {
            return null;
        }
        return new TlsFiles(tls.resolve("ca.crt"), tls.resolve("admin.crt"), tls.resolve("admin.key"));
    }

    /**
     * A CA for a new local cluster, a node certificate for each initial member and an administrator's
     * certificate for the CLI, in DIR/tls; keys are written 0600. Nodes that join later are issued
     * theirs by the cluster, with their token.
     */
    private void createCertificates(int initialMembers) throws IOException {
        Path tls = tlsDir();
        if (Files.exists(tls.resolve("ca.crt"))) {
            return;
        }
        Files.createDirectories(tls);
        CertificateAuthority ca = CertificateAuthority.create("meridian-local-ca", Duration.ofDays(3650));
        ca.write(tls.resolve("ca.crt"), tls.resolve("ca.key"));
        for (int i = 1; i <= initialMembers; i++) {
            ca.issue(new CertificateSubject("n" + i, AccessRole.ACCESS_ROLE_NODE, List.of("localhost", "127.0.0.1"),
                    new TreeMap<>(Map.of("zone", "local-" + i)), "voter"), Duration.ofDays(365))
                    .write(tls.resolve("n" + i + ".crt"), tls.resolve("n" + i + ".key"));
        }
        ca.issue(new CertificateSubject("admin", AccessRole.ACCESS_ROLE_ADMIN, List.of(), new TreeMap<>(), ""),
                Duration.ofDays(365)).write(tls.resolve("admin.crt"), tls.resolve("admin.key"));
    }

    /**
     * What to start: every node with a data directory restarts from it; on a fresh data directory
     * the first three (or fewer) are the initial members; every other node joins by token.
     */
    Plan plan() throws IOException {
        TreeMap<String, NodeIdentity> existing = new TreeMap<>();
        for (int i = 1; i <= MAX_NODES + 1; i++) {
            Optional<NodeIdentity> stored = MeridianNode.storedIdentity(dataDir.resolve("n" + i));
            if (stored.isPresent()) {
                existing.put("n" + i, stored.get());
                if (i > nodes) {
                    throw new CliException(ExitCode.USAGE, dataDir + " holds node n" + i + "; start it with --nodes "
                            + i + " or more (decommission nodes with `meridian node decommission` to shrink)");
                }
            }
        }
        int initial = existing.isEmpty() ? Math.min(nodes, INITIAL_MEMBERS) : 0;
        if (existing.isEmpty() && !insecure) {
            createCertificates(Math.min(nodes, INITIAL_MEMBERS));
        }
        TreeMap<String, String> peers = new TreeMap<>();
        for (int i = 1; i <= initial; i++) {
            peers.put("n" + i, new HostPort("127.0.0.1", basePort + i).toString());
        }
        String initialPeers = String.join(",", peers.entrySet().stream()
                .map(peer -> peer.getKey() + "=" + peer.getValue()).toList());
        boolean portGiven = spec.commandLine().getParseResult().hasMatchedOption("--base-port");
        List<NodeLaunch> starting = new ArrayList<>();
        List<NodeLaunch> joining = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            String id = "n" + i;
            Path dir = dataDir.resolve(id);
            NodeIdentity identity = existing.get(id);
            if (identity != null) {
                if (!identity.nodeId().equals(id)) {
                    throw new CliException(ExitCode.USAGE, dir + " holds node " + identity.nodeId() + ", not " + id);
                }
                String expected = new HostPort("127.0.0.1", basePort + i).toString();
                if (portGiven && !identity.raftAddress().equals(expected)) {
                    throw new CliException(ExitCode.USAGE, dir + " was created with other ports (" + id + " raft "
                            + identity.raftAddress() + "); drop --base-port to reuse it");
                }
                // The node remembers the rest (addresses, peers, labels, cluster) in its data directory.
                starting.add(new NodeLaunch(id, dir, HostPort.parse("api.address", identity.apiAddress()).toString(),
                        HostPort.parse("raft.address", identity.raftAddress()).toString(), List.of()));
            } else {
                String raft = new HostPort("127.0.0.1", basePort + i).toString();
                String api = new HostPort("127.0.0.1", basePort + 100 + i).toString();
                List<String> flags = new ArrayList<>(List.of("--id", id, "--raft-address", raft, "--api-address", api,
                        "--labels", "zone=local-" + i));
                if (insecure) {
                    flags.add("--insecure");
                } else {
                    // Only paths: the keys stay in their files. The initial members hold the CA key and
                    // sign the certificates of the nodes that join; a joining node has none yet.
                    Path tls = tlsDir().toAbsolutePath();
                    flags.addAll(List.of("--tls-ca", tls.resolve("ca.crt").toString(),
                            "--tls-cert", tls.resolve(id + ".crt").toString(),
                            "--tls-key", tls.resolve(id + ".key").toString()));
                    if (i <= initial) {
                        flags.addAll(List.of("--ca-key", tls.resolve("ca.key").toString()));
                    }
                }
                if (i <= initial) {
                    flags.addAll(List.of("--peers", initialPeers));
                    starting.add(new NodeLaunch(id, dir, api, raft, List.copyOf(flags)));
                } else {
                    joining.add(new NodeLaunch(id, dir, api, raft, List.copyOf(flags)));
                }
            }
        }
        return new Plan(starting, joining, !existing.isEmpty());
    }
}
