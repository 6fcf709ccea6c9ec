package io.meridian.core.placement;

import static io.meridian.core.placement.Plan.Kind.ABORT_MIGRATION;
import static io.meridian.core.placement.Plan.Kind.LEAD;
import static io.meridian.core.placement.Plan.Kind.REMOVE_MEMBER;
import static io.meridian.core.placement.Plan.Kind.SPLIT;
import static io.meridian.core.placement.Plan.Kind.TRANSFER;
import static io.meridian.core.placement.PlanViews.kinds;
import static io.meridian.core.placement.PlanViews.moves;
import static io.meridian.core.placement.PlanViews.reasons;
import static io.meridian.core.placement.PlanViews.transfers;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COMPLETED;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_CUTOVER;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_DOWN;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_UP;
import static io.meridian.proto.RejectCode.REJECT_UNDER_REPLICATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.testing.Entries;
import io.meridian.proto.TransferReplica;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checkers issue 13 added, as ASCII tables replayed through the applier: repair of DOWN and
 * missing replicas, leader repair, the repairs whose node came back, replica targets, split
 * estimates, and each checker keeping to its own limit.
 */
@Timeout(60)
class RepairPlannerTest {

    private static final long MIB = 1L << 20;

    /** Five nodes in five zones; group A of n1-n3 holds both shards. */
    private static final String FIVE = """
            node  zone  state   replicas
            n1    a     ACTIVE  1* 2*
            n2    b     ACTIVE  1  2
            n3    c     ACTIVE  1  2
            n4    d     ACTIVE  -
            n5    a     ACTIVE  -

            shard  start  size   qps
            1      -      30MiB  500
            2      m      40MiB  500
            """;

    @Test
    void replicasOfADownNodeAreReplacedOnHealthyNodesInZonesTheGroupDoesNotUse() {
        ClusterTable cluster = ClusterTable.parse(FIVE).entryFormat(5).health("n3", NODE_HEALTH_DOWN);

        Plan plan = cluster.plan();

        // n4 (zone d) keeps the group in three zones; n5 shares n1's zone a. n4 takes both, as it
        // has room for max-moves-per-node (4) moves in.
        assertThat(moves(plan)).containsExactly("1:n3->n4", "2:n3->n4");
        assertThat(transfers(plan)).allMatch(TransferReplica::getRepair);
        assertThat(plan.actions().get(0).reason()).isEqualTo("the replica on n3 is lost (n3 is DOWN); group "
                + cluster.groupOf(1).id() + " has 2 live of 3 replicas");
        cluster.applyInOrder(plan);
        for (long migration : List.of(1L, 2L)) {
            cluster.advanceTo(migration, MIGRATION_PHASE_COMPLETED);
        }

        assertThat(cluster.groupOf(1).members()).containsExactly("n1", "n2", "n4");
        assertThat(cluster.groupOf(2).members()).containsExactly("n1", "n2", "n4");
        assertThat(Replicas.problems(cluster.image())).isEmpty();
        assertThat(transfers(cluster.plan())).as("nothing left to repair").isEmpty();
    }

