package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.sim.Simulator;
import io.meridian.it.faults.ProcessCluster;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.GroupInfo;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.PauseScheduler;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.ResumeScheduler;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic repair on five `node start` JVMs with the simulated data plane: ten shards in one
 * group of three replicas, the scheduler left nothing to balance. A member SIGKILLed is recorded
 * DOWN after {@code down-after}, its replicas are replaced on a healthy node and the group's
 * leadership leaves it, without any group falling below two live members or a shard moving
 * twice; a member restarted before {@code down-after} causes no move at all; and when the
 * metadata leader is killed in the middle of a repair, the next leader finishes it.
 */
@Timeout(600)
class RepairIT {

    private static final Duration PATIENCE = Duration.ofSeconds(180);
    private static final int SHARDS = 10;

    @TempDir
    Path root;

    @Test
    void aKilledMemberIsReplacedAfterDownAfterWithoutLosingQuorumOrMovingAShardTwice() throws Exception {
        long downAfterMs = 6_000;
        try (Setup setup = new Setup(root, downAfterMs)) {
            long migrationsBefore = setup.migrations().size();
            long killed = System.nanoTime();
            setup.cluster.kill(setup.victim);
            await(setup.victim + " recorded DOWN").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> setup.health(setup.victim) == NodeHealthProto.NODE_HEALTH_DOWN);
            setup.awaitHealthy("every group back at 3 healthy members");
            long seconds = (System.nanoTime() - killed) / 1_000_000;

            assertThat(setup.minLive.get()).as("fewest live members any group had").isGreaterThanOrEqualTo(2);
            List<MigrationRecord> repairs = setup.migrations().subList((int) migrationsBefore,
                    setup.migrations().size());
            Map<Long, Integer> byShard = new TreeMap<>();
            repairs.forEach(m -> byShard.merge(m.getShardId(), 1, Integer::sum));
            assertThat(byShard.values()).as("moves per shard").allMatch(count -> count == 1);
            assertThat(byShard).as("every shard's replica on %s replaced", setup.victim).hasSize(SHARDS);
            assertThat(repairs).allMatch(m -> m.getFromNode().equals(setup.victim)
                    && m.getPhase() == MigrationPhaseProto.MIGRATION_PHASE_COMPLETED);
            System.out.printf("RepairIT: %s SIGKILLed; all groups healthy %d ms later (%d ms after down-after); "
                    + "%d moves; fewest live members of a group %d%n", setup.victim, seconds, seconds - downAfterMs,
                    repairs.size(), setup.minLive.get());

            // Demoted while it was gone, it comes back as a listener: Ratis takes that role in only at
            // start, so the node restarts its Raft server once it learns it (else it would stay a
            // follower and close its division at the next election). Then an election leaves it running.
            await(setup.victim + " demoted").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> setup.node(setup.victim).getRole() == RaftRoleProto.RAFT_ROLE_LEARNER);
            setup.cluster.restart(setup.victim);
            MemberStatus back = setup.cluster.observer().awaitNode(setup.victim, PATIENCE,
                    status -> status.getRole().equals("LISTENER"), "serving as a listener");
            await(setup.victim + " no longer DOWN").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> setup.health(setup.victim) != NodeHealthProto.NODE_HEALTH_DOWN);
            String leader = setup.leader();
            setup.cluster.kill(leader);
            await("a leader other than " + leader).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> !setup.leader().equals(leader));
            assertThat(setup.cluster.observer().awaitNode(setup.victim, PATIENCE,
                    status -> status.getRole().equals("LISTENER") && status.getTerm() > back.getTerm(),
                    "a listener in the new term").getStartedAtMs()).as("its Raft server did not restart again")
                    .isEqualTo(back.getStartedAtMs());
            assertThat(setup.cluster.isRunning(setup.victim)).as(setup.victim + " running").isTrue();
            assertThat(setup.cluster.observer().violations()).isEmpty();
        }
    }

    @Test
    void aMemberBackBeforeDownAfterCausesNoMove() throws Exception {
        long downAfterMs = 30_000;
        try (Setup setup = new Setup(root, downAfterMs)) {
            long migrationsBefore = setup.migrations().size();
            long killed = System.nanoTime();
            setup.cluster.kill(setup.victim);
            setup.cluster.restart(setup.victim);
            await(setup.victim + " answers again").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> setup.cluster.observer().poll().get(setup.victim).answered());
            long back = (System.nanoTime() - killed) / 1_000_000;
            assertThat(back).as("the restart took longer than down-after; the test proves nothing")
                    .isLessThan(downAfterMs);
            // Past the moment it would have been recorded DOWN, and a little more.
            await("down-after passed").atMost(Duration.ofMillis(downAfterMs + 30_000))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> System.nanoTime() - killed > (downAfterMs + 5_000) * 1_000_000);

            assertThat(setup.everDown).as("nodes ever recorded DOWN").isEmpty();
            assertThat(setup.migrations()).as("migrations").hasSize((int) migrationsBefore);
            assertThat(setup.client.metadata().checkRouting(ReadOptions.getDefaultInstance()).getProblemsList())
                    .isEmpty();
            System.out.printf("RepairIT: %s SIGKILLed and back %d ms later; no move in %d ms%n", setup.victim, back,
                    (System.nanoTime() - killed) / 1_000_000);
        }
    }

    @Test
    void aLeaderKilledMidRepairLeavesTheRepairToTheNext() throws Exception {
        long downAfterMs = 6_000;
        try (Setup setup = new Setup(root, downAfterMs)) {
            long migrationsBefore = setup.migrations().size();
            setup.cluster.kill(setup.victim);
            await("a repair in flight").atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> setup.migrations().stream().skip(migrationsBefore)
                            .anyMatch(m -> !terminal(m.getPhase())));
            String leader = setup.leader();
            setup.cluster.kill(leader);
            await("another leader").atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> !setup.leader().equals(leader));
            setup.awaitHealthy("the repair finished by " + setup.leader());

            for (GroupInfo group : setup.routing().getGroupsList()) {
                if (group.getShardCount() > 0) {
                    assertThat(group.getGroup().getMembersList()).doesNotContain(setup.victim, leader);
                }
            }
            assertThat(setup.minLive.get()).isGreaterThanOrEqualTo(2);
            System.out.printf("RepairIT: leader %s killed mid-repair; %s finished it with %d moves%n", leader,
                    setup.leader(), setup.migrations().size() - migrationsBefore);
        }
    }

    private static boolean terminal(MigrationPhaseProto phase) {
        return phase == MigrationPhaseProto.MIGRATION_PHASE_COMPLETED
                || phase == MigrationPhaseProto.MIGRATION_PHASE_ABORTED;
    }

    /**
     * Five nodes; the whole keyspace, split by the simulator into {@value #SHARDS} shards, in one
     * group of three nodes other than the metadata leader, led by the victim. Watches every group
     * holding shards for its fewest live (running) members, and every node ever recorded DOWN.
     */
    private static final class Setup implements AutoCloseable {
        final ProcessCluster cluster;
        final MeridianClient client;
        final String victim;
        final AtomicInteger minLive = new AtomicInteger(Integer.MAX_VALUE);
        final Set<String> everDown = Collections.synchronizedSet(new TreeSet<>());
        private final Simulator.Running simulation;
        private final AtomicBoolean watching = new AtomicBoolean(true);
        private final Thread watcher;

        Setup(Path root, long downAfterMs) throws Exception {
            cluster = ProcessCluster.builder(root).nodes(5).start();
            try {
                client = cluster.client();
                control(SchedulerControl.newBuilder().setPause(PauseScheduler.newBuilder().setReason("setup")));
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("tick-interval", "200ms");
                settings.put("max-actions-per-tick", "10");
                settings.put("split-size", "1TiB");
                settings.put("split-qps", "1000000000");
                settings.put("merge-size", "0");
                settings.put("imbalance-threshold", "1000%");
                settings.put("migration-stall-ticks", "100");
                // The settings of entry-format 5 take once the nodes have negotiated it.
                settings.put("replicas", "3");
                settings.put("suspect-after", "2s");
                settings.put("down-after", downAfterMs / 1000 + "s");
                settings.forEach((key, value) -> await("set " + key).atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> control(SchedulerControl.newBuilder().setSet(SetSchedulerParameter.newBuilder()
                                .setKey(key).setValue(value)))));
                String leader = leader();
                List<String> members = cluster.others(List.of(leader)).subList(0, 3);
                victim = members.get(0);
                client.placement().changeRouting(RoutingChange.newBuilder().setCreateGroup(CreateGroup.newBuilder()
                        .addAllMembers(members).setLeader(victim)).build());
                long group = routing().getGroupsList().stream()
                        .filter(g -> g.getGroup().getMembersList().equals(members))
                        .mapToLong(g -> g.getGroup().getGroupId()).findFirst().orElseThrow();
                client.placement().changeRouting(RoutingChange.newBuilder().setReassignShard(ReassignShard.newBuilder()
                        .setShardId(1).setGroupId(group).setLeaseholder(victim)).build());
                Simulator simulator = new Simulator(client, Simulator.Options.defaults().withShards(SHARDS)
                        .withSkew(0).withTotalBytes(10L << 30).withCopyBytesPerRound(256L << 20));
                simulation = simulator.start(Duration.ofMillis(100), view -> { }, e -> { });
                await("the simulator split the keyspace").atMost(PATIENCE).until(() -> simulator.view().shards()
                        == SHARDS);
                control(SchedulerControl.newBuilder().setResume(ResumeScheduler.getDefaultInstance()));
                assertThat(client.metadata().checkRouting(ReadOptions.getDefaultInstance()).getProblemsList())
                        .as("routing before the fault").isEmpty();
                watcher = new Thread(this::watch, "repair-watch");
                watcher.setDaemon(true);
                watcher.start();
            } catch (Exception | Error e) {
                cluster.close();
                throw e;
            }
        }

        /** Polls routing and topology until closed, recording fewest live members and DOWN nodes. */
        private void watch() {
            while (watching.get()) {
                try {
                    for (GroupInfo group : routing().getGroupsList()) {
                        if (group.getShardCount() == 0) {
                            continue;
                        }
                        int live = (int) group.getGroup().getMembersList().stream().filter(cluster::isRunning)
                                .count();
                        minLive.accumulateAndGet(live, Math::min);
                    }
                    for (NodeInfo node : client.metadata().topology(ReadOptions.getDefaultInstance()).getNodesList()) {
                        if (node.getNode().getHealth() == NodeHealthProto.NODE_HEALTH_DOWN) {
                            everDown.add(node.getNode().getNodeId());
                        }
                    }
                } catch (RuntimeException e) {
                    // the cluster is between leaders: the next poll sees it
                }
                LockSupport.parkNanos(100_000_000L);
            }
        }

        RoutingReply routing() {
            return client.metadata().routing(ReadOptions.getDefaultInstance());
        }

        List<MigrationRecord> migrations() {
            List<MigrationRecord> all = new ArrayList<>(client.metadata().listMigrations(ListMigrationsRequest
                    .getDefaultInstance()).getMigrationsList());
            all.sort(Comparator.comparingLong(MigrationRecord::getMigrationId));
            return all;
        }

        NodeRecord node(String id) {
            return client.metadata().topology(ReadOptions.getDefaultInstance()).getNodesList().stream()
                    .filter(node -> node.getNode().getNodeId().equals(id)).map(NodeInfo::getNode)
                    .findFirst().orElseThrow();
        }

        NodeHealthProto health(String id) {
            return client.metadata().topology(ReadOptions.getDefaultInstance()).getNodesList().stream()
                    .filter(node -> node.getNode().getNodeId().equals(id)).map(node -> node.getNode().getHealth())
                    .findFirst().orElseThrow();
        }

        String leader() {
            return cluster.observer().leader(cluster.observer().poll()).orElseThrow().id();
        }

        /** Every group holding shards at 3 members, all running, led by a running member; nothing in flight. */
        void awaitHealthy(String what) {
            await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                if (!client.metadata().checkRouting(ReadOptions.getDefaultInstance()).getProblemsList().isEmpty()
                        || migrations().stream().anyMatch(m -> !terminal(m.getPhase()))) {
                    return false;
                }
                for (GroupInfo group : routing().getGroupsList()) {
                    List<String> members = group.getGroup().getMembersList();
                    if (group.getShardCount() > 0 && (members.size() != 3
                            || !members.stream().allMatch(cluster::isRunning)
                            || !cluster.isRunning(group.getGroup().getLeader()))) {
                        return false;
                    }
                }
                return true;
            });
        }

        private boolean control(SchedulerControl.Builder control) {
            client.placement().controlScheduler(control.build());
            return true;
        }

        @Override
        public void close() throws InterruptedException {
            watching.set(false);
            watcher.join();
            simulation.close();
            cluster.close();
        }
    }
}
