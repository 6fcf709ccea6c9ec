package io.meridian.core.placement;

import static io.meridian.core.placement.Plan.Kind.ABORT_MIGRATION;
import static io.meridian.core.placement.Plan.Kind.FINISH_DECOMMISSION;
import static io.meridian.core.placement.Plan.Kind.LEAD;
import static io.meridian.core.placement.Plan.Kind.MERGE;
import static io.meridian.core.placement.Plan.Kind.SPLIT;
import static io.meridian.core.placement.Plan.Kind.TRANSFER;
import static io.meridian.core.placement.PlanViews.kinds;
import static io.meridian.core.placement.PlanViews.leads;
import static io.meridian.core.placement.PlanViews.moves;
import static io.meridian.core.placement.PlanViews.placement;
import static io.meridian.core.placement.PlanViews.reasons;
import static io.meridian.core.placement.PlanViews.transfers;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COMPLETED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CUTOVER;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.MetadataImage;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.testing.Entries;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.TransferGroupLeadership;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The planner's rules and reasons, each on a cluster drawn as a table (see {@link ClusterTable})
 * and built by replaying real entries. Every plan is then applied action by action through the
 * applier, which checks that each placement command finds the routing version it was planned
 * against. Sizes: split-size is 96 MiB, merge-size 20 MiB, merge-qps 100 (the defaults).
 */
@Timeout(60)
class PlannerTest {

    private static final long MIB = 1L << 20;

    // ---- Splits. ----

