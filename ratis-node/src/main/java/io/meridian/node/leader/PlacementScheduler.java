package io.meridian.node.leader;

import io.meridian.core.MetadataImage;
import io.meridian.core.ghost.GhostSweep;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.Liveness;
import io.meridian.core.placement.Plan;
import io.meridian.core.placement.Planner;
import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.PlanReasonRecord;
import io.meridian.proto.PlanReply;
import io.meridian.proto.PlannedActionRecord;
import io.meridian.proto.RejectCode;
import io.meridian.proto.SchedulerStatusReply;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placement scheduler: on the leader only, every tick it plans from the applied state and
 * the reported load ({@link Planner}) and proposes the plan's actions through the log, one after
 * the other, each stamped with the routing version it was planned against. It stops proposing
 * for the tick as soon as leadership is lost, or an action is refused (the rest were planned on
 * top of it). Its configuration is replicated state, read fresh every tick, so a pause survives
 * a failover. Each tick also proposes at most one ghost sweep ({@link GhostSweep}).
 *
 * <p>It counts, per migration in flight, the ticks without a new checkpoint; the planner aborts
 * a migration that made no progress for {@code migration-stall-ticks} ticks. A new leader starts
 * counting from zero: a migration that advances is never aborted for time spent on failover.
 *
 * <p>Thread-safe: start and stop may come from any thread; ticks run on the node's scheduler one
 * at a time, and a stop cancels the next tick and ends a running one before its next proposal.
 */
