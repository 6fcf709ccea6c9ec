package io.meridian.node;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.meridian.core.MetadataImage;
import io.meridian.core.capability.CapabilityCodecException;
import io.meridian.core.topology.Labels;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.node.api.LeaderHint;
import io.meridian.node.health.IntegrityCheck;
import io.meridian.node.api.AccessApi;
import io.meridian.node.api.MembershipApi;
import io.meridian.node.api.MetadataApi;
import io.meridian.node.api.NodeApi;
import io.meridian.node.api.PlacementApi;
import io.meridian.node.api.WatchApi;
import io.meridian.node.security.Authorization;
import io.meridian.security.CertificateAuthority;
import io.meridian.node.api.NodeRuntime;
import io.meridian.node.api.RemoteAddress;
import io.meridian.node.api.RequestIdentity;
import io.meridian.node.leader.LeaderServices;
import io.meridian.node.leader.LivenessMonitor;
import io.meridian.node.leader.LoadStore;
import io.meridian.node.leader.MembershipReconciler;
import io.meridian.node.leader.PlacementScheduler;
import io.meridian.node.raft.QuorumGuard;
import io.meridian.node.raft.RaftGateway;
import io.meridian.node.raft.RaftMembership;
import io.meridian.node.raft.WriteFailure;
import io.meridian.node.statemachine.ChangeFeed;
import io.meridian.node.statemachine.LeaderHooks;
import io.meridian.node.statemachine.MetadataStateMachine;
import io.meridian.proto.AdvertiseNode;
import io.meridian.proto.Alarm;
import io.meridian.proto.DigestCheckpoint;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.LocalStatusRequest;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.MetadataServiceGrpc;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeStateProto;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TopologyReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Meridian node: a member of the metadata group (a Ratis server with the metadata state
 * machine), the gRPC API on its api address, and the leader-only services while it leads.
 *
 * <p>{@link #start} starts everything or fails with the reason; {@link #close} stops everything,
 * first handing leadership to another member when this node leads, so a clean stop costs the
 * cluster no election. A node restarted on its data directory needs no peers: it reads its
 * identity and the membership from the data.
 *
 * <p>Thread-safe.
 */
public final class MeridianNode implements NodeRuntime, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MeridianNode.class);
    private static final long ADVERTISE_RETRY_MS = 500;

    private final NodeConfig config;
    private final String prefix;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService watchExecutor;
    private final MetadataStateMachine stateMachine;
    private final LeaderServices leaderServices;
    private final LoadStore load = new LoadStore(System::currentTimeMillis);
    private final PlacementScheduler placement;
    private final LivenessMonitor liveness;
    private final RaftMembership membership;
    private final CompletableFuture<Stop> stopped = new CompletableFuture<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final IntegrityCheck integrity;
    private final NodeTls tls;
    private volatile RaftServer raftServer;
    private volatile RaftGateway gateway;
    private volatile Server apiServer;
    private volatile HostPort apiAddress;
    private volatile boolean closing;
    private volatile boolean advertised;
    private volatile long admittedIndex;
    /** When the Raft server started (wall clock, reported in the status only). */
    private volatile long startedAtMs;
    /** See {@link #restart}; 0 for a start. */
    private int restartAttempt;

    private MeridianNode(NodeConfig config, NodeTls tls) {
        this.config = config;
        this.tls = tls;
        this.prefix = config.nodeId();
        this.groupId = groupIdFor(config.clusterName());
        this.selfId = RaftPeerId.valueOf(config.nodeId());
        this.scheduler = Executors.newScheduledThreadPool(4, threads(prefix + "-node"));
        this.watchExecutor = Executors.newCachedThreadPool(threads(prefix + "-watch"));
        this.stateMachine = new MetadataStateMachine(prefix,
                new ChangeFeed(config.tuning().watchRetention(), 64L << 20), Clock.systemUTC());
        this.membership = new RaftMembership(this::currentDivision, RaftGroup.valueOf(groupId,
                RaftPeer.newBuilder().setId(selfId).setAddress(config.raftAddress().toString()).build()),
                config.tuning(), tls.raftParameters());
        MembershipReconciler reconciler = new MembershipReconciler(prefix, config.nodeId(), stateMachine::image,
                membership, () -> gateway, System::nanoTime);
        this.liveness = LivenessMonitor.onSystemClocks(prefix, config.nodeId(), stateMachine::image,
                membership::followers);
        this.placement = new PlacementScheduler(prefix, scheduler, stateMachine::image, this::propose,
                this::isLeader, load, liveness::liveness);
        this.leaderServices = new LeaderServices(prefix, scheduler, stateMachine::image, () -> gateway,
                this::raftMembers, reconciler, placement, liveness);
        this.apiAddress = config.apiAddress();
        this.integrity = new IntegrityCheck(prefix, System::currentTimeMillis);
    }

    /** The metadata group's id: the same on every node of a cluster, derived from its name. */
    public static RaftGroupId groupIdFor(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("meridian-metadata:" + clusterName)
                .getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Starts a node. On a data directory it has never used, the configuration must name the initial
     * peers; on one it used before, the stored identity must match the configuration's node id.
     */
    public static MeridianNode start(NodeConfig config) throws IOException {
        return start(config, 0);
    }

    /**
     * Starts a node again in the process it stopped in, after it stopped asking for a restart
     * ({@link Stop#restart}) for the {@code attempt}th time: as {@link #start}, but its first
     * election waits for the leader to reach it with the configuration that made it a listener,
     * 5 to 10 election timeouts on the first attempt and twice as long on each next one (at most a
     * minute or two). A member started on a log from before that change thinks itself a voter, and
     * its election would only get it closed again by the leader (Ratis answers a candidate outside
     * the voters with "shut down"); a leader whose connection to it failed for a while may take
     * some seconds to reach it again.
     */
    public static MeridianNode restart(NodeConfig config, int attempt) throws IOException {
        if (attempt < 1) {
            throw new IllegalArgumentException("a restart attempt counts from 1, not " + attempt);
        }
        return start(config, attempt);
    }

    private static MeridianNode start(NodeConfig config, int restartAttempt) throws IOException {
        routeJavaUtilLogging();
        NodeTls tls = NodeTls.open(config);
        MeridianNode node;
        try {
            node = new MeridianNode(config, tls);
        } catch (RuntimeException e) {
            tls.close();
            throw e;
        }
        node.restartAttempt = restartAttempt;
        try {
            node.startAll();
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /** Sends java.util.logging (used by Ratis' shaded gRPC) to SLF4J, once per JVM. */
    private static synchronized void routeJavaUtilLogging() {
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }

    private void startAll() throws IOException {
        Path dataDir = config.dataDir();
        Files.createDirectories(dataDir);
        Path raftDir = dataDir.resolve("raft");
        boolean restart = Files.isDirectory(raftDir.resolve(groupId.getUuid().toString()));
        NodeIdentity identity = checkIdentity(dataDir, restart);
        RaftGroup group;
        if (identity.joins()) {
            // A joining node starts as a listener of a configuration of its own; the leader's
            // configuration, once it adds this node, replaces it (a stored one, on a restart).
            group = RaftGroup.valueOf(groupId, RaftPeer.newBuilder().setId(selfId)
                    .setAddress(config.raftAddress().toString()).setStartupRole(RaftPeerRole.LISTENER).build());
        } else if (restart) {
            group = RaftGroup.valueOf(groupId);
        } else if (config.initialPeers().isEmpty()) {
            throw new IllegalArgumentException("data directory " + dataDir + " holds no cluster yet; give the raft "
                    + "addresses of the initial members (--peers) to start a new cluster, or the api addresses of "
                    + "a running one (--join) to join it");
        } else {
            List<RaftPeer> peers = new ArrayList<>();
            config.initialPeers().forEach((id, address) ->
                    peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build()));
            group = RaftGroup.valueOf(groupId, peers);
        }
        stateMachine.setHooks(new Hooks());
        stateMachine.setGuard(new QuorumGuard(config.nodeId(), membership));
        raftServer = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(raftProperties(raftDir))
                .setParameters(tls.raftParameters())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        raftServer.start();
        startedAtMs = System.currentTimeMillis();
        gateway = new RaftGateway(prefix, groupId, selfId, raftMembers(), config.tuning(), scheduler,
                this::currentDivision, tls.raftParameters());
        startApi();
        if (!identity.admitted()) {
            Admission.Admitted admitted = new Admission(config, identity, tls.material()).admit(apiAddress.toString(),
                    config.capabilities().encode());
            identity.withAdmitted(true).write(dataDir);
            admittedIndex = admitted.index();
            gateway.updatePeers(admitted.members());
        }
        LOG.info("{}: Started: raft on {}, API on {}, data in {}{}.", prefix, config.raftAddress(), apiAddress,
                dataDir, restart ? " (restarted on existing data)" : "");
        scheduler.execute(this::advertiseSelf);
        scheduler.scheduleWithFixedDelay(this::watchMembership, 1, 1, TimeUnit.SECONDS);
        long integrityMs = config.tuning().integrityCheckInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::checkIntegrity, integrityMs, integrityMs, TimeUnit.MILLISECONDS);
    }

    private Optional<RaftServer.Division> currentDivision() {
        RaftServer server = raftServer;
        if (server == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(server.getDivision(groupId));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Why a node stopped: closed (a clean stop), let go by the cluster (decommissioned and out of
     * the Raft configuration), stopped to start again on the same data ({@code restart}), or
     * failed: its Raft server stopped for any other reason, which a service manager should treat as
     * a crash.
     */
    public record Stop(String reason, boolean failed, boolean restart) {

        static Stop clean(String reason) {
            return new Stop(reason, false, false);
        }

        static Stop failure(String reason) {
            return new Stop(reason, true, false);
        }

        static Stop restart(String reason) {
            return new Stop(reason, false, true);
        }
    }

    /**
     * Why a node restarts when the configuration made it a listener while it ran as a voter (the
     * reconciler demotes a voter recorded DOWN, and a node killed before that learns it from the log
     * after its restart). Ratis 3.3 changes a running member's role from listener to follower but
     * never back: the member stays a follower, and at its next election timeout (the leader lost)
     * finds itself outside the voters and closes its division. Started again, Ratis reads the
     * configuration and starts it as a listener.
     */
    private static final String LISTENER_RESTART = "the metadata group made it a listener while it ran as a voter, "
            + "which Ratis only takes in at start; restarting on the same data as a listener";

    /**
     * Stops the node once the cluster is done with it (topology says it was decommissioned and the
     * configuration no longer has it), or once its Raft server stopped on its own, which is a
     * failure unless the cluster had removed it. A joining node catching up passes through states
     * from before it joined; only states from its admission on count.
     */
    private void watchMembership() {
        if (closing) {
            return;
        }
        Optional<RaftServer.Division> division = currentDivision();
        MetadataImage image = stateMachine.image();
        boolean decommissioned = image.index() >= admittedIndex && image.topology().node(config.nodeId())
                .map(node -> node.state() == NodeState.DECOMMISSIONED).orElse(false);
        Stop stop = null;
        String self = config.nodeId();
        // A closed division still tells the configuration it last had.
        RaftMembership.Conf conf = membership.current();
        boolean listener = conf.stable() && conf.listeners().containsKey(self) && !conf.voters().containsKey(self);
        if (division.isEmpty() || !division.get().getInfo().isAlive()) {
            if (decommissioned) {
                stop = Stop.clean("it was decommissioned and the metadata group no longer has it as a member");
            } else if (listener || recordedLearnerByTheOthers()) {
                // An election found it outside the voters before the check below saw it: demoted
                // while it was away, it started from a log that still had it a voter, and the leader
                // answered its vote request with "shut down" (Ratis does so for any candidate
                // outside the voters).
                stop = Stop.restart("Ratis closed its division, and the cluster has it as a learner (demoted while "
                        + "it was away); restarting on the same data to serve as a listener");
            } else {
                stop = Stop.failure("its Raft server stopped unexpectedly: " + stateMachine.failure()
                        .map(Throwable::toString).orElse("Ratis closed the metadata group's division (its error "
                                + "is in the node's log just before this)"));
            }
        } else if (decommissioned && !conf.contains(self)) {
            stop = Stop.clean("it was decommissioned and the metadata group no longer has it as a member");
        } else if (listener && division.get().getInfo().isFollower()) {
            stop = Stop.restart(LISTENER_RESTART);
        }
        if (stop != null) {
            if (stop.failed()) {
                LOG.error("{}: Stopping: {}.", prefix, stop.reason());
            } else if (stop.restart()) {
                LOG.warn("{}: Stopping to restart: {}.", prefix, stop.reason());
            } else {
                LOG.info("{}: Stopping: {}.", prefix, stop.reason());
            }
            Stop why = stop;
            Thread stopper = new Thread(() -> shutdown(false, why), prefix + "-stop");
            stopper.start();
        }
    }

    /**
     * The corruption check: compares every member's state digests at common checkpoint indexes.
     * A node that finds itself diverged serves no more reads (the API checks {@link #corrupt}) and,
     * when it leads, hands leadership to a healthy voter.
     */
    private void checkIntegrity() {
        if (closing) {
            return;
        }
        try {
            List<MemberStatus> members = new ArrayList<>(otherMembers(Duration.ofSeconds(2)));
            members.add(localStatus());
            boolean wasCorrupt = integrity.selfCorrupt().isPresent();
            integrity.compare(members, membership.current().voters().keySet());
            if (!wasCorrupt && integrity.selfCorrupt().isPresent() && isLeader()) {
                LOG.error("{}: This replica's state diverged; handing leadership to a healthy voter.", prefix);
                handOffLeadership();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: The integrity check failed: {}", prefix, e.toString());
        }
    }

    @Override
    public Optional<Alarm> corrupt() {
        return integrity.selfCorrupt();
    }

    /** While this replica leads: what it knows of each follower; empty otherwise. */
    public Map<String, RaftMembership.Progress> followerProgress() {
        return membership.followers();
    }

    /** The Raft configuration as this replica sees it. */
    public RaftMembership.Conf raftConf() {
        return membership.current();
    }

    /** Completes, with the reason, when the node stopped: closed, let go by the cluster, or failed. */
    public CompletableFuture<Stop> stopped() {
        return stopped;
    }

    /** The identity the data directory keeps, checked against the configuration and written back. */
    private NodeIdentity checkIdentity(Path dataDir, boolean restart) throws IOException {
        NodeIdentity wanted = NodeIdentity.of(config);
        if (NodeIdentity.existsIn(dataDir)) {
            NodeIdentity stored = NodeIdentity.read(dataDir);
            wanted = wanted.withAdmitted(stored.admitted() || !wanted.joins());
            if (!stored.nodeId().equals(config.nodeId())) {
                throw new IllegalArgumentException("data directory " + dataDir + " belongs to node " + stored.nodeId()
                        + ", not " + config.nodeId());
            }
            if (!stored.clusterName().equals(config.clusterName())) {
                throw new IllegalArgumentException("data directory " + dataDir + " belongs to cluster "
                        + stored.clusterName() + ", not " + config.clusterName());
            }
            if (!stored.raftAddress().equals(config.raftAddress().toString())) {
                throw new IllegalArgumentException("node " + config.nodeId() + " was a member at raft address "
                        + stored.raftAddress() + "; its raft address cannot change to " + config.raftAddress());
            }
        } else if (restart) {
            throw new IllegalArgumentException("data directory " + dataDir + " holds Raft data but no "
                    + NodeIdentity.FILE + "; it was not written by a Meridian node");
        }
        wanted.write(dataDir);
        return wanted;
    }

    /** Reads the configuration a data directory was started with, for a restart without flags. */
    public static Optional<NodeIdentity> storedIdentity(Path dataDir) throws IOException {
        return NodeIdentity.existsIn(dataDir) ? Optional.of(NodeIdentity.read(dataDir)) : Optional.empty();
    }

    private RaftProperties raftProperties(Path raftDir) {
        RaftProperties properties = RaftSettings.properties(config.tuning(), raftDir, config.raftAddress());
        if (restartAttempt > 0) {
            long wait = Math.min(60_000, config.tuning().electionTimeoutMax().toMillis() * 5
                    << Math.min(restartAttempt - 1, 10));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, TimeDuration.valueOf(wait,
                    TimeUnit.MILLISECONDS));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, TimeDuration.valueOf(2 * wait,
                    TimeUnit.MILLISECONDS));
        }
        return properties;
    }

    private void startApi() throws IOException {
        Authorization authorization = new Authorization(tls.secure(), () -> stateMachine.image().access());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(config.apiAddress().toSocketAddress())
                .maxInboundMessageSize(8 << 20);
        tls.material().ifPresent(material -> builder.sslContext(material.serverContext()));
        for (io.grpc.BindableService service : List.of(new MetadataApi(this), new WatchApi(this, watchExecutor),
                new MembershipApi(this), new PlacementApi(this), new NodeApi(this), new AccessApi(this))) {
            // The leader hint, the request identity and the caller's address first; the access check
            // last, right before the service.
            builder.addService(io.grpc.ServerInterceptors.intercept(authorization.guard(service.bindService()),
                    new RemoteAddress(), new RequestIdentity(), new LeaderHint(this::leaderApiAddress)));
        }
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot serve the API on " + config.apiAddress() + ": " + e.getMessage(), e);
        }
        apiServer = server;
        apiAddress = config.apiAddress().withPort(server.getPort());
    }

    /**
     * Makes sure topology knows this node's api address, labels, version and capabilities: proposes
     * an advertisement, retrying while the cluster is not bootstrapped yet or unreachable.
     */
    private void advertiseSelf() {
        if (closing || advertised) {
            return;
        }
        try {
            // Judge from a state that includes everything committed, not from a replica still
            // replaying its log: an earlier advertisement of this node may be further on.
            gateway.readBarrier().get(config.tuning().writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            scheduler.schedule(this::advertiseSelf, ADVERTISE_RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        MetadataImage image = stateMachine.image();
        Optional<Node> known = image.topology().node(config.nodeId());
        byte[] capabilities = config.capabilities().encode();
        boolean upToDate = known.isPresent()
                && known.get().apiAddress().equals(apiAddress.toString())
                && known.get().softwareVersion().equals(config.softwareVersion())
                && known.get().labels().equals(Labels.fromProto(Labels.toProto(config.labels())))
                && image.capabilities().advertised().containsKey(config.nodeId())
                && image.capabilities().supportedBy(config.nodeId()).equals(advertisedValues());
        if (upToDate) {
            advertised = true;
            return;
        }
        if (known.isEmpty()) {
            scheduler.schedule(this::advertiseSelf, ADVERTISE_RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        MetadataEntry entry = MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                .setAdvertise(AdvertiseNode.newBuilder()
                        .setNodeId(config.nodeId())
                        .setApiAddress(apiAddress.toString())
                        .addAllLabels(Labels.toProto(config.labels()))
                        .setSoftwareVersion(config.softwareVersion())
                        .setCapabilities(ByteString.copyFrom(capabilities))))
                .build();
        try {
            EntryOutcome outcome = gateway.submitAndWait(entry);
            if (outcome.hasRejection()) {
                LOG.warn("{}: The cluster refused this node's advertisement: {}", prefix,
                        outcome.getRejection().getMessage());
            } else {
                advertised = true;
                LOG.info("{}: Advertised api {} and version {} at index {}.", prefix, apiAddress,
                        config.softwareVersion(), outcome.getIndex());
            }
        } catch (WriteFailure e) {
            LOG.debug("{}: Advertising did not complete ({}); retrying.", prefix, e.getMessage());
            scheduler.schedule(this::advertiseSelf, ADVERTISE_RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The capability values this node advertises, as topology would record them. */
    private TreePMap<String, TreePSet<Long>> advertisedValues() {
        try {
            return config.capabilities().integerValues();
        } catch (CapabilityCodecException e) {
            throw new IllegalStateException("this node's own capability advertisement does not decode", e);
        }
    }

    /** The members of the metadata group, voters and listeners, as this replica knows them. */
    public Collection<RaftPeer> raftMembers() {
        RaftServer server = raftServer;
        if (server == null) {
            return List.of();
        }
        try {
            var conf = server.getDivision(groupId).getRaftConf();
            Map<String, RaftPeer> byId = new TreeMap<>();
            conf.getAllPeers(RaftPeerRole.FOLLOWER).forEach(peer -> byId.put(peer.getId().toString(), peer));
            conf.getAllPeers(RaftPeerRole.LISTENER).forEach(peer -> byId.put(peer.getId().toString(), peer));
            return List.copyOf(byId.values());
        } catch (IOException e) {
            return List.of();
        }
    }

    // ---- NodeRuntime. ----

    @Override
    public String nodeId() {
        return config.nodeId();
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    @Override
    public RaftGateway gateway() {
        return gateway;
    }

    @Override
    public boolean isClosing() {
        return closing;
    }

    /** The address the API listens on (the configured one, with the real port if it asked for 0). */
    public HostPort apiAddress() {
        return apiAddress;
    }

    public RaftServer.Division division() throws IOException {
        return raftServer.getDivision(groupId);
    }

    @Override
    public boolean isLeader() {
        try {
            DivisionInfo info = division().getInfo();
            return info.isLeader() && info.isLeaderReady();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether this node's own advertisement is in topology. */
    public boolean hasAdvertised() {
        return advertised;
    }

    @Override
    public long takeSnapshot() throws IOException {
        long index = membership.takeSnapshot(config.tuning().writeTimeout().toMillis());
        LOG.info("{}: Took a snapshot on demand at index {}.", prefix, index);
        return index;
    }

    @Override
    public String transferLeadership(String to) throws IOException {
        RaftServer.Division division = division();
        RaftPeerId target = RaftPeerId.valueOf(to);
        boolean voter = division.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER).stream()
                .anyMatch(peer -> peer.getId().equals(target));
        if (!voter) {
            throw new IllegalArgumentException(to + " is not a voter of the metadata group");
        }
        RaftPeerId previous = division.getInfo().getLeaderId();
        var reply = gateway.client().admin().transferLeadership(target, config.tuning().writeTimeout().toMillis());
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("the metadata group did not transfer leadership");
        }
        LOG.info("{}: Leadership of the metadata group moved from {} to {} on request.", prefix, previous, to);
        return previous == null ? "" : previous.toString();
    }

    private EntryOutcome propose(MetadataEntry entry) throws WriteFailure, InterruptedException {
        RaftGateway raft = gateway;
        if (raft == null) {
            throw WriteFailure.notTaken("the node is still starting", null);
        }
        return raft.submitAndWait(entry);
    }

    @Override
    public Optional<PlacementScheduler> placement() {
        return leaderServices.isLeading() && isLeader() ? Optional.of(placement) : Optional.empty();
    }

    @Override
    public LoadStore load() {
        return load;
    }

    @Override
    public LivenessMonitor liveness() {
        return liveness;
    }

    /** The id of the member that leads, as this node's Raft server knows it. */
    private Optional<String> leaderId() {
        return currentDivision().map(division -> division.getInfo().getLeaderId()).map(Object::toString);
    }

    @Override
    public Optional<String> leaderApiAddress() {
        return leaderId().flatMap(leader -> leader.equals(config.nodeId())
                ? Optional.ofNullable(apiAddress).map(HostPort::toString) : otherApiAddress(leader));
    }

    private Optional<String> otherApiAddress(String nodeId) {
        return stateMachine.image().topology().node(nodeId).map(Node::apiAddress).filter(api -> !api.isEmpty());
    }

    @Override
    public Optional<io.grpc.Channel> leaderChannel() {
        return leaderId().filter(leader -> !leader.equals(config.nodeId())).flatMap(this::otherApiAddress)
                .map(this::channel);
    }

    @Override
    public boolean secure() {
        return tls.secure();
    }

    @Override
    public Optional<CertificateAuthority> certificateAuthority() {
        return tls.authority();
    }

    @Override
    public MemberStatus localStatus() {
        MetadataStateMachine.DigestedState state = stateMachine.digestedState();
        MemberStatus.Builder status = MemberStatus.newBuilder()
                .setId(config.nodeId())
                .setAppliedIndex(state.image().index())
                .setStateDigest(state.digest().hex())
                .setRaftAddress(config.raftAddress().toString())
                .setApiAddress(apiAddress.toString())
                .setStartedAtMs(startedAtMs)
                .addAllAlarms(integrity.alarms());
        stateMachine.checkpointDigests().forEach((index, digest) -> status.addCheckpoints(
                DigestCheckpoint.newBuilder().setIndex(index).setDigest(digest.hex())));
        try {
            RaftServer.Division division = division();
            DivisionInfo info = division.getInfo();
            status.setRole(info.getCurrentRole().name())
                    .setLeaderId(info.getLeaderId() == null ? "" : info.getLeaderId().toString())
                    .setTerm(info.getCurrentTerm())
                    .setCommitIndex(division.getRaftLog().getLastCommittedIndex());
        } catch (IOException | RuntimeException e) {
            status.setRole("UNKNOWN").setError("the Raft server is not running: " + e.getMessage());
        }
        return status.build();
    }

    /**
     * Whether the other members' topology (the first that answers, in a linearizable read) has
     * this node as a learner that is not decommissioned.
     */
    private boolean recordedLearnerByTheOthers() {
        List<String> apis = stateMachine.image().topology().nodes().values().stream()
                .filter(node -> !node.id().equals(config.nodeId()) && !node.apiAddress().isEmpty())
                .map(Node::apiAddress).sorted().toList();
        for (String api : apis) {
            try {
                TopologyReply topology = MetadataServiceGrpc.newBlockingStub(channel(api))
                        .withDeadlineAfter(3, TimeUnit.SECONDS).getTopology(ReadOptions.getDefaultInstance());
                return topology.getNodesList().stream().map(NodeInfo::getNode)
                        .anyMatch(node -> node.getNodeId().equals(config.nodeId())
                                && node.getRole() == RaftRoleProto.RAFT_ROLE_LEARNER
                                && node.getState() != NodeStateProto.NODE_STATE_DECOMMISSIONED);
            } catch (StatusRuntimeException e) {
                LOG.info("{}: {} did not say how the cluster has this node: {}", prefix, api, e.getStatus());
            }
        }
        return false;
    }

    @Override
    public List<MemberStatus> otherMembers(Duration deadline) {
        MetadataImage image = stateMachine.image();
        TreeMap<String, String> raftAddresses = new TreeMap<>();
        raftMembers().forEach(peer -> raftAddresses.put(peer.getId().toString(), peer.getAddress()));
        image.topology().nodes().values().forEach(node -> raftAddresses.putIfAbsent(node.id(), node.raftAddress()));
        raftAddresses.remove(config.nodeId());
        List<CompletableFuture<MemberStatus>> asked = new ArrayList<>();
        for (Map.Entry<String, String> member : raftAddresses.entrySet()) {
            String api = image.topology().node(member.getKey()).map(Node::apiAddress).orElse("");
            MemberStatus unreachable = MemberStatus.newBuilder().setId(member.getKey()).setRole("UNREACHABLE")
                    .setRaftAddress(member.getValue()).setApiAddress(api).build();
            if (api.isEmpty()) {
                asked.add(CompletableFuture.completedFuture(unreachable.toBuilder()
                        .setError("its api address is not known yet").build()));
                continue;
            }
            CompletableFuture<MemberStatus> answer = new CompletableFuture<>();
            MetadataServiceGrpc.newStub(channel(api)).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .localStatus(LocalStatusRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(MemberStatus value) {
                            answer.complete(value);
                        }

                        @Override
                        public void onError(Throwable error) {
                            answer.complete(unreachable.toBuilder().setError(String.valueOf(error.getMessage()))
                                    .build());
                        }

                        @Override
                        public void onCompleted() {
                            answer.complete(unreachable.toBuilder().setError("no answer").build());
                        }
                    });
            asked.add(answer);
        }
        List<MemberStatus> out = new ArrayList<>();
        for (CompletableFuture<MemberStatus> answer : asked) {
            out.add(answer.join());
        }
        return out;
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, tls::channel);
    }

    // ---- Shutdown. ----

    @Override
    public void close() {
        shutdown(true, Stop.clean("stopped"));
    }

    /**
     * Stops the node abruptly, as a crash would look to the other members: no leadership handoff.
     * The data directory stays as it is.
     */
    public void kill() {
        shutdown(false, Stop.clean("killed"));
    }

    /**
     * Stops nodes of one cluster together, in parallel and without leadership handoffs: nobody
     * stays to lead. Returns when every node has stopped.
     */
    public static void closeAll(Collection<MeridianNode> nodes) {
        List<Thread> stoppers = new ArrayList<>();
        for (MeridianNode node : nodes) {
            Thread stopper = new Thread(() -> node.shutdown(false, Stop.clean("stopped")), "meridian-stop-" + node.nodeId());
            stopper.start();
            stoppers.add(stopper);
        }
        boolean interrupted = false;
        for (Thread stopper : stoppers) {
            while (stopper.isAlive()) {
                try {
                    stopper.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void shutdown(boolean handOff, Stop reason) {
        if (closing) {
            return;
        }
        closing = true;
        try {
            stopNow(handOff);
        } finally {
            stopped.complete(reason);
        }
    }

    private void stopNow(boolean handOff) {
        leaderServices.stop();
        if (handOff) {
            handOffLeadership();
        }
        Server api = apiServer;
        if (api != null) {
            api.shutdown();
        }
        watchExecutor.shutdownNow();
        RaftGateway raft = gateway;
        if (raft != null) {
            raft.close();
        }
        RaftServer server = raftServer;
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warn("{}: Closing the Raft server failed: {}", prefix, e.toString());
            }
        }
        if (api != null) {
            try {
                if (!api.awaitTermination(2, TimeUnit.SECONDS)) {
                    api.shutdownNow();
                }
            } catch (InterruptedException e) {
                api.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        channels.values().forEach(ManagedChannel::shutdownNow);
        try {
            membership.close();
        } catch (IOException e) {
            LOG.debug("{}: Closing the membership client failed: {}", prefix, e.toString());
        }
        scheduler.shutdownNow();
        tls.close();
        LOG.info("{}: Stopped.", prefix);
    }

    /**
     * When this node leads, hands leadership to the voter that answered it most recently, so the
     * cluster needs no election.
     */
    private void handOffLeadership() {
        RaftGateway raft = gateway;
        if (raft == null || !isLeader()) {
            return;
        }
        try {
            RaftServer.Division division = division();
            java.util.Set<RaftPeerId> voters = new java.util.HashSet<>();
            division.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER).forEach(peer -> voters.add(peer.getId()));
            RaftPeerId target = null;
            long freshest = Long.MAX_VALUE;
            for (var follower : division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
                RaftPeerId id = RaftPeerId.valueOf(follower.getId().getId());
                if (voters.contains(id) && !id.equals(selfId) && follower.getLastRpcElapsedTimeMs() < freshest) {
                    freshest = follower.getLastRpcElapsedTimeMs();
                    target = id;
                }
            }
            if (target == null || freshest > config.tuning().electionTimeoutMin().toMillis()) {
                return;
            }
            raft.client().admin().transferLeadership(target, config.tuning().electionTimeoutMax().toMillis());
            LOG.info("{}: Handed leadership to {} before stopping.", prefix, target);
        } catch (IOException | RuntimeException e) {
            LOG.info("{}: Could not hand leadership off before stopping ({}); the others will elect a leader.",
                    prefix, e.toString());
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Leadership and membership events from the state machine, handed to this node's threads. */
    private final class Hooks implements LeaderHooks {
        @Override
        public void leaderReady() {
            if (!closing) {
                leaderServices.start();
            }
        }

        @Override
        public void notLeader() {
            leaderServices.stop();
        }

        @Override
        public void leaderChanged(String leaderId) {
            RaftGateway raft = gateway;
            if (raft != null && !closing) {
                scheduler.execute(() -> raft.leaderChanged(leaderId));
            }
        }

        @Override
        public void configurationChanged() {
            if (!closing) {
                scheduler.execute(() -> {
                    RaftGateway raft = gateway;
                    if (raft != null) {
                        raft.updatePeers(raftMembers());
                    }
                });
            }
        }
    }
}
