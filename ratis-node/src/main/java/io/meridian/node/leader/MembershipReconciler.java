package io.meridian.node.leader;

import io.meridian.core.MetadataImage;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.core.topology.RaftRole;
import io.meridian.core.topology.TopologyImage;
import io.meridian.core.topology.VoterPolicy;
import io.meridian.node.raft.RaftGateway;
import io.meridian.node.raft.RaftMembership;
import io.meridian.node.raft.RaftMembership.Conf;
import io.meridian.node.raft.RaftMembership.Progress;
import io.meridian.node.raft.WriteFailure;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.proto.ActivateNode;
import io.meridian.proto.DemoteNode;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.PromoteNode;
import io.meridian.proto.TopologyChange;
import java.io.IOException;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Raft configuration equal to topology, on the leader: a JOINING or ACTIVE learner is a
 * Ratis listener, a voter a Ratis voter, a DECOMMISSIONED node (or one that left) no member at
 * all. Each pass makes at most one configuration change, and none while another is under way; a
 * leader that must leave the configuration first hands its leadership to a voter that stays.
 *
 * <p>Once the configuration matches, it proposes what topology cannot know by itself: a JOINING
 * node whose log caught up becomes ACTIVE, and while voters are fewer than the policy's target,
 * the learner (admitted for the voter role) that has stayed caught up longest enough is promoted,
 * a learner in a zone without a voter first. What it proposes goes through the log like any
 * write, so a new leader picks up exactly where the old one stopped.
 *
 * <p>Not thread-safe: the leader services run it on one thread at a time.
 */