    @Test
    void splitsAShardAboveSplitSizeAtTheKeyTheDataNodeSuggested() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2*
                n2    b     ACTIVE  1  2
                n3    c     ACTIVE  1  2

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      m      96MiB   500  p
                """);
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).as("shard 2 is at split-size, not above it").containsExactly(SPLIT);
        assertThat(placement(plan, 0).getSplit().getShardId()).isEqualTo(1);
        assertThat(Key.of(placement(plan, 0).getSplit().getSplitKey())).isEqualTo(Key.utf8("c"));
        assertThat(placement(plan, 0).getPlannedRoutingVersion()).isEqualTo(version);
        assertThat(plan.actions().get(0).reason()).isEqualTo("size " + 200 * MIB + " B above split-size "
                + 96 * MIB + " B");
        assertThat(placement(plan, 0).getReason()).isEqualTo(plan.actions().get(0).reason());
        cluster.applyInOrder(plan);
        assertThat(cluster.shard(1).range()).isEqualTo("['', 'c')");
        assertThat(cluster.shard(3).range()).isEqualTo("['c', 'm')");
    }

    @Test
    void splitsInTheMiddleOfTheRangeWhenNoKeyIsSuggestedOrTheSuggestionLiesOutsideIt() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3*
                n2    b     ACTIVE  1  2  3
                n3    c     ACTIVE  1  2  3

                shard  start  size    qps  split-key
                1      -      30MiB   500  -
                2      g      200MiB  500  -
                3      p      200MiB  500  a
                """);
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(SPLIT, SPLIT);
        assertThat(placement(plan, 0).getSplit().getShardId()).isEqualTo(2);
        assertThat(Key.of(placement(plan, 0).getSplit().getSplitKey())).as("halfway between 'g' and 'p'")
                .isEqualTo(Key.utf8("k"));
        assertThat(placement(plan, 1).getSplit().getShardId()).isEqualTo(3);
        assertThat(Key.of(placement(plan, 1).getSplit().getSplitKey())).as("halfway between 'p' and the end")
                .isEqualTo(Key.of(new byte[] {(byte) 0xb8}));
        assertThat(placement(plan, 0).getPlannedRoutingVersion()).isEqualTo(version);
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).isEqualTo(version + 1);
        cluster.applyInOrder(plan);
        assertThat(cluster.image().routing().shards()).hasSize(5);
    }

    @Test
    void splitsAShardAboveSplitQpsWhateverItsSize() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2*
                n2    b     ACTIVE  1  2
                n3    c     ACTIVE  1  2

                shard  start  size   qps   split-key
                1      -      30MiB  3000  -
                2      m      30MiB  2500  -
                """);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).as("shard 2 is at split-qps, not above it").containsExactly(SPLIT);
        assertThat(placement(plan, 0).getSplit().getShardId()).isEqualTo(1);
        assertThat(Key.of(placement(plan, 0).getSplit().getSplitKey())).isEqualTo(Key.utf8("6"));
        assertThat(plan.actions().get(0).reason()).isEqualTo("3000 qps above split-qps 2500");
        cluster.applyInOrder(plan);
    }

    // ---- Merges. ----

    @Test
    void mergesAdjacentSmallColdShardsOfOneGroup() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3* 4*
                n2    b     ACTIVE  1  2  3  4
                n3    c     ACTIVE  1  2  3  4

                shard  start  size   qps  split-key
                1      -      5MiB   10   -
                2      g      5MiB   10   -
                3      p      15MiB  10   -
                4      t      4MiB   90   -
                """);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).as("1+2 merge; 2 is taken, and 3+4 are too hot together").containsExactly(MERGE);
        assertThat(placement(plan, 0).getMerge().getLeftShardId()).isEqualTo(1);
        assertThat(placement(plan, 0).getMerge().getRightShardId()).isEqualTo(2);
        assertThat(plan.actions().get(0).reason()).isEqualTo("together " + 10 * MIB + " B and 20 qps, below "
                + "merge-size " + 20 * MIB + " B and merge-qps 100");
        cluster.applyInOrder(plan);
        assertThat(cluster.image().routing().shards().keySet()).containsExactly(1L, 3L, 4L);
        assertThat(cluster.shard(1).range()).isEqualTo("['', 'p')");
    }

    @Test
    void neverMergesShardsOfDifferentGroups() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2  3
                n2    b     ACTIVE  1  2* 3*
                n3    c     ACTIVE  1  2  3

                shard  start  group  size  qps  split-key
                1      -      A      5MiB  10   -
                2      g      B      5MiB  10   -
                3      p      B      5MiB  10   -
                """);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(MERGE);
        assertThat(placement(plan, 0).getMerge().getLeftShardId()).as("not 1, of group A").isEqualTo(2);
        assertThat(placement(plan, 0).getMerge().getRightShardId()).isEqualTo(3);
        cluster.applyInOrder(plan);
    }

    // ---- Replica balance. ----

    private static final String UNBALANCED = """
            node  zone  state   replicas
            n1    a     ACTIVE  1* 2* 3* 4*
            n2    b     ACTIVE  1  2  3  4
            n3    c     ACTIVE  1  2  3  4
            n4    d     ACTIVE  -

            shard  start  size   qps
            1      -      30MiB  500
            2      g      30MiB  500
            3      p      30MiB  500
            4      t      30MiB  500
            """;

    @Test
    void movesReplicasFromTheMostToTheLeastLoadedNodeWhileAboveTheThreshold() {
        ClusterTable cluster = ClusterTable.parse(UNBALANCED);

        Plan plan = cluster.plan();

        // 120/120/120/0 MiB: n1 gives first (ties to the smaller id), then n2, then n3; after three
        // moves every node hosts 90 MiB.
        assertThat(moves(plan)).containsExactly("1:n1->n4", "2:n2->n4", "3:n3->n4");
        assertThat(plan.metric()).isEqualTo("bytes");
        assertThat(plan.actions().get(0).reason()).isEqualTo("byte imbalance 133.3% above the threshold 20.0%");
        cluster.applyInOrder(plan);

        Plan next = cluster.plan();

        assertThat(transfers(next)).as("moves in flight count as done").isEmpty();
        assertThat(reasons(next)).contains("cluster: balanced: byte imbalance 0.0% is within the threshold 20.0%");
    }

    @Test
    void balancesReplicaCountsWhenNoShardReportedASize() {
        ClusterTable cluster = ClusterTable.parse(UNBALANCED.replace("30MiB", "-"));

        Plan plan = cluster.plan();

        assertThat(plan.metric()).isEqualTo("replicas");
        assertThat(moves(plan)).containsExactly("1:n1->n4", "2:n2->n4", "3:n3->n4");
        assertThat(plan.actions().get(0).reason()).isEqualTo("replica imbalance 133.3% above the threshold 20.0%");
        cluster.applyInOrder(plan);
    }

    @Test
    void saysTheClusterIsBalancedWhenTheImbalanceIsWithinTheThreshold() {
        ClusterTable cluster = ClusterTable.parse(UNBALANCED).set("imbalance-threshold", "150%");

        Plan plan = cluster.plan();

        assertThat(plan.actions()).isEmpty();
        assertThat(plan.imbalanceBps()).isEqualTo(13_333);
        assertThat(reasons(plan)).contains("cluster: balanced: byte imbalance 133.3% is within the threshold 150.0%");
    }

    @Test
    void neverMovesAReplicaThatWouldLeaveTheReceiverAboveTheGiver() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 3*
                n2    b     ACTIVE  2*

                shard  start  size   qps
                1      -      30MiB  500
                2      g      10MiB  500
                3      p      10MiB  500
                """);

        Plan plan = cluster.plan();

        // 40 against 10 MiB: shard 1 would leave n2 at 40 and n1 at 10; shard 3 leaves 30 and 20,
        // and then shard 1 would leave 0 and 50.
        assertThat(moves(plan)).containsExactly("3:n1->n2");
        assertThat(reasons(plan)).contains("node n1: hosts " + 30 * MIB + " B, the most, but no shard can move: of "
                + "its 2 shards 1 are moving, 0 in cooldown, 0 have no eligible target (zone, membership or "
                + "max-moves-per-node), 0 wait for a repair, the rest are too big to move without reversing the imbalance");
        cluster.applyInOrder(plan);
    }

    // ---- Zones. ----

    @Test
    void keepsTheReplicasOfAGroupInDistinctZones() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3*
                n2    b     ACTIVE  1  2  3
                n3    c     ACTIVE  1  2  3
                n4    b     ACTIVE  -
                n5    d     ACTIVE  4*

                shard  start  size   qps
                1      -      30MiB  500
                2      g      30MiB  500
                3      p      30MiB  500
                4      t      10MiB  500
                """);

        Plan plan = cluster.plan();

        // n4 hosts the least, but its zone b is n2's: n1's replica goes to n5 (zone d); n2's replica
        // may go to n4, which takes over zone b; n3's cannot go to n4 and is too big for n5.
        assertThat(moves(plan)).containsExactly("1:n1->n5", "2:n2->n4");
        cluster.applyInOrder(plan);
        for (long migration : cluster.image().migrations().activeByShard().values()) {
            cluster.advanceTo(migration, MIGRATION_PHASE_COMPLETED);
        }
        for (long shard : List.of(1L, 2L, 3L)) {
            ReplicaGroup group = cluster.groupOf(shard);
            TreeSet<String> zones = new TreeSet<>();
            group.members().forEach(m -> zones.add(cluster.image().topology().node(m).orElseThrow().zone()));
            assertThat(zones).as("zones of shard %d's group %s", shard, group.members()).hasSize(3);
        }
    }

    @Test
    void explainsWhenTheZonesLeaveNoEligibleTarget() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2*
                n2    b     ACTIVE  1  2
                n3    c     ACTIVE  1  2
                n4    c     ACTIVE  -

                shard  start  size   qps
                1      -      30MiB  500
                2      m      30MiB  500
                """);

        Plan plan = cluster.plan();

        assertThat(transfers(plan)).as("n4 is in n3's zone").isEmpty();
        assertThat(reasons(plan)).contains("node n1: hosts " + 60 * MIB + " B, the most, but no shard can move: of "
                + "its 2 shards 0 are moving, 0 in cooldown, 2 have no eligible target (zone, membership or "
                + "max-moves-per-node), 0 wait for a repair, the rest are too big to move without reversing the imbalance");
    }

    @Test
    void sharesAZoneWhenTooFewZonesAreLeftToKeepReplicasApart() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2*
                n2    b     ACTIVE  1  2
                n3    a     ACTIVE  1  2
                n4    b     ACTIVE  -

                shard  start  size   qps
                1      -      30MiB  500
                2      m      30MiB  500
                """);

        Plan plan = cluster.plan();

        assertThat(moves(plan)).as("two zones for three replicas").containsExactly("1:n1->n4");
        cluster.applyInOrder(plan);
    }

    // ---- Drain and decommission. ----

    private static final String DRAINING_LEADER = """
            node  zone  state     replicas
            n1    a     ACTIVE    1  2
            n2    b     ACTIVE    1  2
            n3    c     DRAINING  1* 2*
            n4    c     ACTIVE    -

            shard  start  size   qps
            1      -      30MiB  500
            2      m      30MiB  500
            """;

    @Test
    void drainsEverythingOffADrainingNodeAndFinishesItsDecommissionOnceItHoldsNothing() {
        ClusterTable cluster = ClusterTable.parse(DRAINING_LEADER).entryFormat(3);
        long group = cluster.groupOf(1).id();
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(LEAD, TRANSFER, TRANSFER);
        assertThat(leads(plan)).containsExactly(group + "->n1");
        assertThat(moves(plan)).containsExactly("1:n3->n4", "2:n3->n4");
        assertThat(plan.actions()).allSatisfy(a -> assertThat(a.reason()).isEqualTo("n3 is draining"));
        assertThat(placement(plan, 0).getPlannedRoutingVersion()).isEqualTo(version);
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).as("after the leadership move")
                .isEqualTo(version + 1);
        cluster.applyInOrder(plan);
        assertThat(cluster.plan().actions()).as("nothing to do while the moves are in flight").isEmpty();
        for (long migration : List.of(1L, 2L)) {
            cluster.advanceTo(migration, MIGRATION_PHASE_COMPLETED);
        }

        Plan finish = cluster.plan();

        assertThat(kinds(finish)).containsExactly(FINISH_DECOMMISSION);
        assertThat(finish.actions().get(0).entry().getTopology().getFinishDecommission().getNodeId()).isEqualTo("n3");
        assertThat(finish.actions().get(0).reason()).isEqualTo("n3 holds nothing any more");
        cluster.applyInOrder(finish);
        assertThat(cluster.image().topology().node("n3").orElseThrow().state()).isEqualTo(NodeState.DECOMMISSIONED);
    }

    @Test
    void belowEntryFormat3ADrainMovesReplicasAndSaysWhyLeadershipStays() {
        ClusterTable cluster = ClusterTable.parse(DRAINING_LEADER);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(TRANSFER, TRANSFER);
        assertThat(moves(plan)).containsExactly("1:n3->n4", "2:n3->n4");
        assertThat(reasons(plan)).contains("leaders: leadership moves need meridian.entry-format 3; the cluster is at 1");
        cluster.applyInOrder(plan);
    }

    @Test
    void saysWhenNoActiveNodeCanTakeAReplicaOffADrainingNode() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state     replicas
                n1    a     ACTIVE    1*
                n2    b     ACTIVE    1
                n3    c     DRAINING  1

                shard  start  group  size
                1      -      A      30MiB
                """);

        Plan plan = cluster.plan();

        assertThat(plan.actions()).isEmpty();
        assertThat(reasons(plan)).contains("shard 1: cannot leave draining n3: no healthy node outside group "
                + cluster.group("A") + " can take it now");
    }

    @Test
    void aFinishedDecommissionThatLeavesAGroupCountsAsARoutingChange() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state     replicas
                n1    a     ACTIVE    1*
                n2    b     ACTIVE    1  2*
                n3    c     ACTIVE    1
                n4    d     DRAINING  2

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      m      30MiB   500  -
                """);
        cluster.move(2, "n4", "n3");
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan();

        // n4 is still a member of the group shard 2 left, which holds no shard now.
        assertThat(kinds(plan)).containsExactly(FINISH_DECOMMISSION, SPLIT);
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).isEqualTo(version + 1);
        cluster.applyInOrder(plan);
        assertThat(cluster.image().topology().node("n4").orElseThrow().state()).isEqualTo(NodeState.DECOMMISSIONED);
    }

    // ---- Against thrash: cooldown, budget, hysteresis. ----

    private static final String AFTER_A_MOVE = """
            node  zone  state   replicas
            n1    a     ACTIVE  1* 2* 3*
            n2    b     ACTIVE  1  2  3
            n3    c     ACTIVE  1  2  3
            n4    d     ACTIVE  -
            n5    e     ACTIVE  -

            shard  start  size   qps
            1      -      30MiB  500
            2      g      30MiB  500
            3      p      30MiB  500
            """;

    @Test
    void aShardMovedWithinTheCooldownDoesNotMoveAgain() {
        ClusterTable cluster = ClusterTable.parse(AFTER_A_MOVE);
        cluster.move(1, "n1", "n4");
        assertThat(cluster.shard(1).lastMovedFrom()).isEqualTo("n1");

        Plan cooling = cluster.plan();

        // n2 hosts the most; of its equal shards it would give shard 1 first, but shard 1 just moved.
        assertThat(moves(cooling)).containsExactly("2:n2->n5", "3:n3->n4");
        cluster.replay().advance(SchedulerParameter.COOLDOWN.defaultValue());

        Plan cooled = cluster.plan();

        assertThat(moves(cooled)).as("the smallest id goes first among equals, once it may").startsWith("1:n2->n5");
        cluster.applyInOrder(cooled);
    }

    @Test
    void aShardNeverMovesBackToTheNodeItLeftWithinTheCooldown() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2*
                n2    b     ACTIVE  1  2
                n3    c     ACTIVE  1  2
                n4    a     ACTIVE  -

                shard  start  size   qps
                1      -      30MiB  500
                2      m      30MiB  500
                """);
        cluster.move(1, "n1", "n4");
        cluster.replay().applied(Entries.startDecommission("n4", false));

        Plan cooling = cluster.plan();

        assertThat(cooling.actions()).isEmpty();
        assertThat(reasons(cooling)).contains("shard 1: cannot leave draining n4: no healthy node outside group "
                + cluster.groupOf(1).id() + " can take it now");
        cluster.replay().advance(SchedulerParameter.COOLDOWN.defaultValue());

        Plan cooled = cluster.plan();

        assertThat(moves(cooled)).containsExactly("1:n4->n1");
        cluster.applyInOrder(cooled);
    }

    @Test
    void stopsMovingOnceTheMoveBudgetIsSpent() {
        ClusterTable cluster = ClusterTable.parse(UNBALANCED).set("move-budget", "2");

        Plan plan = cluster.plan();

        assertThat(moves(plan)).containsExactly("1:n1->n4", "2:n2->n4");
        assertThat(reasons(plan)).contains("cluster: imbalance 66.7% above the threshold, but the move budget is "
                + "spent: 2 moves started within the budget window");
        cluster.applyInOrder(plan);
    }

    @Test
    void theMoveBudgetCountsOnlyMovesStartedWithinTheBudgetWindow() {
        ClusterTable cluster = ClusterTable.parse(UNBALANCED).set("move-budget", "1").set("budget-window", "10m");
        cluster.startMove(4, "n1", "n4");

        Plan spent = cluster.plan();

        assertThat(transfers(spent)).isEmpty();
        assertThat(reasons(spent)).contains("cluster: imbalance 100.0% above the threshold, but the move budget is "
                + "spent: 1 moves started within the budget window");
        cluster.replay().advance(10 * 60_000L + 1);

        Plan renewed = cluster.plan();

        assertThat(moves(renewed)).containsExactly("1:n2->n4");
        cluster.applyInOrder(renewed);
    }

    @Test
    void plansAtMostMaxActionsPerTickAndSaysWhatWaits() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3*
                n2    b     ACTIVE  1  2  3
                n3    c     ACTIVE  1  2  3

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      g      200MiB  500  k
                3      p      200MiB  500  x
                """).set("max-actions-per-tick", "2");

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(SPLIT, SPLIT);
        assertThat(reasons(plan)).contains("shard 3: size " + 200 * MIB + " B above split-size " + 96 * MIB
                + " B; split in a later tick (max-actions-per-tick (2) reached)");
        cluster.applyInOrder(plan);
    }

    // ---- Load reports. ----

    @Test
    void leavesNodesWithoutARecentReportOutOfTheBalanceWhileSplitsGoOn() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   reported  replicas
                n1    a     ACTIVE  now       1* 2*
                n2    b     ACTIVE  never     1  2
                n3    c     ACTIVE  101s-ago  1  2
                n4    d     ACTIVE  never     -

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      m      30MiB   500  -
                """);

        Plan plan = cluster.plan();

        // A report counts for 10 ticks of 10 s: n3's is too old; n4 holds nothing, so it need not report.
        // The silent nodes hold nothing up: shard 1 is split all the same, and n1 balances with n4.
        assertThat(kinds(plan)).containsExactly(SPLIT, TRANSFER);
        assertThat(moves(plan)).allSatisfy(move -> assertThat(move).doesNotContain("n2", "n3"));
        assertThat(reasons(plan)).contains("load: no recent load report from n2, n3, which hold replicas; left out "
                + "of the balance until they report (repairs, splits and merges go on)");
    }

    @Test
    void aReportWithinItsAgeCountsAndANodeWithoutReplicasNeedNotReport() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   reported  replicas
                n1    a     ACTIVE  now       1* 2*
                n2    b     ACTIVE  now       1  2
                n3    c     ACTIVE  100s-ago  1  2
                n4    d     ACTIVE  never     -

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      m      30MiB   500  -
                """);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).contains(SPLIT, TRANSFER);
        assertThat(reasons(plan)).noneMatch(r -> r.startsWith("load:"));
        cluster.applyInOrder(plan);
    }

    @Test
    void drainingGoesOnWhileLoadReportsAreMissing() {
        ClusterTable cluster = ClusterTable.parse(DRAINING_LEADER).entryFormat(3);
        LoadView load = cluster.load();
        LoadView silent = new LoadView(Map.of(), load.shards());

        Plan plan = Planner.plan(cluster.image(), silent, Map.of(), cluster.now());

        assertThat(kinds(plan)).containsExactly(LEAD, TRANSFER, TRANSFER);
        assertThat(reasons(plan)).anyMatch(r -> r.startsWith("load: no recent load report from n1, n2,"));
        cluster.applyInOrder(plan);
    }

    // ---- Stalled migrations. ----

    private static final String MIGRATING = """
            node  zone  state   replicas
            n1    a     ACTIVE  1* 2*
            n2    b     ACTIVE  1  2
            n3    c     ACTIVE  1  2
            n4    d     ACTIVE  -

            shard  start  group  size    qps  split-key
            1      -      A      30MiB   500  -
            2      m      A      200MiB  500  q
            """;

    @Test
    void abortsAMigrationThatMadeNoProgressForMigrationStallTicks() {
        ClusterTable cluster = ClusterTable.parse(MIGRATING);
        long migration = cluster.startMove(1, "n1", "n4");

        Plan patient = cluster.plan(Map.of(migration, 29));

        assertThat(kinds(patient)).containsExactly(SPLIT);

        Plan plan = cluster.plan(Map.of(migration, 30));

        assertThat(kinds(plan)).containsExactly(ABORT_MIGRATION, SPLIT);
        assertThat(plan.actions().get(0).entry().getMigrationAbort().getMigrationId()).isEqualTo(migration);
        assertThat(plan.actions().get(0).entry().getMigrationAbort().getCompensationsList())
                .as("before cutover routing never changed").isEmpty();
        assertThat(plan.actions().get(0).entry().getMigrationAbort().getReason())
                .isEqualTo("no progress for 30 scheduler ticks (limit 30)");
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).isEqualTo(cluster.image().routing().version());
        cluster.applyInOrder(plan);
        assertThat(cluster.image().migrations().migration(migration).orElseThrow().phase())
                .isEqualTo(MigrationPhase.ABORTED);
    }

    @Test
    void abortingAStalledMigrationAfterCutoverPutsTheShardBackInItsGroup() {
        ClusterTable cluster = ClusterTable.parse(MIGRATING);
        long migration = cluster.startMove(1, "n1", "n4");
        cluster.advanceTo(migration, MIGRATION_PHASE_CUTOVER);
        assertThat(cluster.groupOf(1).members()).containsExactly("n2", "n3", "n4");
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan(Map.of(migration, 30));

        assertThat(kinds(plan)).containsExactly(ABORT_MIGRATION, SPLIT);
        assertThat(plan.actions().get(0).entry().getMigrationAbort().getCompensationsList())
                .extracting(c -> c.getReassignShard())
                .containsExactly(ReassignShard.newBuilder().setShardId(1).setGroupId(cluster.group("A"))
                        .setLeaseholder("n1").build());
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).as("after the compensation").isEqualTo(version + 1);
        cluster.applyInOrder(plan);
        assertThat(cluster.shard(1).groupId()).isEqualTo(cluster.group("A"));
        assertThat(cluster.groupOf(1).leader()).isEqualTo("n1");
    }

    // ---- Leadership. ----

    private static final String ONE_LEADER = """
            node  zone  state   replicas
            n1    a     ACTIVE  1* 2* 3*
            n2    b     ACTIVE  1  2  3
            n3    c     ACTIVE  1  2  3

            shard  start  group  size   qps
            1      -      X      30MiB  500
            2      g      Y      30MiB  500
            3      p      Z      30MiB  500
            """;

    @Test
    void balancesGroupLeadershipAtEntryFormat3() {
        ClusterTable cluster = ClusterTable.parse(ONE_LEADER).entryFormat(3);
        long version = cluster.image().routing().version();

        Plan plan = cluster.plan();

        assertThat(leads(plan)).containsExactly(cluster.group("X") + "->n2", cluster.group("Y") + "->n3");
        assertThat(placement(plan, 0).getPlannedRoutingVersion()).isEqualTo(version);
        assertThat(placement(plan, 1).getPlannedRoutingVersion()).isEqualTo(version + 1);
        assertThat(plan.actions().get(0).reason()).isEqualTo("leadership imbalance 300.0% above the threshold 20.0%");
        cluster.applyInOrder(plan);
        assertThat(List.of(cluster.groupOf(1).leader(), cluster.groupOf(2).leader(), cluster.groupOf(3).leader()))
                .containsExactly("n2", "n3", "n1");
    }

    @Test
    void neverHandsOverALeadershipThatWouldReverseTheImbalance() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3
                n2    b     ACTIVE  1  2  3*
                n3    c     ACTIVE  1  2  3

                shard  start  group  size   qps
                1      -      X      30MiB  500
                2      g      X      30MiB  500
                3      p      Y      30MiB  500
                """).entryFormat(3);

        Plan plan = cluster.plan();

        // n1 leads 2 shards, n3 none: handing group X to n3 would only swap them.
        assertThat(plan.actions()).isEmpty();
        assertThat(reasons(plan)).contains("node n1: leads 2 shards, the most, but none of its groups has a healthy "
                + "member that could take the lead without reversing the imbalance");
    }

    @Test
    void belowEntryFormat3LeadershipStaysAndThePlanSaysWhy() {
        ClusterTable cluster = ClusterTable.parse(ONE_LEADER).entryFormat(2);

        Plan plan = cluster.plan();

        assertThat(plan.actions()).isEmpty();
        assertThat(reasons(plan)).contains("leaders: leadership moves need meridian.entry-format 3; the cluster is at 2");
        // What the planner avoids: below entry-format 3 the leader refuses a leadership move before the log.
        cluster.replay().rejected(Entries.placement(PlacementCommand.newBuilder().setLead(TransferGroupLeadership
                .newBuilder().setGroupId(cluster.group("X")).setNewLeader("n2")), 0), REJECT_CAPABILITY_GATED);
    }

    // ---- Determinism and the order of a plan. ----

    /** A cluster where every rule has something to do. */
    private static ClusterTable everything() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state     replicas
                n1    a     ACTIVE    1* 2* 3* 4* 6*
                n2    b     ACTIVE    1  2  3  4  5
                n3    c     ACTIVE    1  2  3  4
                n4    d     ACTIVE    -
                n5    c     DRAINING  5*
                n6    e     DRAINING  6

                shard  start  group  size    qps  split-key
                1      -      A      5MiB    10   -
                2      d      A      5MiB    10   -
                3      g      A      200MiB  500  j
                4      p      A      30MiB   500  -
                5      t      B      30MiB   500  -
                6      w      C      30MiB   500  -
                """).entryFormat(3).set("max-actions-per-tick", "20");
        cluster.move(6, "n6", "n4");
        cluster.advanceTo(cluster.startMove(4, "n3", "n4"), MIGRATION_PHASE_CUTOVER);
        return cluster;
    }

    @Test
    void aPlanOfEveryKindAppliesInOrderAtTheRoutingVersionsItWasPlannedFor() {
        ClusterTable cluster = everything();
        long stalled = cluster.image().migrations().activeFor(4).orElseThrow().id();

        Plan plan = cluster.plan(Map.of(stalled, 30));

        assertThat(kinds(plan)).contains(ABORT_MIGRATION, FINISH_DECOMMISSION, LEAD, TRANSFER, SPLIT, MERGE);
        long expected = cluster.image().routing().version();
        for (Plan.Action action : plan.actions()) {
            if (action.entry().hasPlacement()) {
                assertThat(action.entry().getPlacement().getPlannedRoutingVersion()).as(action.description())
                        .isEqualTo(expected);
            }
            boolean bumps = switch (action.kind()) {
                case SPLIT, MERGE, LEAD -> true;
                case TRANSFER -> false;
                case ABORT_MIGRATION -> action.entry().getMigrationAbort().getCompensationsCount() > 0;
                case FINISH_DECOMMISSION, REMOVE_MEMBER -> true;
            };
            expected += bumps ? 1 : 0;
        }
        cluster.applyInOrder(plan);
        assertThat(cluster.image().routing().version()).isEqualTo(expected);
    }

    @Test
    void theSameInputsGiveTheSamePlan() {
        ClusterTable cluster = everything();
        long stalled = cluster.image().migrations().activeFor(4).orElseThrow().id();
        LoadView load = cluster.load();
        Map<Long, Integer> stall = Map.of(stalled, 30);

        Plan plan = Planner.plan(cluster.image(), load, stall, cluster.now());

        // Another replica's image, and the load and stall counts in maps filled in another order.
        MetadataApplier applier = new MetadataApplier();
        MetadataImage other = MetadataImage.EMPTY;
        List<MetadataEntry> log = cluster.replay().log();
        for (int i = 0; i < log.size(); i++) {
            other = applier.apply(other, new EntryContext(1, i + 1), log.get(i)).image();
        }
        List<Map.Entry<String, LoadView.NodeReport>> nodes = new ArrayList<>(load.nodes().entrySet());
        Collections.reverse(nodes);
        LinkedHashMap<String, LoadView.NodeReport> reversedNodes = new LinkedHashMap<>();
        nodes.forEach(e -> reversedNodes.put(e.getKey(), e.getValue()));
        HashMap<Long, LoadView.ShardReport> shards = new HashMap<>(load.shards());
        Plan again = Planner.plan(other, new LoadView(reversedNodes, shards), new HashMap<>(stall), cluster.now());

        assertThat(other).isEqualTo(cluster.image());
        assertThat(again).isEqualTo(plan);
        assertThat(Planner.plan(cluster.image(), load, stall, cluster.now())).isEqualTo(plan);
        assertThat(plan.actions()).isNotEmpty();
    }
}
