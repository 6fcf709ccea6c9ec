package io.meridian.node.leader;

import io.meridian.core.MetadataImage;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.TokenState;
import io.meridian.node.raft.RaftGateway;
import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.InitialMember;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import io.meridian.proto.TokenExpired;
import io.meridian.proto.TopologyChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work only the leader does, started when this replica becomes leader and stopped when it
 * stops being one: bootstrapping a new cluster's topology and routing, recording the expiry of
 * join tokens, reconciling the Raft configuration with topology, judging liveness, and the
 * placement scheduler.
 * Each service proposes through the log like any client; entries carry what they were decided against, so a
 * proposal from a deposed leader is rejected at apply instead of executed.
 *
 * <p>Thread-safe: leadership events may come from any thread; the work runs on the node's
 * scheduler, and a stop cancels everything the last start scheduled.
 */
public final class LeaderServices {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderServices.class);
    private static final long RETRY_MS = 500;
    private static final long TOKEN_SWEEP_MS = 10_000;
    private static final long RECONCILE_MS = 250;
    private static final long LIVENESS_MS = 500;

    private final String prefix;
    private final ScheduledExecutorService scheduler;
    private final Supplier<MetadataImage> image;
    private final Supplier<RaftGateway> gateway;
    private final Supplier<Collection<RaftPeer>> members;
    private final MembershipReconciler reconciler;
    private final PlacementScheduler placement;
    private final LivenessMonitor liveness;
    private final List<ScheduledFuture<?>> running = new ArrayList<>();
    private long generation;
    private long reconcilerGeneration = -1;
    private boolean leading;

    public LeaderServices(String prefix, ScheduledExecutorService scheduler, Supplier<MetadataImage> image,
            Supplier<RaftGateway> gateway, Supplier<Collection<RaftPeer>> members, MembershipReconciler reconciler,
            PlacementScheduler placement, LivenessMonitor liveness) {
        this.prefix = prefix;
        this.scheduler = scheduler;
        this.image = image;
        this.gateway = gateway;
        this.members = members;
        this.reconciler = reconciler;
        this.placement = placement;
        this.liveness = liveness;
    }

    /** Starts the leader's work; a second call while leading does nothing. */
    public synchronized void start() {
        if (leading) {
            return;
        }
        leading = true;
        long current = ++generation;
        LOG.info("{}: Became leader; started the leader services.", prefix);
        running.add(scheduler.schedule(() -> bootstrap(current), 0, TimeUnit.MILLISECONDS));
        running.add(scheduler.scheduleWithFixedDelay(() -> expireTokens(current), TOKEN_SWEEP_MS, TOKEN_SWEEP_MS,
                TimeUnit.MILLISECONDS));
        running.add(scheduler.scheduleWithFixedDelay(() -> reconcile(current), RECONCILE_MS, RECONCILE_MS,
                TimeUnit.MILLISECONDS));
        liveness.reset();
        running.add(scheduler.scheduleWithFixedDelay(() -> judgeLiveness(current), LIVENESS_MS, LIVENESS_MS,
                TimeUnit.MILLISECONDS));
        placement.start();
    }

    /** Stops the leader's work; anything scheduled is cancelled. */
    public synchronized void stop() {
        if (!leading) {
            return;
        }
        leading = false;
        generation++;
        running.forEach(future -> future.cancel(false));
        running.clear();
        placement.stop();
        LOG.info("{}: No longer leader; stopped the leader services.", prefix);
    }

    public synchronized boolean isLeading() {
        return leading;
    }

    private synchronized boolean stillLeading(long expected) {
        return leading && generation == expected;
    }

    /** Registers the initial members and the first shard, once, when the cluster is new. */
    private void bootstrap(long expected) {
        if (!stillLeading(expected) || image.get().topology().bootstrapped()) {
            return;
        }
        RaftGateway raft = gateway.get();
        if (raft == null) {
            retry(() -> bootstrap(expected));
            return;
        }
        BootstrapCluster.Builder bootstrap = BootstrapCluster.newBuilder();
        List<RaftPeer> peers = new ArrayList<>(members.get());
        peers.sort((a, b) -> a.getId().toString().compareTo(b.getId().toString()));
        for (RaftPeer peer : peers) {
            bootstrap.addMembers(InitialMember.newBuilder().setNodeId(peer.getId().toString())
                    .setRaftAddress(peer.getAddress()));
        }
        try {
            EntryOutcome outcome = raft.submitAndWait(MetadataEntry.newBuilder()
                    .setTopology(TopologyChange.newBuilder().setBootstrap(bootstrap)).build());
            if (outcome.hasRejection()
                    && outcome.getRejection().getCode() != RejectCode.REJECT_ALREADY_BOOTSTRAPPED) {
                LOG.error("{}: Bootstrapping the cluster was refused: {}", prefix, outcome.getRejection().getMessage());
            } else if (!outcome.hasRejection()) {
                LOG.info("{}: Bootstrapped the cluster at index {} with members {}.", prefix, outcome.getIndex(),
                        peers.stream().map(p -> p.getId().toString()).toList());
            }
        } catch (WriteFailure e) {
            LOG.info("{}: Bootstrapping did not complete ({}); retrying.", prefix, e.getMessage());
            retry(() -> bootstrap(expected));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One pass of the membership reconciler; a pass that fails is logged and the next one runs. */
    private void reconcile(long expected) {
        synchronized (reconciler) {
            if (!stillLeading(expected)) {
                return;
            }
            if (reconcilerGeneration != expected) {
                reconciler.reset();
                reconcilerGeneration = expected;
            }
            try {
                reconciler.reconcile();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("{}: Membership reconciliation failed; the next pass retries.", prefix, e);
            }
        }
    }

    /** One pass of the liveness judgement; DOWN and UP verdicts go through the log. */
    private void judgeLiveness(long expected) {
        RaftGateway raft = gateway.get();
        if (!stillLeading(expected) || raft == null) {
            return;
        }
        try {
            liveness.check(entry -> {
                if (!stillLeading(expected)) {
                    throw WriteFailure.notTaken("no longer leading", null);
                }
                return raft.submitAndWait(entry);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("{}: The liveness check failed; the next pass retries.", prefix, e);
        }
    }

    /** Records the expiry of tokens whose time has passed, so listings show them EXPIRED. */
    private void expireTokens(long expected) {
        RaftGateway raft = gateway.get();
        if (!stillLeading(expected) || raft == null) {
            return;
        }
        long now = System.currentTimeMillis();
        for (JoinToken token : image.get().joinTokens().all().values()) {
            if (token.state() == TokenState.ISSUED && now >= token.expiresAtMs() && stillLeading(expected)) {
                try {
                    raft.submitAndWait(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                            .setTokenHash(token.hash().toByteString())
                            .setExpired(TokenExpired.getDefaultInstance())).build());
                } catch (WriteFailure e) {
                    LOG.debug("{}: Recording the expiry of token {} failed: {}", prefix, token.hash(), e.getMessage());
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void retry(Runnable task) {
        synchronized (this) {
            if (leading) {
                running.add(scheduler.schedule(task, RETRY_MS, TimeUnit.MILLISECONDS));
            }
        }
    }
}