    @Test
    void aSuspectNodeLosesItsLeadershipsButNoReplica() {
        ClusterTable cluster = ClusterTable.parse(FIVE).entryFormat(5).suspect("n1");

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).startsWith(LEAD);
        assertThat(plan.actions().get(0).entry().getPlacement().getLead().getNewLeader()).isEqualTo("n2");
        assertThat(transfers(plan)).as("n1 keeps its replicas; the balance goes on among the others")
                .noneMatch(t -> t.getFromNode().equals("n1") || t.getToNode().equals("n1") || t.getRepair());
        assertThat(plan.actions().get(0).reason()).isEqualTo("n1 is SUSPECT (not heard from for suspect-after)");
        assertThat(reasons(plan)).noneMatch(r -> r.startsWith("repair"));
        cluster.applyInOrder(plan);
    }

    @Test
    void aRepairWhoseNodeCameBackBeforeItsCutoverIsAbortedAndOnePastItFinishes() {
        ClusterTable cluster = ClusterTable.parse(FIVE).entryFormat(5).health("n3", NODE_HEALTH_DOWN);
        cluster.applyInOrder(cluster.plan());
        cluster.checkpoint(1, MIGRATION_PHASE_COPYING);
        cluster.advanceTo(2, MIGRATION_PHASE_CUTOVER);
        cluster.health("n3", NODE_HEALTH_UP);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).startsWith(ABORT_MIGRATION).doesNotContain(TRANSFER);
        assertThat(plan.actions().get(0).entry().getMigrationAbort().getMigrationId()).isEqualTo(1);
        assertThat(plan.actions().get(0).reason()).isEqualTo("n3 came back before the repair cut over; aborting it "
                + "copies nothing more");
        assertThat(reasons(plan)).contains("migration 2: n3 came back after the repair of shard 2 cut over; it "
                + "finishes (aborting would copy the data back)");
        cluster.applyInOrder(plan);
        assertThat(cluster.groupOf(1).members()).containsExactly("n1", "n2", "n3");
    }

    @Test
    void aGroupBelowItsTargetGetsAReplicaAddedAndOneAboveIsReported() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2
                n2    b     ACTIVE  1  2*
                n3    c     ACTIVE  2
                n4    d     ACTIVE  2
                n5    e     ACTIVE  -

                shard  start  size   qps
                1      -      30MiB  500
                2      m      30MiB  500
                """).entryFormat(5);

        Plan plan = cluster.plan();

        // Group of shard 1 has 2 of 3 replicas; n5 is the emptiest node in a new zone.
        assertThat(moves(plan)).contains("1:+->n5");
        assertThat(Replicas.problems(cluster.image())).extracting(Replicas.Problem::kind)
                .containsExactlyInAnyOrder(Replicas.Kind.UNDER_REPLICATED, Replicas.Kind.OVER_REPLICATED);
        cluster.applyInOrder(plan);
        cluster.advanceTo(1, MIGRATION_PHASE_COMPLETED);
        assertThat(cluster.groupOf(1).members()).containsExactly("n1", "n2", "n5");
    }

    @Test
    void aLostMemberOfAGroupThatKeepsItsTargetWithoutItIsOnlyRemoved() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1*
                n2    b     ACTIVE  1
                n3    c     ACTIVE  1
                n4    d     ACTIVE  1

                shard  start  size   qps
                1      -      30MiB  500
                """).entryFormat(5).health("n4", NODE_HEALTH_DOWN);
        long group = cluster.groupOf(1).id();

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).containsExactly(REMOVE_MEMBER);
        cluster.applyInOrder(plan);
        assertThat(cluster.image().routing().group(group).orElseThrow().members()).containsExactly("n1", "n2", "n3");
    }

    @Test
    void repairsComeFirstAndEveryCheckerKeepsToItsOwnLimit() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1* 2* 3*
                n2    b     ACTIVE  1  2  3
                n3    c     ACTIVE  1  2  3
                n4    d     ACTIVE  -
                n5    e     ACTIVE  -

                shard  start  size    qps  split-key
                1      -      200MiB  500  c
                2      g      200MiB  500  k
                3      p      200MiB  500  x
                """).entryFormat(5).set("repair-limit", "1").set("split-limit", "1").health("n3", NODE_HEALTH_DOWN);

        Plan plan = cluster.plan();

        assertThat(kinds(plan)).startsWith(TRANSFER, SPLIT);
        assertThat(kinds(plan).stream().filter(k -> k == SPLIT)).hasSize(1);
        assertThat(transfers(plan).get(0).getRepair()).isTrue();
        assertThat(reasons(plan)).anyMatch(r -> r.contains("more repairs in later ticks (this checker's limit (1) "
                + "reached)"));
        assertThat(reasons(plan)).anyMatch(r -> r.contains("split in a later tick (this checker's limit (1) "
                + "reached)"));
        cluster.applyInOrder(plan);
    }

    @Test
    void aShardSplitSinceItsLastReportIsNotSplitAgainUntilItsOwnReportArrives() {
        ClusterTable cluster = ClusterTable.parse("""
                node  zone  state   replicas
                n1    a     ACTIVE  1*
                n2    b     ACTIVE  1
                n3    c     ACTIVE  1

                shard  start  size  qps
                1      -      1GiB  500
                """);
        LoadView before = cluster.load();
        Plan first = cluster.plan();
        assertThat(kinds(first)).containsExactly(SPLIT);
        cluster.applyInOrder(first);

        // The same reports again: shard 1's predates its split, shard 2 has none of its own.
        Plan next = Planner.plan(cluster.image(), before, cluster.liveness(), java.util.Map.of(), cluster.now());

        assertThat(kinds(next)).doesNotContain(SPLIT);
        assertThat(reasons(next)).contains("shard 1: size " + (512 * MIB) + " B above split-size " + (96 * MIB)
                + " B (estimated: it changed since its last report); split once its own report arrives");
    }

    @Test
    void removingAMemberBelowAMajorityOfTheTargetIsRefusedUnlessForcedAndALeaderIsChosen() {
        ClusterTable cluster = ClusterTable.parse(FIVE).entryFormat(5);
        long group = cluster.groupOf(1).id();

        cluster.replay().applied(Entries.removeMember(group, "n1", false));
        assertThat(cluster.image().routing().group(group).orElseThrow().leader()).as("n1 led; n2 is next")
                .isEqualTo("n2");
        cluster.replay().rejected(Entries.removeMember(group, "n2", false), REJECT_UNDER_REPLICATED);
        cluster.replay().applied(Entries.removeMember(group, "n2", true));

        ReplicaGroup left = cluster.image().routing().group(group).orElseThrow();
        assertThat(left.members()).containsExactly("n3");
        assertThat(left.leader()).isEqualTo("n3");
    }
}
