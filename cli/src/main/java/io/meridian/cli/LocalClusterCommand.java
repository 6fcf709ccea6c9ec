package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.client.sim.Simulator;
import io.meridian.node.HostPort;
import io.meridian.node.MeridianNode;
import io.meridian.node.NodeConfig;
import io.meridian.node.NodeIdentity;
import io.meridian.node.Secret;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import java.io.IOException;
import java.io.PrintWriter;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `meridian local-cluster`: a cluster on loopback in this process, in the foreground, for trying
 * Meridian and for development. Node nI listens for Raft on base+I and serves the API on
 * base+100+I; its data is under {@code <data-dir>/nI}; all nodes log to
 * {@code <data-dir>/logs/meridian.log}, each line naming its node.
 */
@Command(name = "local-cluster", mixinStandardHelpOptions = true,
        description = {"Start a cluster on this machine, in the foreground.",
                "The nodes run on loopback in this process; Ctrl-C stops them cleanly.",
                "Running it again reuses the data directory and restarts the same cluster.",
                "The CLI finds it by itself when run from the same directory (it reads <data-dir>/endpoints); "
                        + "elsewhere, export the MERIDIAN_ENDPOINTS line it prints."},
        footer = {"", "Examples:", "  meridian local-cluster",
                "  meridian local-cluster --data-dir /tmp/m --base-port 9000"})
final class LocalClusterCommand implements Callable<Integer> {

