package io.meridian.node.testing;

import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.node.NodeSecurity;
import io.meridian.proto.AccessRole;
import io.meridian.security.TlsFiles;
import io.meridian.core.topology.RaftRole;
import io.meridian.node.HostPort;
import io.meridian.node.MeridianNode;
import io.meridian.node.NodeConfig;
import io.meridian.node.RaftTuning;
import io.meridian.node.Secret;
import io.meridian.node.statemachine.MetadataStateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * N real Meridian nodes (Ratis and the API) in this JVM, on loopback ports, each with its own data
 * directory under a temporary root. Nodes can be stopped, killed and restarted on their data;
 * tests wait for conditions with deadlines and end by checking that every replica reports the same
 * state digest at the same applied index.
 *
 * <p>Not thread-safe: driven by one test thread.
 */
public final class InProcessCluster implements AutoCloseable {

    /** How long a test waits for a cluster to settle; generous, for small, busy CI machines. */
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path root;
    private final boolean deleteRoot;
    private RaftTuning tuning = RaftTuning.DEFAULT;
    private final Map<String, NodeConfig> configs = new TreeMap<>();
    private final Map<String, MeridianNode> running = new TreeMap<>();
    /** The cluster CA and every party's files, when the cluster runs with mutual TLS. */
    private TestPki pki;