public final class PlacementScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(PlacementScheduler.class);
    private static final long MIN_TICK_MS = 100;

    private final String prefix;
    private final ScheduledExecutorService executor;
    private final Supplier<MetadataImage> image;
    private final Proposer proposer;
    private final BooleanSupplier raftLeader;
    private final LoadStore load;
    private final Supplier<Liveness> liveness;
    private final Map<Long, Progress> progress = new HashMap<>();
    private ScheduledFuture<?> next;
    private long generation;
    private boolean running;
    private long ghostCursor;
    private volatile Status status = Status.NONE;

    /** How far a migration had got when a tick last looked, and for how many ticks it stayed there. */
    private record Progress(long checkpoints, int stalled) {
    }

    /** What the scheduler last did, as {@code meridian scheduler status} shows it. */
    public record Status(long ticks, long lastTickMs, PlanReply lastPlan, long proposed, long applied,
            String idleReason) {
        static final Status NONE = new Status(0, 0, PlanReply.getDefaultInstance(), 0, 0,
                "no tick yet on this leader");
    }

    public PlacementScheduler(String prefix, ScheduledExecutorService executor, Supplier<MetadataImage> image,
            Proposer proposer, BooleanSupplier raftLeader, LoadStore load, Supplier<Liveness> liveness) {
        this.prefix = prefix;
        this.executor = executor;
        this.image = image;
        this.proposer = proposer;
        this.raftLeader = raftLeader;
        this.load = load;
        this.liveness = liveness;
    }

    /** Starts ticking with a fresh view: no load, no stall counts. A second call does nothing. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        long current = ++generation;
        load.clear();
        progress.clear();
        status = Status.NONE;
        schedule(current, image.get().scheduler().tickIntervalMs());
    }

    /** Stops ticking; a tick in progress proposes nothing more. Idempotent. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        generation++;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    public synchronized boolean isRunning() {
        return running;
    }

    private synchronized boolean current(long expected) {
        return running && generation == expected;
    }

    /** Still the run that started this tick, and still the Raft leader. */
    private boolean leading(long expected) {
        return current(expected) && raftLeader.getAsBoolean();
    }

    private synchronized void schedule(long expected, long delayMs) {
        if (current(expected)) {
            next = executor.schedule(() -> tick(expected), Math.max(MIN_TICK_MS, delayMs), TimeUnit.MILLISECONDS);
        }
    }

    public Status status() {
        return status;
    }

    /** What a tick would propose now, planned the same way, proposing nothing. */
    public Plan dryRun() {
        MetadataImage state = image.get();
        return Planner.plan(state, load.view(), liveness.get(), stallCounts(state, false), load.now());
    }

    private void tick(long expected) {
        try {
            runTick(expected);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            LOG.warn("{}: A scheduler tick failed; the next tick retries.", prefix, e);
        }
        schedule(expected, image.get().scheduler().tickIntervalMs());
    }

    /** One tick; package-private so the tests can run ticks one at a time. */
    void runTick(long expected) throws InterruptedException {
        if (!leading(expected)) {
            return;
        }
        MetadataImage state = image.get();
        long now = load.now();
        load.retainShards(id -> state.routing().shard(id).isPresent());
        Map<Long, Integer> stalls = stallCounts(state, true);
        Status previous = status;
        if (state.scheduler().paused()) {
            String why = state.scheduler().pauseReason().isEmpty() ? "paused"
                    : "paused: " + state.scheduler().pauseReason();
            status = new Status(previous.ticks() + 1, now, PlanReply.getDefaultInstance(), previous.proposed(),
                    previous.applied(), why);
            return;
        }
        Plan plan = Planner.plan(state, load.view(), liveness.get(), stalls, now);
        PlanReply.Builder record = planRecord(plan);
        long proposed = previous.proposed();
        long applied = previous.applied();
        String idle = plan.actions().isEmpty() ? "nothing to do (see the reasons)" : "";
        for (int i = 0; i < plan.actions().size(); i++) {
            Plan.Action action = plan.actions().get(i);
            if (!leading(expected)) {
                idle = "leadership lost mid-tick; " + (plan.actions().size() - i) + " actions not proposed";
                break;
            }
            proposed++;
            String outcome = propose(action.entry());
            record.getActionsBuilder(i).setOutcome(outcome);
            if (outcome.startsWith("applied")) {
                applied++;
                LOG.info("{}: Scheduler: {} ({}), {}.", prefix, action.description(), action.reason(), outcome);
            } else {
                idle = "stopped after a refused action; the next tick plans again";
                LOG.info("{}: Scheduler action '{}' was not applied: {}", prefix, action.description(), outcome);
                break;
            }
        }
        if (leading(expected)) {
            Optional<GhostSweep.Proposal> sweep = GhostSweep.next(image.get(), ghostCursor);
            if (sweep.isPresent()) {
                ghostCursor = sweep.get().sourceShard();
                proposed++;
                String outcome = propose(sweep.get().entry());
                applied += outcome.startsWith("applied") ? 1 : 0;
                record.addActions(PlannedActionRecord.newBuilder().setKind("ghost-sweep")
                        .setDescription("purge " + sweep.get().purges() + " ghost stubs of shard "
                                + sweep.get().sourceShard())
                        .setReason("refcount zero, or the shard they point to is gone").setOutcome(outcome));
            }
        }
        status = new Status(previous.ticks() + 1, now, record.build(), proposed, applied, idle);
    }

    private String propose(MetadataEntry entry) throws InterruptedException {
        try {
            EntryOutcome outcome = proposer.propose(entry);
            if (outcome.hasRejection()) {
                RejectCode code = outcome.getRejection().getCode();
                return "refused (" + code.name().replace("REJECT_", "").toLowerCase(java.util.Locale.ROOT) + "): "
                        + outcome.getRejection().getMessage();
            }
            return "applied at index " + outcome.getIndex();
        } catch (WriteFailure e) {
            return "not applied: " + e.getMessage();
        }
    }

    /**
     * For each migration in flight, the ticks it made no progress; with {@code advance} this call
     * is a tick (counts move on), else it only reads them (a dry run).
     */
    private synchronized Map<Long, Integer> stallCounts(MetadataImage state, boolean advance) {
        Map<Long, Integer> stalls = new TreeMap<>();
        Map<Long, Progress> seen = new HashMap<>();
        for (Long id : state.migrations().activeByShard().values()) {
            Migration migration = state.migrations().migration(id).orElseThrow();
            Progress before = progress.get(id);
            int stalled;
            if (before == null || before.checkpoints() != migration.checkpoints()) {
                stalled = 0;
            } else {
                stalled = advance ? before.stalled() + 1 : before.stalled();
            }
            seen.put(id, new Progress(migration.checkpoints(), stalled));
            stalls.put(id, stalled);
        }
        if (advance) {
            progress.clear();
            progress.putAll(seen);
        }
        return stalls;
    }

    /** A plan as the API returns it. */
    public static PlanReply.Builder planRecord(Plan plan) {
        PlanReply.Builder reply = PlanReply.newBuilder().setRoutingVersion(plan.routingVersion())
                .setImbalanceBps((int) Math.min(Integer.MAX_VALUE, plan.imbalanceBps())).setMetric(plan.metric());
        for (Plan.Action action : plan.actions()) {
            reply.addActions(PlannedActionRecord.newBuilder().setKind(action.kind().label())
                    .setDescription(action.description()).setReason(action.reason()));
        }
        for (Plan.Reason reason : plan.reasons()) {
            reply.addReasons(PlanReasonRecord.newBuilder().setSubject(reason.subject()).setReason(reason.reason()));
        }
        return reply;
    }

    /** The status as the API returns it. */
    public SchedulerStatusReply statusReply(String leaderId) {
        Status now = status;
        return SchedulerStatusReply.newBuilder().setLeaderId(leaderId)
                .setConfig(image.get().scheduler().toProto()).setLastTickMs(now.lastTickMs()).setTicks(now.ticks())
                .setLastPlan(now.lastPlan().toBuilder().setLeaderId(leaderId)).setActionsProposed(now.proposed())
                .setActionsApplied(now.applied()).setIdleReason(now.idleReason()).build();
    }

    /** The generation a running scheduler ticks under, so tests can run ticks one at a time. */
    synchronized long generation() {
        return generation;
    }
}