    static final int MAX_NODES = 7;
    private static final int INITIAL_MEMBERS = 3;
    private static final long LEADER_PATIENCE_MS = 60_000;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", converter = Converters.CountConverter.class,
            description = "How many nodes, 1 to " + MAX_NODES + " (default: ${DEFAULT-VALUE}); nodes beyond the "
                    + "first three join the running cluster with a token, as learners.")
    int nodes;

    @Option(names = "--data-dir", defaultValue = "meridian-data", paramLabel = "DIR",
            description = "Where the nodes keep their data and logs (default: ./${DEFAULT-VALUE}).")
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

    @Spec
    CommandSpec spec;

    /** Which nodes start how: restarted from their data, as initial members, or joining by token. */
    record Plan(List<NodeConfig> starting, List<NodeConfig> joining, boolean restart) {
    }

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
        Files.createDirectories(dataDir);
        Path logFile = Logging.forNode(dataDir);
        out.println((plan.restart() ? "restarting " : "starting ") + plan.starting().size() + " nodes in "
                + dataDir.toAbsolutePath() + " (logs: " + logFile + ")");
        out.flush();
        long begin = System.nanoTime();
        List<MeridianNode> running = new CopyOnWriteArrayList<>(start(plan.starting()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println();
            out.println("stopping " + running.size() + " nodes");
            out.flush();
            MeridianNode.closeAll(running);
            out.println("stopped; the data stays in " + dataDir.toAbsolutePath());
            out.flush();
            stopped.countDown();
        }, "meridian-local-cluster-stop"));
        awaitReady(running, out);
        for (NodeConfig joiner : plan.joining()) {
            running.add(join(joiner, running));
            out.println("  " + joiner.nodeId() + " joined with a token");
            out.flush();
        }
        String leader = awaitReady(running, out);
        Path endpointsFile = dataDir.resolve("endpoints");
        String endpoints = endpoints(running);
        Files.writeString(endpointsFile, endpoints + "\n", StandardCharsets.UTF_8);
        out.println("ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) / 100 / 10.0 + " s, "
                + "leader " + leader);
        MeridianNode leading = running.stream().filter(node -> node.nodeId().equals(leader)).findFirst()
                .orElseThrow();
        Output.Table table = Output.table("NODE", "ROLE", "API", "RAFT", "DATA");
        for (MeridianNode node : running) {
            String role = node.nodeId().equals(leader) ? "leader"
                    : leading.raftConf().listeners().containsKey(node.nodeId()) ? "learner" : "follower";
            table.row(node.nodeId(), role, node.apiAddress(), node.config().raftAddress(), node.config().dataDir());
        }
        table.print(out);
        out.println("MERIDIAN_ENDPOINTS=" + endpoints);
        if (running.stream().anyMatch(node -> leading.raftConf().listeners().containsKey(node.nodeId()))) {
            out.println("Learners do not vote: `./meridian cluster policy --target-voters " + Math.min(nodes, 5)
                    + "` promotes them once they caught up.");
        }
        out.println("Ctrl-C stops the cluster; try `./meridian cluster status` in another terminal.");
        out.flush();
        if (simulate) {
            simulate(endpoints, out);
        }
        for (MeridianNode node : running) {
            node.stopped().thenAccept(stop -> {
                if (!stop.reason().equals("stopped")) {
                    out.println(node.nodeId() + (stop.failed() ? " failed: " : " stopped: ") + stop.reason());
                    out.flush();
                }
            });
        }
        stopped.await();
        return ExitCode.OK;
    }

    /** Runs the simulated data plane against the cluster, with its live view, until the process stops. */
    private static void simulate(String endpoints, PrintWriter out) throws InterruptedException {
        MeridianClient client = MeridianClient.builder().endpoints(endpoints)
                .timeout(Duration.ofSeconds(10)).build();
        for (String[] setting : new String[][] {{"tick-interval", "1s"}, {"max-actions-per-tick", "10"},
                {"cooldown", "30s"}}) {
            client.controlScheduler(SchedulerControl.newBuilder().setSet(
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

    private static String endpoints(List<MeridianNode> running) {
        return String.join(",", running.stream().map(node -> node.apiAddress().toString()).toList());
    }

    /** A new node joins through the running ones, with a token issued for it. */
    private static MeridianNode join(NodeConfig joiner, List<MeridianNode> running) {
        String token;
        try (MeridianClient client = MeridianClient.builder().endpoints(endpoints(running))
                .timeout(Duration.ofSeconds(30)).build()) {
            token = client.issueToken(IssueTokenRequest.newBuilder().setTtlMs(600_000)
                    .setRole(RaftRoleProto.RAFT_ROLE_VOTER).build()).getToken();
        }
        List<HostPort> through = running.stream().map(MeridianNode::apiAddress).toList();
        try {
            return MeridianNode.start(joiner.toBuilder().join(through, Optional.of(Secret.of(token))).build());
        } catch (IOException | RuntimeException e) {
            throw new CliException(ExitCode.REFUSED, joiner.nodeId() + " did not join: " + e.getMessage());
        }
    }

    /**
     * What to start: every node with a data directory restarts from it; on a fresh data directory
     * the first three (or fewer) are the initial members; every other node joins by token.
     */
    private Plan plan() throws IOException {
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
        TreeMap<String, String> peers = new TreeMap<>();
        for (int i = 1; i <= initial; i++) {
            peers.put("n" + i, new HostPort("127.0.0.1", basePort + i).toString());
        }
        boolean portGiven = spec.commandLine().getParseResult().hasMatchedOption("--base-port");
        List<NodeConfig> starting = new ArrayList<>();
        List<NodeConfig> joining = new ArrayList<>();
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
                List<HostPort> joinedThrough = new ArrayList<>();
                for (String endpoint : identity.joinEndpoints()) {
                    joinedThrough.add(HostPort.parse("join endpoint", endpoint));
                }
                starting.add(NodeConfig.builder(id).dataDir(dir)
                        .raftAddress(HostPort.parse("raft.address", identity.raftAddress()))
                        .apiAddress(HostPort.parse("api.address", identity.apiAddress()))
                        .initialPeers(identity.initialPeers()).labels(identity.labels())
                        .join(joinedThrough, Optional.empty())
                        .clusterName(identity.clusterName()).build());
            } else {
                NodeConfig.Builder config = NodeConfig.builder(id).dataDir(dir)
                        .raftAddress(new HostPort("127.0.0.1", basePort + i))
                        .apiAddress(new HostPort("127.0.0.1", basePort + 100 + i))
                        .labels(Map.of("zone", "local-" + i));
                if (i <= initial) {
                    starting.add(config.initialPeers(peers).build());
                } else {
                    joining.add(config.build());
                }
            }
        }
        return new Plan(starting, joining, !existing.isEmpty());
    }

    /** Starts every node in parallel; when one fails, stops the others and reports why. */
    private static List<MeridianNode> start(List<NodeConfig> configs) {
        ExecutorService starter = Executors.newFixedThreadPool(configs.size());
        List<Future<MeridianNode>> futures = new ArrayList<>();
        for (NodeConfig config : configs) {
            futures.add(starter.submit(() -> MeridianNode.start(config)));
        }
        List<MeridianNode> running = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                running.add(futures.get(i).get());
            } catch (ExecutionException e) {
                failures.add(configs.get(i).nodeId() + ": " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(configs.get(i).nodeId() + ": interrupted");
            }
        }
        starter.shutdownNow();
        if (!failures.isEmpty()) {
            MeridianNode.closeAll(running);
            throw new CliException(ExitCode.REFUSED, "the cluster did not start: " + String.join("; ", failures));
        }
        return running;
    }

    /** Waits for a leader and every node's advertisement, printing progress while it takes a while. */
    private static String awaitReady(List<MeridianNode> running, PrintWriter out) throws InterruptedException {
        long start = System.nanoTime();
        long nextNote = 2_000;
        while (true) {
            Optional<MeridianNode> leader = running.stream().filter(MeridianNode::isLeader).findFirst();
            if (leader.isPresent() && running.stream().allMatch(MeridianNode::hasAdvertised)) {
                return leader.get().nodeId();
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (elapsed > LEADER_PATIENCE_MS) {
                throw new CliException(ExitCode.UNAVAILABLE, "no leader after " + elapsed / 1000
                        + " s; see the log for why");
            }
            if (elapsed >= nextNote) {
                out.println("  waiting for a leader (" + elapsed / 1000 + " s)");
                out.flush();
                nextNote += 2_000;
            }
            Thread.sleep(50);
        }
    }
}
