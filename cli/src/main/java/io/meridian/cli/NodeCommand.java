package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.client.RejectedException;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.HostPort;
import io.meridian.node.MeridianNode;
import io.meridian.node.NodeConfig;
import io.meridian.node.NodeIdentity;
import io.meridian.node.NodeSecurity;
import io.meridian.node.RaftTuning;
import io.meridian.node.Secret;
import io.meridian.proto.Batch;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.HealthView;
import io.meridian.proto.Label;
import io.meridian.proto.LeaveCluster;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.PromoteNode;
import io.meridian.proto.RejectCode;
import io.meridian.proto.StartDecommission;
import io.meridian.proto.StatusReply;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TopologyReply;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.meridian.security.TlsFiles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `meridian node ...`: one node. */
@Command(name = "node", description = "Run a node; list, promote, decommission and remove nodes.",
        subcommands = {NodeCommand.Start.class, NodeCommand.ListNodes.class, NodeCommand.Promote.class,
                NodeCommand.Decommission.class, NodeCommand.Leave.class})
final class NodeCommand {

    private NodeCommand() {
    }

    /** `meridian node list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every node: state, role, zone, lag behind the leader, and for a draining node what "
                    + "keeps it from finishing.",
            footer = {"", "Example:", "  meridian node list -o json"})
    static final class ListNodes extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            TopologyReply topology = client.metadata().topology();
            if (printedJson(out, topology)) {
                return;
            }
            StatusReply status = client.metadata().status();
            long leaderCommit = status.getMembersList().stream()
                    .filter(m -> m.getId().equals(status.getLeaderId())).mapToLong(MemberStatus::getCommitIndex)
                    .findFirst().orElse(status.getCommitIndex());
            Map<String, MemberStatus> members = new TreeMap<>();
            status.getMembersList().forEach(m -> members.put(m.getId(), m));
            Map<String, io.meridian.proto.NodeLoad> load = new TreeMap<>();
            Output.load(client, io.meridian.proto.GetLoadRequest.getDefaultInstance())
                    .ifPresent(found -> found.getNodesList().forEach(node -> load.put(node.getNodeId(), node)));
            Output.Table table = Output.table("NODE", "STATE", "HEALTH", "LAST SEEN", "ROLE", "ZONE", "LAG", "VERSION",
                    "API", "REPLICAS", "LEADS", "HOSTED", "DISK USED", "BLOCKED BY");
            for (NodeInfo info : topology.getNodesList()) {
                NodeRecord node = info.getNode();
                MemberStatus member = members.get(node.getNodeId());
                Optional<io.meridian.proto.NodeLoad> usage = Optional.ofNullable(load.get(node.getNodeId()));
                String lag = member == null || !member.getError().isEmpty() ? "?"
                        : Long.toString(Math.max(0, leaderCommit - member.getAppliedIndex()));
                String zone = node.getLabelsList().stream().filter(l -> l.getKey().equals("zone"))
                        .map(Label::getValue).findFirst().orElse("-");
                // The leader's verdict when it answered; else what the log recorded.
                Optional<io.meridian.proto.NodeLoad> judged = usage.filter(
                        u -> u.getHealth() != HealthView.HEALTH_VIEW_UNSPECIFIED);
                String health = judged.map(u -> Output.name(u.getHealth(), "HEALTH_VIEW_"))
                        .orElse(node.getHealth() == NodeHealthProto.NODE_HEALTH_DOWN ? "down" : "?");
                String seen = judged.map(u -> Output.age(u.getLastSeenAgeMs())).orElse("-");
                table.row(node.getNodeId(), Output.name(node.getState(), "NODE_STATE_"), health, seen,
                        Output.name(node.getRole(), "RAFT_ROLE_"), zone, lag,
                        node.getSoftwareVersion().isEmpty() ? "-" : node.getSoftwareVersion(),
                        node.getApiAddress().isEmpty() ? "-" : node.getApiAddress(),
                        usage.map(u -> (Object) u.getReplicas()).orElse("-"),
                        usage.map(u -> (Object) u.getLeading()).orElse("-"),
                        usage.filter(io.meridian.proto.NodeLoad::getReported).map(u -> Output.bytes(u.getHostedBytes()))
                                .orElse("-"),
                        usage.filter(io.meridian.proto.NodeLoad::getReported).map(u -> Output.bytes(u.getUsedBytes())
                                + "/" + Output.bytes(u.getCapacityBytes())).orElse("-"),
                        info.getBlockedBy().isEmpty() ? "" : info.getBlockedBy());
            }
            table.print(out);
        }
    }

    /** `meridian node promote ID`. */
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make an ACTIVE learner a voter of the metadata group.",
            footer = {"", "Example:", "  meridian node promote n4"})
    static final class Promote extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The node to promote.")
        String id;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.membership().changeTopology(TopologyChange.newBuilder()
                    .setPromote(PromoteNode.newBuilder().setNodeId(id)).build()));
        }
    }

    /** `meridian node decommission ID [--force]`. */
    @Command(name = "decommission", mixinStandardHelpOptions = true,
            description = {"Start moving everything off a node (it becomes DRAINING); a node that holds nothing "
                    + "is decommissioned at once.",
                    "--force finishes at once whatever it holds, and may leave fewer voters than the minimum."},
            footer = {"", "Examples:", "  meridian node decommission n4", "  meridian node decommission n4 --force"})
    static final class Decommission extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The node to decommission.")
        String id;

        @Option(names = "--force", description = "Finish now, even below the voter minimum or with work left.")
        boolean force;

        /**
         * One atomic write: the start (unless the node drains already) and the finish. When the node
         * still holds work and there is no --force, only the start: the node drains.
         */
        @Override
        void run(MeridianClient client, PrintWriter out) {
            NodeInfo node = client.metadata().topology().getNodesList().stream()
                    .filter(info -> info.getNode().getNodeId().equals(id)).findFirst()
                    .orElseThrow(() -> new CliException(ExitCode.REFUSED, "refused (NOT_FOUND): node " + id
                            + " does not exist"));
            boolean draining = node.getNode().getState() == NodeStateProto.NODE_STATE_DRAINING;
            MetadataEntry start = MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                    .setStartDecommission(StartDecommission.newBuilder().setNodeId(id).setForce(force))).build();
            MetadataEntry finish = MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                    .setFinishDecommission(FinishDecommission.newBuilder().setNodeId(id).setForce(force))).build();
            Batch.Builder both = Batch.newBuilder();
            if (!draining) {
                both.addEntries(start);
            }
            both.addEntries(finish);
            try {
                printWrite(out, client.placement().applyBatch(both.build()));
            } catch (RejectedException e) {
                boolean stillHoldsWork = e.code().filter(RejectCode.REJECT_NODE_NOT_DRAINED::equals).isPresent();
                if (!stillHoldsWork || force) {
                    // The batch is this command's own doing: report the refusal without its position.
                    String message = e.getMessage().replaceFirst("^batch entry \\d+ of \\d+: ", "");
                    throw new CliException(ExitCode.REFUSED, "refused (" + Meridian.refusalCode(e) + "): " + message);
                }
                if (draining) {
                    throw new CliException(ExitCode.REFUSED, "refused (NODE_NOT_DRAINED): " + id + " is draining; "
                            + "blocked by: " + node.getBlockedBy() + " (--force finishes it anyway)");
                }
                printWrite(out, client.membership().changeTopology(start.getTopology()));
            }
        }
    }

    /** `meridian node leave ID`. */
    @Command(name = "leave", mixinStandardHelpOptions = true,
            description = "Remove a DECOMMISSIONED node from topology.",
            footer = {"", "Example:", "  meridian node leave n4"})
    static final class Leave extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The node to remove.")
        String id;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.membership().changeTopology(TopologyChange.newBuilder()
                    .setLeave(LeaveCluster.newBuilder().setNodeId(id)).build()));
        }
    }

    /** `meridian node start`: runs a node in the foreground until interrupted. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Run a Meridian node in the foreground; Ctrl-C (or SIGTERM) stops it cleanly.",
                    "A first start needs --id, --raft-address, --api-address, and either --peers (the initial "
                            + "members of a new cluster) or --join with a token (to join a running one); a "
                            + "restart needs only --data-dir (the node remembers the rest there).",
                    "A joining node's token comes from --token-file, else $MERIDIAN_JOIN_TOKEN, else --token "
                            + "(which other users of the machine can see in the process list).",
                    "Logs go to <data-dir>/logs/meridian.log."},
            footer = {"", "Examples:",
                    "  meridian node start --id n1 --data-dir /var/lib/meridian --raft-address 10.0.0.1:7001 \\",
                    "      --api-address 10.0.0.1:7101 --peers n1=10.0.0.1:7001,n2=10.0.0.2:7001,n3=10.0.0.3:7001 \\",
                    "      --labels zone=a,geo=eu",
                    "  meridian node start --id n4 --data-dir /var/lib/meridian --raft-address 10.0.0.4:7001 \\",
                    "      --api-address 10.0.0.4:7101 --join 10.0.0.1:7101,10.0.0.2:7101 --token-file n4.token",
                    "  meridian node start --data-dir /var/lib/meridian        # restart"})
    static final class Start implements Callable<Integer> {

        /** How many restarts a node may ask for (see {@code MeridianNode.Stop#restart}) within the window. */
        private static final int MAX_RESTARTS = 5;
        private static final long RESTART_WINDOW = TimeUnit.MINUTES.toNanos(10);

        @Option(names = "--id", paramLabel = "ID",
                description = "The node's id (its Raft peer id): letters, digits, '.', '_', '-'.")
        String id;

        @Option(names = "--data-dir", paramLabel = "DIR", required = true,
                description = "Where the node keeps its data and logs.")
        Path dataDir;

        @Option(names = "--raft-address", paramLabel = "HOST:PORT",
                description = "Where the node listens for Raft traffic from the other members.")
        String raftAddress;

        @Option(names = "--api-address", paramLabel = "HOST:PORT",
                description = "Where the node serves the API (clients and the CLI).")
        String apiAddress;

        @Option(names = "--peers", paramLabel = "ID=HOST:PORT", split = ",",
                description = "The raft addresses of the cluster's initial members, this node included, as "
                        + "id=host:port,... First start only.")
        Map<String, String> peers;

        @Option(names = "--labels", paramLabel = "KEY=VALUE", split = ",",
                description = "Labels of the node, such as zone=a,geo=eu.")
        Map<String, String> labels;

        @Option(names = "--join", paramLabel = "HOST:PORT", split = ",",
                description = "API addresses of a running cluster to join (instead of --peers). First start only.")
        List<String> join;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "A file holding the join token (as `meridian token issue --out` writes it).")
        Path tokenFile;

        @Option(names = "--token", paramLabel = "TOKEN",
                description = "The join token itself; prefer --token-file or $MERIDIAN_JOIN_TOKEN.")
        String token;

        @Option(names = "--role", paramLabel = "voter|learner", defaultValue = "voter",
                description = "What a joining node asks to be: voter (promoted once caught up, while voters are "
                        + "below the target) or learner (default: ${DEFAULT-VALUE}).")
        TokenCommand.Role role;

        @Option(names = "--tls-ca", paramLabel = "FILE",
                description = "The cluster CA's certificate (PEM). With --tls-cert and --tls-key, both ports speak "
                        + "mutual TLS. Default: $MERIDIAN_TLS_CA.")
        Path tlsCa;

        @Option(names = "--tls-cert", paramLabel = "FILE",
                description = "This node's certificate (PEM, role node). A node that joins with a token and has "
                        + "none yet is issued one by the cluster and writes it here. Default: $MERIDIAN_TLS_CERT.")
        Path tlsCert;

        @Option(names = "--tls-key", paramLabel = "FILE",
                description = "This node's private key (PKCS#8 PEM). Default: $MERIDIAN_TLS_KEY.")
        Path tlsKey;

        @Option(names = "--ca-key", paramLabel = "FILE",
                description = "The cluster CA's private key, for voters that sign the certificates of nodes "
                        + "joining through them. Only the path is given; the key stays in its file.")
        Path caKey;

        @Option(names = "--insecure",
                description = "Run without TLS: plaintext on both ports, and anyone who reaches them administers "
                        + "the cluster. For experiments only.")
        boolean insecure;

        @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = NodeConfig.DEFAULT_CLUSTER_NAME,
                description = "Names the metadata group; every node of a cluster uses the same (default: "
                        + "${DEFAULT-VALUE}).")
        String clusterName;

        @Option(names = "--election-timeout-min", paramLabel = "DURATION",
                converter = Converters.DurationConverter.class,
                description = "A follower waits at least this long for a leader before standing for election "
                        + "(default 1s).")
        Duration electionTimeoutMin;

        @Option(names = "--election-timeout-max", paramLabel = "DURATION",
                converter = Converters.DurationConverter.class,
                description = "The upper end of the randomized election timeout; a leader steps down after it "
                        + "without a majority (default 2s).")
        Duration electionTimeoutMax;

        @Option(names = "--request-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "How long one Raft request waits before it is retried (default 3s).")
        Duration requestTimeout;

        @Option(names = "--write-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "How long a write may take in all before its outcome is reported unknown "
                        + "(default 15s).")
        Duration writeTimeout;

        @Option(names = "--snapshot-threshold", paramLabel = "ENTRIES",
                description = "Take a snapshot every this many applied entries (default 10000).")
        Long snapshotThreshold;

        @Option(names = "--log-segment-size", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
                description = "Close a Raft log segment at this size (default 8MiB).")
        Long logSegmentSize;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException, InterruptedException, ExecutionException {
            PrintWriter out = spec.commandLine().getOut();
            NodeConfig config = config();
            Path logFile = Logging.forNode(config.dataDir());
            if (!config.joinEndpoints().isEmpty() && config.joinToken().isPresent()) {
                out.println("node " + config.nodeId() + " joining the cluster at "
                        + String.join(",", config.joinEndpoints().stream().map(HostPort::toString).toList()));
                out.flush();
            }
            Deque<Long> restarts = new ArrayDeque<>();
            while (true) {
                MeridianNode node;
                try {
                    node = restarts.isEmpty() ? MeridianNode.start(config)
                            : MeridianNode.restart(config, restarts.size());
                } catch (IOException | RuntimeException e) {
                    throw new CliException(ExitCode.REFUSED, "node " + config.nodeId() + " did not start: "
                            + e.getMessage() + " (details in " + logFile + ")");
                }
                // On SIGTERM or Ctrl-C the JVM halts as soon as its hooks return, so the hook waits for
                // this thread to say the node stopped before it returns.
                CountDownLatch reported = new CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    node.close();
                    try {
                        reported.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "meridian-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                out.println("node " + config.nodeId() + " started");
                out.println("  raft  " + config.raftAddress());
                out.println("  api   " + node.apiAddress());
                out.println(config.security().secure() ? "  tls   mutual TLS on both ports"
                        : "  tls   OFF (--insecure): plaintext, and anyone who reaches these ports administers the cluster");
                out.println("  data  " + config.dataDir().toAbsolutePath());
                out.println("  logs  " + logFile.toAbsolutePath());
                out.flush();
                MeridianNode.Stop stop = node.stopped().get();
                // A restart the node asks for runs here, a few in a while at most: more means they do
                // not help, and a service manager should see a failure.
                long now = System.nanoTime();
                restarts.removeIf(at -> now - at > RESTART_WINDOW);
                boolean again = stop.restart() && restarts.size() < MAX_RESTARTS;
                String said = stop.reason().equals("stopped") ? " stopped"
                        : again ? " restarting: " + stop.reason()
                        : stop.restart() ? " failed: " + stop.reason() + " (" + MAX_RESTARTS
                                + " restarts within ten minutes did not help)"
                        : stop.failed() ? " failed: " + stop.reason() : " stopped: " + stop.reason();
                boolean failed = stop.failed() || (stop.restart() && !again);
                (failed ? spec.commandLine().getErr() : out).println("node " + config.nodeId() + said);
                out.flush();
                spec.commandLine().getErr().flush();
                reported.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // stopped by the hook itself: no restart
                    return ExitCode.OK;
                }
                if (!again) {
                    return failed ? ExitCode.NODE_FAILED : ExitCode.OK;
                }
                restarts.addLast(now);
            }
        }

        /** The join token, from exactly one of the file, the environment or the flag. */
        Optional<Secret> joinToken() {
            String fromEnv = System.getenv("MERIDIAN_JOIN_TOKEN");
            int given = (tokenFile != null ? 1 : 0) + (token != null ? 1 : 0);
            if (given > 1) {
                throw usage("give the join token once: --token-file or --token");
            }
            if (tokenFile != null) {
                try {
                    String text = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
                    if (text.isEmpty()) {
                        throw usage(tokenFile + " is empty; it should hold a join token");
                    }
                    return Optional.of(Secret.of(text.lines().findFirst().orElse("").trim()));
                } catch (IOException e) {
                    throw usage("cannot read the token file " + tokenFile + ": " + e.getClass().getSimpleName());
                }
            }
            if (token != null) {
                return Optional.of(Secret.of(token.trim()));
            }
            if (fromEnv != null && !fromEnv.isBlank()) {
                return Optional.of(Secret.of(fromEnv.trim()));
            }
            return Optional.empty();
        }

        /** The configuration from the flags, completed from what the data directory remembers. */
        NodeConfig config() throws IOException {
            Optional<NodeIdentity> stored = MeridianNode.storedIdentity(dataDir);
            String nodeId = id != null ? id : stored.map(NodeIdentity::nodeId).orElseThrow(() -> usage(
                    "--id is required: " + dataDir + " holds no node yet"));
            String raft = raftAddress != null ? raftAddress : stored.map(NodeIdentity::raftAddress)
                    .orElseThrow(() -> usage("--raft-address is required: " + dataDir + " holds no node yet"));
            String api = apiAddress != null ? apiAddress : stored.map(NodeIdentity::apiAddress)
                    .orElseThrow(() -> usage("--api-address is required: " + dataDir + " holds no node yet"));
            SortedMap<String, String> nodeLabels = labels != null ? new TreeMap<>(labels)
                    : stored.map(NodeIdentity::labels).orElse(new TreeMap<>());
            SortedMap<String, String> initialPeers = peers != null ? new TreeMap<>(peers)
                    : stored.map(NodeIdentity::initialPeers).orElse(new TreeMap<>());
            String cluster = stored.isPresent() && clusterName.equals(NodeConfig.DEFAULT_CLUSTER_NAME)
                    ? stored.get().clusterName() : clusterName;
            if (join != null && peers != null) {
                throw usage("--join and --peers exclude each other: a node starts a cluster or joins one");
            }
            List<String> joinEndpoints = join != null ? join
                    : stored.map(NodeIdentity::joinEndpoints).orElse(List.of());
            if (joinEndpoints.isEmpty() && (tokenFile != null || token != null)) {
                throw usage("a join token needs --join (the API addresses of the cluster to join)");
            }
            Optional<Secret> secret = joinEndpoints.isEmpty() ? Optional.empty() : joinToken();
            RaftTuning tuning = RaftTuning.DEFAULT;
            try {
                if (electionTimeoutMin != null || electionTimeoutMax != null) {
                    Duration min = electionTimeoutMin != null ? electionTimeoutMin : tuning.electionTimeoutMin();
                    Duration max = electionTimeoutMax != null ? electionTimeoutMax : min.multipliedBy(2);
                    tuning = tuning.withElectionTimeouts(min, max);
                }
                if (requestTimeout != null || writeTimeout != null) {
                    tuning = tuning.withTimeouts(requestTimeout != null ? requestTimeout : tuning.requestTimeout(),
                            writeTimeout != null ? writeTimeout : tuning.writeTimeout());
                }
                if (snapshotThreshold != null) {
                    tuning = tuning.withSnapshotThreshold(snapshotThreshold);
                }
                if (logSegmentSize != null) {
                    tuning = tuning.withLogSegmentBytes(logSegmentSize);
                }
                return NodeConfig.builder(nodeId)
                        .dataDir(dataDir)
                        .raftAddress(HostPort.parse("--raft-address", raft))
                        .apiAddress(HostPort.parse("--api-address", api))
                        .initialPeers(initialPeers)
                        .labels(nodeLabels)
                        .clusterName(cluster)
                        .tuning(tuning)
                        .join(joinEndpoints.stream().map(endpoint -> HostPort.parse("--join", endpoint)).toList(),
                                secret)
                        .joinRole(role == TokenCommand.Role.LEARNER ? RaftRole.LEARNER : RaftRole.VOTER)
                        .security(security(stored))
                        .build();
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }

        /**
         * TLS from the flags or the environment, all three files or none; with none, what the data
         * directory remembers from the first start, else --insecure must say so.
         */
        private NodeSecurity security(Optional<NodeIdentity> stored) {
            Path ca = tlsCa != null ? tlsCa : env("MERIDIAN_TLS_CA");
            Path cert = tlsCert != null ? tlsCert : env("MERIDIAN_TLS_CERT");
            Path key = tlsKey != null ? tlsKey : env("MERIDIAN_TLS_KEY");
            if (ca == null && cert == null && key == null) {
                if (caKey != null) {
                    throw usage("--ca-key is for a node that runs with TLS: give --tls-ca, --tls-cert and --tls-key");
                }
                if (!insecure && stored.flatMap(NodeIdentity::security).isPresent()) {
                    return stored.flatMap(NodeIdentity::security).get();
                }
                if (!insecure) {
                    throw usage("give the node its TLS files (--tls-ca, --tls-cert, --tls-key; `meridian ca` makes "
                            + "them), or pass --insecure to run it without TLS");
                }
                return NodeSecurity.INSECURE;
            }
            if (insecure) {
                throw usage("--insecure runs without TLS; it does not go with --tls-ca, --tls-cert or --tls-key");
            }
            List<String> missing = new ArrayList<>();
            if (ca == null) {
                missing.add("--tls-ca");
            }
            if (cert == null) {
                missing.add("--tls-cert");
            }
            if (key == null) {
                missing.add("--tls-key");
            }
            if (!missing.isEmpty()) {
                throw usage("TLS needs all three files: " + String.join(", ", missing) + " missing");
            }
            if (!Files.isRegularFile(ca)) {
                throw usage("--tls-ca " + ca + ": no such file");
            }
            if (caKey != null && !Files.isRegularFile(caKey)) {
                throw usage("--ca-key " + caKey + ": no such file");
            }
            return NodeSecurity.tls(new TlsFiles(ca, cert, key), Optional.ofNullable(caKey));
        }

        private static Path env(String name) {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? null : Path.of(value);
        }

        private CliException usage(String message) {
            return new CliException(ExitCode.USAGE, message);
        }
    }
}