public final class MembershipReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipReconciler.class);
    private static final long MAX_BACKOFF_MS = 5_000;

    private final String prefix;
    private final String self;
    private final Supplier<MetadataImage> image;
    private final RaftMembership raft;
    private final Supplier<RaftGateway> gateway;
    private final LongSupplier nanoTime;
    private final Map<String, Long> caughtUpSince = new TreeMap<>();
    private long retryAtNanos;
    private long backoffMs;
    private String lastProblem = "";

    public MembershipReconciler(String prefix, String self, Supplier<MetadataImage> image, RaftMembership raft,
            Supplier<RaftGateway> gateway, LongSupplier nanoTime) {
        this.prefix = prefix;
        this.self = self;
        this.image = image;
        this.raft = raft;
        this.gateway = gateway;
        this.nanoTime = nanoTime;
    }

    /** Forgets what an earlier term observed; called when this replica becomes leader. */
    public void reset() {
        caughtUpSince.clear();
        retryAtNanos = 0;
        backoffMs = 0;
        lastProblem = "";
    }

    /** One configuration change that brings Raft closer to topology. */
    record Step(String description, Map<String, RaftPeer> voters, Map<String, RaftPeer> listeners,
            Optional<String> handLeadershipTo) {
    }

    /** One pass: a configuration change, or else one proposal of activation or promotion. */
    public void reconcile() throws InterruptedException {
        MetadataImage current = image.get();
        if (!current.topology().bootstrapped()) {
            return;
        }
        Conf conf = raft.current();
        if (!conf.stable() || conf.voters().isEmpty()) {
            return;
        }
        Optional<Step> step = nextStep(current.topology(), conf, self, raft.followers());
        if (step.isPresent()) {
            if (nanoTime.getAsLong() - retryAtNanos < 0) {
                return;
            }
            apply(conf, step.get());
            return;
        }
        backoffMs = 0;
        lastProblem = "";
        Map<String, Progress> progress = raft.followers();
        long commit = raft.commitIndex();
        trackCaughtUp(current.topology(), conf, progress, commit);
        Optional<MetadataEntry> proposal = activation(current.topology(), conf, progress, commit)
                .or(() -> promotion(current.topology(), conf))
                .or(() -> demotion(current));
        if (proposal.isPresent()) {
            propose(proposal.get());
        }
    }

    // ---- The configuration. ----

    /** The next configuration change, or none when Raft already matches topology. */
    static Optional<Step> nextStep(TopologyImage topology, Conf conf, String self, Map<String, Progress> followers) {
        Map<String, RaftPeer> wantVoters = new TreeMap<>();
        Map<String, RaftPeer> wantListeners = new TreeMap<>();
        for (Node node : topology.nodes().values()) {
            if (!node.state().isMember()) {
                continue;
            }
            RaftPeer peer = RaftPeer.newBuilder().setId(node.id()).setAddress(node.raftAddress()).build();
            (node.isVoter() ? wantVoters : wantListeners).put(node.id(), peer);
        }
        Map<String, RaftPeer> voters = new TreeMap<>(conf.voters());
        Map<String, RaftPeer> listeners = new TreeMap<>(conf.listeners());
        // New members come in as listeners, to catch up without counting towards the quorum.
        for (Map.Entry<String, RaftPeer> want : union(wantListeners, wantVoters).entrySet()) {
            if (!conf.contains(want.getKey())) {
                listeners.put(want.getKey(), want.getValue());
                return Optional.of(new Step("add " + want.getKey() + " as a listener", voters, listeners,
                        Optional.empty()));
            }
        }
        for (String id : wantVoters.keySet()) {
            if (listeners.containsKey(id)) {
                voters.put(id, listeners.remove(id));
                return Optional.of(new Step("make " + id + " a voter", voters, listeners, Optional.empty()));
            }
        }
        for (String id : conf.voters().keySet()) {
            if (wantVoters.containsKey(id)) {
                continue;
            }
            if (id.equals(self)) {
                Optional<String> heir = heir(conf, wantVoters, followers, self);
                if (heir.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new Step("hand leadership to " + heir.get() + " before this leader leaves the "
                        + "voters", voters, listeners, heir));
            }
            RaftPeer peer = voters.remove(id);
            if (wantListeners.containsKey(id)) {
                listeners.put(id, peer);
                return Optional.of(new Step("make voter " + id + " a listener", voters, listeners, Optional.empty()));
            }
            return Optional.of(new Step("remove voter " + id, voters, listeners, Optional.empty()));
        }
        for (String id : conf.listeners().keySet()) {
            if (!wantListeners.containsKey(id) && !wantVoters.containsKey(id)) {
                listeners.remove(id);
                return Optional.of(new Step("remove listener " + id, voters, listeners, Optional.empty()));
            }
        }
        return Optional.empty();
    }

    private static Map<String, RaftPeer> union(Map<String, RaftPeer> a, Map<String, RaftPeer> b) {
        Map<String, RaftPeer> out = new TreeMap<>(a);
        out.putAll(b);
        return out;
    }

    /** The staying voter that answered this leader most recently. */
    private static Optional<String> heir(Conf conf, Map<String, RaftPeer> wantVoters, Map<String, Progress> followers,
            String self) {
        return conf.voters().keySet().stream()
                .filter(id -> !id.equals(self) && wantVoters.containsKey(id) && followers.containsKey(id))
                .min(Comparator.comparingLong((String id) -> followers.get(id).lastContactMs())
                        .thenComparing(Comparator.naturalOrder()));
    }

    private void apply(Conf conf, Step step) {
        long started = nanoTime.getAsLong();
        try {
            if (step.handLeadershipTo().isPresent()) {
                LOG.info("{}: Membership: {}.", prefix, step.description());
                raft.transferLeadership(step.handLeadershipTo().get());
            } else {
                LOG.info("{}: Membership: {} (voters {} -> {}, listeners {} -> {}).", prefix, step.description(),
                        conf.voters().keySet(), step.voters().keySet(), conf.listeners().keySet(),
                        step.listeners().keySet());
                raft.change(conf, step.voters().values(), step.listeners().values());
                LOG.info("{}: Membership: done: {} in {} ms.", prefix, step.description(),
                        TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - started));
            }
            backoffMs = 0;
            lastProblem = "";
        } catch (IOException | RuntimeException e) {
            backoffMs = backoffMs == 0 ? 500 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            retryAtNanos = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
            String problem = step.description() + ": " + e;
            if (!problem.equals(lastProblem)) {
                LOG.warn("{}: Membership: could not {} ({}); retrying, next in {} ms.", prefix, step.description(),
                        e.toString(), backoffMs);
                lastProblem = problem;
            }
        }
    }

    // ---- Activation and promotion. ----

    /** Answering the leader, with a log within {@code lag} entries of the commit index. */
    private boolean caughtUp(Progress progress, long commit, int lag) {
        return progress != null && raft.alive(progress) && progress.matchIndex() > 0
                && commit - progress.matchIndex() <= lag;
    }

    private void trackCaughtUp(TopologyImage topology, Conf conf, Map<String, Progress> progress, long commit) {
        int lag = topology.voterPolicy().promoteLagEntries();
        long now = nanoTime.getAsLong();
        Set<String> seen = new TreeSet<>();
        for (String id : conf.listeners().keySet()) {
            seen.add(id);
            if (caughtUp(progress.get(id), commit, lag)) {
                caughtUpSince.putIfAbsent(id, now);
            } else {
                caughtUpSince.remove(id);
            }
        }
        caughtUpSince.keySet().retainAll(seen);
    }

    /** A JOINING member whose log caught up becomes ACTIVE. */
    private Optional<MetadataEntry> activation(TopologyImage topology, Conf conf, Map<String, Progress> progress,
            long commit) {
        int lag = topology.voterPolicy().promoteLagEntries();
        for (Node node : topology.nodes().values()) {
            if (node.state() == NodeState.JOINING && conf.contains(node.id())
                    && caughtUp(progress.get(node.id()), commit, lag)) {
                return Optional.of(MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setActivate(ActivateNode.newBuilder().setNodeId(node.id()))).build());
            }
        }
        return Optional.empty();
    }

    /** Voters that count towards the minimum and are not recorded DOWN. */
    private static long healthyVoters(TopologyImage topology) {
        return topology.nodes().values().stream().filter(node -> node.isCountedVoter() && !node.isDown()).count();
    }

    /**
     * While healthy voters are below target (a voter DOWN counts as missing): the learner that
     * stayed caught up long enough, zones without a healthy voter first.
     */
    private Optional<MetadataEntry> promotion(TopologyImage topology, Conf conf) {
        VoterPolicy policy = topology.voterPolicy();
        if (!policy.autoPromote() || healthyVoters(topology) >= policy.targetVoters()) {
            return Optional.empty();
        }
        Set<String> voterZones = new TreeSet<>();
        topology.nodes().values().stream().filter(node -> node.isCountedVoter() && !node.isDown())
                .forEach(node -> voterZones.add(node.zone()));
        long now = nanoTime.getAsLong();
        long window = TimeUnit.MILLISECONDS.toNanos(policy.promoteAfterMs());
        return topology.nodes().values().stream()
                .filter(node -> node.state() == NodeState.ACTIVE && node.role() == RaftRole.LEARNER
                        && node.requestedRole() == RaftRole.VOTER && conf.listeners().containsKey(node.id()))
                .filter(node -> caughtUpSince.containsKey(node.id())
                        && now - caughtUpSince.get(node.id()) >= window)
                .min(Comparator.comparing((Node node) -> !node.zone().isEmpty() && voterZones.contains(node.zone()))
                        .thenComparing(Node::id))
                .map(node -> MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setPromote(PromoteNode.newBuilder().setNodeId(node.id()))).build());
    }

    /**
     * Once healthy voters reach the target without it (a learner was promoted in its place), a voter
     * recorded DOWN is demoted to learner; the configuration step that follows makes it a listener,
     * so the quorum is counted among members that answer. Never the last healthy replacement: the
     * voters that remain are the healthy ones, a majority of the new configuration.
     */
    private Optional<MetadataEntry> demotion(MetadataImage image) {
        TopologyImage topology = image.topology();
        if (!CapabilityGate.allows(image.capabilities(), CapabilityGate.REPAIR)
                || healthyVoters(topology) < Math.max(1, topology.voterPolicy().targetVoters())) {
            return Optional.empty();
        }
        return topology.nodes().values().stream().filter(node -> node.isVoter() && node.isDown()).findFirst()
                .map(node -> MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                        .setDemote(DemoteNode.newBuilder().setNodeId(node.id()))).build());
    }

    private void propose(MetadataEntry entry) throws InterruptedException {
        RaftGateway raftGateway = gateway.get();
        if (raftGateway == null) {
            return;
        }
        TopologyChange change = entry.getTopology();
        String what = change.hasActivate() ? "activate " + change.getActivate().getNodeId()
                : change.hasPromote() ? "promote " + change.getPromote().getNodeId()
                : "demote DOWN voter " + change.getDemote().getNodeId();
        try {
            EntryOutcome outcome = raftGateway.submitAndWait(entry);
            if (outcome.hasRejection()) {
                LOG.info("{}: Membership: {} was refused: {}", prefix, what, outcome.getRejection().getMessage());
            } else {
                LOG.info("{}: Membership: {} at index {}.", prefix, what, outcome.getIndex());
            }
        } catch (WriteFailure e) {
            LOG.info("{}: Membership: {} did not complete ({}); the next pass retries.", prefix, what, e.getMessage());
        }
    }
}
