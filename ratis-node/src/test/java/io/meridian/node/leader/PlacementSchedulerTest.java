package io.meridian.node.leader;

import static io.meridian.core.testing.Entries.activate;
import static io.meridian.core.testing.Entries.checkpoint;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.pauseScheduler;
import static io.meridian.core.testing.Entries.setScheduler;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.transfer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.Outcome;
import io.meridian.core.placement.Liveness;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Replay;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.LoadReport;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.ShardLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's loop around the planner, on a replayed image: it proposes only while leading,
 * stops promptly and idempotently, stops proposing mid-tick when leadership goes, says why it
 * idles, and counts ticks without progress per migration.
 */
class PlacementSchedulerTest {

    private final Replay replay = Replay.bootstrapped("n1", "n2", "n3");
    private final List<MetadataEntry> proposed = new ArrayList<>();
    private final AtomicBoolean leader = new AtomicBoolean(true);
    private final LoadStore load = new LoadStore(replay::clockMs);
    private ScheduledExecutorService executor;
    private Proposer proposer = this::applyEntry;
    private PlacementScheduler scheduler;

    @BeforeEach
    void setUp() {
        executor = Executors.newSingleThreadScheduledExecutor();
        // Ten shards on n1-n3; n4 joined empty: the planner wants to move replicas to it.
        replay.applied(join("n4", "zone", "d"));
        replay.applied(activate("n4"));
        for (int i = 1; i < 10; i++) {
            replay.applied(split(i, "k" + i));
        }
        scheduler = new PlacementScheduler("n1", executor, replay::image, entry -> proposer.propose(entry),
                leader::get, load, () -> Liveness.ALL_UP);
    }

    @AfterEach
    void tearDown() {
        scheduler.stop();
        executor.shutdownNow();
    }

    private synchronized EntryOutcome applyEntry(MetadataEntry entry) {
        proposed.add(entry);
        ApplyResult result = replay.apply(entry);
        EntryOutcome.Builder outcome = EntryOutcome.newBuilder().setIndex(result.image().index());
        if (result.outcome() instanceof Outcome.Rejected rejected) {
            outcome.setRejection(io.meridian.proto.RejectionDetail.newBuilder().setCode(rejected.rejection().code())
                    .setMessage(rejected.rejection().message()));
        }
        return outcome.build();
    }

    private synchronized int proposedCount() {
        return proposed.size();
    }

    private void reportEveryNode() {
        for (String node : List.of("n1", "n2", "n3", "n4")) {
            LoadReport.Builder report = LoadReport.newBuilder().setNodeId(node).setCapacityBytes(1L << 40);
            if (!node.equals("n4")) {
                for (long shard : replay.image().routing().shards().keySet()) {
                    report.addShards(ShardLoad.newBuilder().setShardId(shard).setSizeBytes(10L << 20));
                }
            }
            load.accept(report.build(), id -> replay.image().routing().shard(id).map(Shard::epoch).orElse(-1L));
        }
    }

    private void tick() throws InterruptedException {
        scheduler.runTick(scheduler.generation());
    }

    @Test
    void aStartedLeaderProposesThePlanUpToTheLimit() throws Exception {
        scheduler.start();
        reportEveryNode();

        tick();

        // Five actions per tick, but all would go to n4, which takes at most max-moves-per-node (4).
        assertThat(proposed).hasSize(4).allMatch(entry -> entry.getPlacement().hasTransfer());
        assertThat(proposed).allMatch(entry -> entry.getPlacement().getTransfer().getToNode().equals("n4"));
        PlacementScheduler.Status status = scheduler.status();
        assertThat(status.ticks()).isEqualTo(1);
        assertThat(status.proposed()).isEqualTo(4);
        assertThat(status.applied()).isEqualTo(4);
        assertThat(status.lastPlan().getActionsList()).allMatch(action -> action.getOutcome().startsWith("applied"));
    }

    @Test
    void aNewLeaderDoesNotPlanOnAnEmptyView() throws Exception {
        scheduler.start();

        tick();

        assertThat(proposed).isEmpty();
        assertThat(scheduler.status().lastPlan().getReasonsList())
                .anySatisfy(reason -> assertThat(reason.getReason()).startsWith("no recent load report from n1, n2, n3"))
                .anySatisfy(reason -> assertThat(reason.getReason()).startsWith("no balancing: the load of 1 healthy node(s) is known"));
    }

    @Test
    void notTheLeaderProposesNothing() throws Exception {
        tick();
        assertThat(proposed).as("never started").isEmpty();

        scheduler.start();
        reportEveryNode();
        leader.set(false);
        tick();
        assertThat(proposed).as("started, but Raft says another node leads").isEmpty();
    }

    @Test
    void stopIsIdempotentAndDoesNotWaitForARunningTick() throws Exception {
        CountDownLatch inProposal = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        proposer = entry -> {
            inProposal.countDown();
            release.await();
            return applyEntry(entry);
        };
        scheduler.start();
        reportEveryNode();
        Thread ticking = new Thread(() -> {
            try {
                tick();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ticking.start();
        inProposal.await();

        scheduler.stop();
        scheduler.stop();
        assertThat(scheduler.isRunning()).isFalse();
        assertThat(ticking.isAlive()).as("the tick is still inside its first proposal").isTrue();

        release.countDown();
        ticking.join();
        assertThat(proposed).as("only the proposal under way when it stopped").hasSize(1);
        scheduler.start();
        assertThat(scheduler.isRunning()).isTrue();
    }

    @Test
    void leadershipLostMidTickStopsTheTick() throws Exception {
        proposer = entry -> {
            EntryOutcome outcome = applyEntry(entry);
            leader.set(false);
            return outcome;
        };
        scheduler.start();
        reportEveryNode();

        tick();

        assertThat(proposed).hasSize(1);
        assertThat(scheduler.status().idleReason()).startsWith("leadership lost mid-tick; 3 actions not proposed");
    }

    @Test
    void aPausedSchedulerProposesNothingAndSaysWhy() throws Exception {
        replay.applied(pauseScheduler("maintenance window"));
        scheduler.start();
        reportEveryNode();

        tick();

        assertThat(proposed).isEmpty();
        assertThat(scheduler.status().idleReason()).isEqualTo("paused: maintenance window");
        assertThat(scheduler.status().ticks()).isEqualTo(1);
    }

    @Test
    void aMigrationWithoutProgressForTheConfiguredTicksIsAbortedAndProgressResetsTheCount() throws Exception {
        replay.applied(setScheduler("imbalance-threshold", "1000%"));
        replay.applied(setScheduler("migration-stall-ticks", "2"));
        replay.applied(transfer(1, "n1", "n4"));
        scheduler.start();
        reportEveryNode();

        tick();
        tick();
        assertThat(proposed).as("stalled for 1 tick").isEmpty();
        replay.applied(checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 0, "copied=1"));
        tick();
        tick();
        assertThat(proposed).as("progress reset the count; stalled for 1 tick").isEmpty();
        tick();

        assertThat(proposed).hasSize(1);
        assertThat(proposed.get(0).getMigrationAbort().getMigrationId()).isEqualTo(1);
        assertThat(replay.image().migrations().activeFor(1)).isEmpty();
    }

    @Test
    void startedTicksRunOnTheirOwnAtTheConfiguredInterval() {
        replay.applied(setScheduler("tick-interval", "100ms"));
        scheduler.start();
        reportEveryNode();

        await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.status().ticks() >= 2);
        assertThat(proposedCount()).isGreaterThan(0);
    }
}
