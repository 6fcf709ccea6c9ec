package io.meridian.node.leader;

import io.meridian.core.MetadataImage;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.placement.Liveness;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeHealth;
import io.meridian.core.topology.NodeState;
import io.meridian.node.raft.RaftMembership;
import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.HealthView;
import io.meridian.proto.MarkNodeHealth;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.TopologyChange;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's judgement of liveness. Every node of the cluster is a member of the metadata group,
 * voter or learner, and answers the leader's Raft traffic at least every half election timeout:
 * that is its heartbeat. (Load reports do not count: a data plane may report for a node whose
 * Meridian process is gone.) Not heard from for {@code suspect-after}, it is SUSPECT: the leader's soft state, which
 * makes the planner move leaderships off it and give it nothing. Not heard from for
 * {@code down-after}, the leader records it DOWN in the log (so every replica and any next leader
 * know), and the planner replaces its replicas; heard from again, it is recorded UP.
 *
 * <p>A new leader has heard from nobody yet: it counts every node as seen when it took over, so a
 * failover never makes nodes SUSPECT or DOWN at once; a node already DOWN stays so until heard
 * from. Every verdict is logged with its reason.
 *
 * <p>Silences are measured on a monotonic clock; the last sight recorded with a verdict is in
 * wall time, for operators.
 *
 * <p>Thread-safe.
 */