    private InProcessCluster(Path root, boolean deleteRoot) {
        this.root = root;
        this.deleteRoot = deleteRoot;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts a cluster. */
    public static final class Builder {
        private int nodes = 3;
        private RaftTuning tuning = RaftTuning.DEFAULT;
        private Path root;
        private final Map<String, Map<String, String>> labels = new TreeMap<>();
        private boolean secure;

        public Builder nodes(int count) {
            nodes = count;
            return this;
        }

        public Builder tuning(RaftTuning value) {
            tuning = value;
            return this;
        }

        public Builder root(Path value) {
            root = value;
            return this;
        }

        /**
         * Runs the cluster with mutual TLS on both ports: a CA under the root's tls directory, a node
         * certificate for each node (each given the CA key, so any of them signs joining nodes'
         * certificates) and an "admin" certificate that {@link #client()} presents.
         */
        public Builder secure() {
            secure = true;
            return this;
        }

        public Builder labels(String nodeId, Map<String, String> value) {
            labels.put(nodeId, value);
            return this;
        }

        /** Starts every node and waits until the cluster is bootstrapped and every node advertised. */
        public InProcessCluster start() {
            try {
                boolean temporary = root == null;
                Path dir = temporary ? Files.createTempDirectory("meridian-cluster-") : root;
                InProcessCluster cluster = new InProcessCluster(dir, temporary);
                cluster.tuning = tuning;
                if (secure) {
                    cluster.pki = TestPki.create(dir.resolve("tls"));
                    cluster.pki.issue("admin", AccessRole.ACCESS_ROLE_ADMIN);
                }
                TreeMap<String, String> peers = new TreeMap<>();
                TreeMap<String, HostPort[]> addresses = new TreeMap<>();
                for (int i = 1; i <= nodes; i++) {
                    String id = "n" + i;
                    HostPort raft = new HostPort("127.0.0.1", freePort());
                    HostPort api = new HostPort("127.0.0.1", freePort());
                    peers.put(id, raft.toString());
                    addresses.put(id, new HostPort[] {raft, api});
                }
                for (Map.Entry<String, HostPort[]> node : addresses.entrySet()) {
                    String id = node.getKey();
                    cluster.configs.put(id, NodeConfig.builder(id)
                            .dataDir(dir.resolve(id))
                            .raftAddress(node.getValue()[0])
                            .apiAddress(node.getValue()[1])
                            .initialPeers(peers)
                            .labels(labels.getOrDefault(id, Map.of()))
                            .tuning(tuning)
                            .security(cluster.securityFor(id, true))
                            .build());
                }
                cluster.startNodes(new ArrayList<>(cluster.configs.keySet()));
                cluster.awaitReady();
                return cluster;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** The ports {@link #freePort} handed out in this JVM. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port free at this moment on loopback, and never handed out before in this JVM: the kernel
     * may give a probed port again once the probe closed, and two nodes then fail to share it.
     */
    public static int freePort() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    private void startNodes(List<String> ids) throws IOException {
        ExecutorService starter = Executors.newFixedThreadPool(ids.size());
        try {
            List<Future<MeridianNode>> started = new ArrayList<>();
            for (String id : ids) {
                NodeConfig config = configs.get(id);
                started.add(starter.submit(() -> MeridianNode.start(config)));
            }
            for (int i = 0; i < ids.size(); i++) {
                running.put(ids.get(i), started.get(i).get());
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("a node failed to start: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting nodes", e);
        } finally {
            starter.shutdownNow();
        }
    }

    /** Waits until a leader is ready, the cluster is bootstrapped and every running node advertised. */
    public void awaitReady() {
        await("a leader and a bootstrapped, advertised cluster").atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> leader().isPresent()
                        && running.values().stream().allMatch(node -> node.stateMachine().image().topology()
                        .bootstrapped() && node.hasAdvertised()));
    }

    public Path root() {
        return root;
    }

    public List<String> ids() {
        return new ArrayList<>(configs.keySet());
    }

    public MeridianNode node(String id) {
        MeridianNode node = running.get(id);
        if (node == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        return node;
    }

    public List<MeridianNode> runningNodes() {
        return new ArrayList<>(running.values());
    }

    public NodeConfig config(String id) {
        return configs.get(id);
    }

    /** The running node that leads and is ready, if any. */
    public Optional<MeridianNode> leader() {
        return running.values().stream().filter(MeridianNode::isLeader).findFirst();
    }

    /** Waits for a ready leader among the running nodes. */
    public MeridianNode awaitLeader() {
        await("a ready leader").atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> leader().isPresent());
        return leader().orElseThrow();
    }

    /** A running node that does not lead. */
    public MeridianNode follower() {
        MeridianNode leader = awaitLeader();
        return running.values().stream().filter(node -> node != leader).findFirst()
                .orElseThrow(() -> new IllegalStateException("no follower is running"));
    }

    /** The API endpoint of a node (running or not). */
    public String endpoint(String id) {
        MeridianNode node = running.get(id);
        return node != null ? node.apiAddress().toString() : configs.get(id).apiAddress().toString();
    }

    /** A client of every node of the cluster, running or not (an administrator, with TLS). */
    public MeridianClient client() {
        return MeridianClient.builder().endpoints(configs.keySet().stream().map(this::endpoint).toList())
                .tls(pki == null ? null : pki.files("admin"))
                .timeout(Duration.ofSeconds(30)).build();
    }

    /** A client of these nodes only, in this order. */
    public MeridianClient clientOf(String... ids) {
        return MeridianClient.builder().endpoints(Stream.of(ids).map(this::endpoint).toList())
                .tls(pki == null ? null : pki.files("admin"))
                .timeout(Duration.ofSeconds(30)).build();
    }

    /** The cluster's CA, for a cluster built {@link Builder#secure()}. */
    public TestPki pki() {
        if (pki == null) {
            throw new IllegalStateException("the cluster runs without TLS");
        }
        return pki;
    }

    /**
     * A node's security: plaintext, or its TLS files (issued now when {@code issue}; a joining node
     * is issued its certificate by the cluster) and the CA key.
     */
    private NodeSecurity securityFor(String id, boolean issue) {
        if (pki == null) {
            return NodeSecurity.INSECURE;
        }
        TlsFiles files = issue ? pki.issue(id, AccessRole.ACCESS_ROLE_NODE) : pki.files(id);
        return NodeSecurity.tls(files, issue ? Optional.of(pki.caKeyFile()) : Optional.empty());
    }

    /**
     * On a secure cluster, starts a node that joins with only the CA certificate and a token: it
     * leaves with the certificate the cluster signs for it.
     */
    public MeridianNode joinSecure(String id, String token, Map<String, String> labels, RaftRole role) {
        try {
            return joinAt(id, new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort()),
                    Optional.of(token), labels, role, securityFor(id, false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops a node cleanly (handing off leadership if it leads). */
    public void stop(String id) {
        MeridianNode node = running.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /** Stops a node abruptly, as a crash would look to the others. */
    public void kill(String id) {
        MeridianNode node = running.remove(id);
        if (node != null) {
            node.kill();
        }
    }

    /** Starts a stopped node again on its data directory. */
    public MeridianNode restart(String id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        try {
            startNodes(List.of(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return running.get(id);
    }

    /** Restarts a stopped node with its configuration changed, such as the capabilities it advertises. */
    public MeridianNode restart(String id, UnaryOperator<NodeConfig.Builder> change) {
        configs.put(id, change.apply(configs.get(id).toBuilder()).build());
        return restart(id);
    }

    /**
     * Starts a new node that joins the running cluster through the api addresses of the running
     * nodes, presenting this token; returns once the cluster admitted it (it then catches up).
     */
    public MeridianNode join(String id, String token, Map<String, String> labels, RaftRole role) {
        try {
            return joinAt(id, new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort()),
                    Optional.of(token), labels, role);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a node at these addresses that joins the running cluster, presenting the token if
     * there is one (without, the cluster must have admitted it already).
     */
    public MeridianNode joinAt(String id, HostPort raft, HostPort api, Optional<String> token,
            Map<String, String> labels, RaftRole role) {
        return joinAt(id, raft, api, token, labels, role, securityFor(id, pki != null));
    }

    private MeridianNode joinAt(String id, HostPort raft, HostPort api, Optional<String> token,
            Map<String, String> labels, RaftRole role, NodeSecurity security) {
        try {
            Path dir = root.resolve(id);
            if (!configs.containsKey(id) && Files.exists(dir)) {
                deleteTree(dir); // what an earlier, refused attempt left
            }
            List<HostPort> endpoints = running.values().stream().map(MeridianNode::apiAddress).toList();
            NodeConfig config = NodeConfig.builder(id)
                    .dataDir(root.resolve(id))
                    .raftAddress(raft)
                    .apiAddress(api)
                    .labels(labels)
                    .tuning(tuning)
                    .join(endpoints, token.map(Secret::of))
                    .joinRole(role)
                    .security(security)
                    .build();
            MeridianNode node = MeridianNode.start(config);
            configs.put(id, config.toBuilder().join(endpoints, Optional.empty()).build());
            running.put(id, node);
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets a node that stopped by itself (the cluster let it go), so it is not restarted. */
    public void forget(String id) {
        MeridianNode node = running.remove(id);
        if (node != null) {
            node.close();
        }
        configs.remove(id);
    }

    /** Restarts every stopped node. */
    public void restartAll() {
        List<String> stopped = configs.keySet().stream().filter(id -> !running.containsKey(id)).toList();
        try {
            startNodes(stopped);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until every running node has applied the same index and reports the same state digest
     * there, and returns that digest. Every cluster test ends with this.
     */
    public String awaitConverged() {
        String[] digest = new String[1];
        await("every replica at the same applied index with the same state digest").atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    List<MetadataStateMachine.DigestedState> states = running.values().stream()
                            .map(node -> node.stateMachine().digestedState()).toList();
                    long index = states.get(0).image().index();
                    String first = states.get(0).digest().hex();
                    boolean same = states.stream().allMatch(state -> state.image().index() == index
                            && state.digest().hex().equals(first));
                    digest[0] = first;
                    return same && leader().isPresent();
                });
        return digest[0];
    }

    @Override
    public void close() {
        MeridianNode.closeAll(running.values());
        running.clear();
        if (deleteRoot) {
            try {
                deleteTree(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