public final class LivenessMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessMonitor.class);

    private final String prefix;
    private final String self;
    private final Supplier<MetadataImage> image;
    private final Supplier<Map<String, RaftMembership.Progress>> followers;
    /** Monotonic milliseconds. */
    private final LongSupplier clock;
    private final LongSupplier wallClock;
    private final Map<String, Long> lastSeen = new TreeMap<>();
    private final TreeSet<String> suspect = new TreeSet<>();
    private long since;

    public LivenessMonitor(String prefix, String self, Supplier<MetadataImage> image,
            Supplier<Map<String, RaftMembership.Progress>> followers, LongSupplier clock, LongSupplier wallClock) {
        this.prefix = prefix;
        this.self = self;
        this.image = image;
        this.followers = followers;
        this.clock = clock;
        this.wallClock = wallClock;
    }

    /** A monitor on this JVM's clocks: monotonic for silences, wall time for what it records. */
    public static LivenessMonitor onSystemClocks(String prefix, String self, Supplier<MetadataImage> image,
            Supplier<Map<String, RaftMembership.Progress>> followers) {
        return new LivenessMonitor(prefix, self, image, followers, () -> System.nanoTime() / 1_000_000,
                System::currentTimeMillis);
    }

    /** Starts a leadership term's judgement: every node counts as seen now. */
    public synchronized void reset() {
        lastSeen.clear();
        suspect.clear();
        since = clock.getAsLong();
    }

    /** How long the leader has not heard from the node, counted from the start of this term at most. */
    public synchronized long silenceMs(String nodeId) {
        return Math.max(0, clock.getAsLong() - Math.max(since, lastSeen.getOrDefault(nodeId, 0L)));
    }

    /** The planner's view: the SUSPECT nodes. */
    public synchronized Liveness liveness() {
        return new Liveness(suspect);
    }

    /** What the leader thinks of a node now: UP, SUSPECT or DOWN. */
    public synchronized HealthView verdict(Node node) {
        if (node.isDown()) {
            return HealthView.HEALTH_VIEW_DOWN;
        }
        return suspect.contains(node.id()) ? HealthView.HEALTH_VIEW_SUSPECT : HealthView.HEALTH_VIEW_UP;
    }

    /**
     * One pass: updates when each node was last heard from, judges SUSPECT, and proposes DOWN or
     * UP where the recorded health no longer holds.
     */
    public void check(Proposer proposer) throws InterruptedException {
        MetadataImage current = image.get();
        if (!current.topology().bootstrapped()) {
            return;
        }
        long now = clock.getAsLong();
        long suspectAfter = current.scheduler().value(SchedulerParameter.SUSPECT_AFTER);
        long downAfter = current.scheduler().value(SchedulerParameter.DOWN_AFTER);
        Map<String, Long> silence = observe(current, now, suspectAfter);
        if (!CapabilityGate.allows(current.capabilities(), CapabilityGate.REPAIR)) {
            return;
        }
        for (Map.Entry<String, Long> entry : silence.entrySet()) {
            Node node = current.topology().node(entry.getKey()).orElseThrow();
            long silent = entry.getValue();
            if (!node.isDown() && silent >= downAfter) {
                record(proposer, node, NodeHealth.DOWN, String.format(Locale.ROOT,
                        "not heard from for %.1f s (down-after %d s)", silent / 1000.0, downAfter / 1000));
            } else if (node.isDown() && heardWithin(node.id(), now, suspectAfter)) {
                record(proposer, node, NodeHealth.UP, String.format(Locale.ROOT,
                        "heard from again %.1f s ago", (now - heard(node.id())) / 1000.0));
            }
        }
    }

    /** Whether the node really answered (not just counted as seen at the term's start) lately. */
    private synchronized boolean heardWithin(String nodeId, long now, long window) {
        Long at = lastSeen.get(nodeId);
        return at != null && at > since && now - at < window;
    }

    private synchronized long heard(String nodeId) {
        return lastSeen.getOrDefault(nodeId, since);
    }

    /** How long each judged node has been silent; SUSPECT updated (and its changes logged). */
    private synchronized Map<String, Long> observe(MetadataImage current, long now, long suspectAfter) {
        // A follower the leader has not yet matched (a fresh appender, as for every follower at the
        // start of a term) has answered nothing yet: its contact time is when the appender started.
        followers.get().forEach((id, progress) -> {
            if (progress.matchIndex() >= 0) {
                lastSeen.merge(id, now - progress.lastContactMs(), Math::max);
            }
        });
        lastSeen.put(self, now);
        Map<String, Long> silence = new TreeMap<>();
        for (Node node : current.topology().nodes().values()) {
            if (node.state() == NodeState.DECOMMISSIONED) {
                suspect.remove(node.id());
                continue;
            }
            long silent = Math.max(0, now - Math.max(since, lastSeen.getOrDefault(node.id(), 0L)));
            silence.put(node.id(), silent);
            boolean nowSuspect = silent >= suspectAfter;
            if (nowSuspect && suspect.add(node.id())) {
                LOG.warn("{}: {} is SUSPECT: not heard from for {} ms (suspect-after {} ms).", prefix, node.id(),
                        silent, suspectAfter);
            } else if (!nowSuspect && suspect.remove(node.id())) {
                LOG.info("{}: {} is heard from again; no longer SUSPECT.", prefix, node.id());
            }
        }
        suspect.retainAll(silence.keySet());
        return silence;
    }

    private void record(Proposer proposer, Node node, NodeHealth health, String reason)
            throws InterruptedException {
        MetadataEntry entry = MetadataEntry.newBuilder().setTopology(TopologyChange.newBuilder()
                .setMarkHealth(MarkNodeHealth.newBuilder().setNodeId(node.id())
                        .setHealth(health == NodeHealth.DOWN ? NodeHealthProto.NODE_HEALTH_DOWN
                                : NodeHealthProto.NODE_HEALTH_UP)
                        .setLastSeenMs(wallClock.getAsLong() - silenceMs(node.id())).setReason(reason))).build();
        try {
            EntryOutcome outcome = proposer.propose(entry);
            if (outcome.hasRejection()) {
                LOG.info("{}: Recording {} {} was refused: {}", prefix, node.id(), health,
                        outcome.getRejection().getMessage());
            } else {
                LOG.warn("{}: Recorded {} {} at index {}: {}.", prefix, node.id(), health, outcome.getIndex(), reason);
            }
        } catch (WriteFailure e) {
            LOG.info("{}: Recording {} {} did not complete ({}); the next pass retries.", prefix, node.id(), health,
                    e.getMessage());
        }
    }
}
