package io.meridian.core.capability;

import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.promotionCriteria;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Rejection;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.VoterPolicy;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SetGroupReplicas;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityGateTest {

    private static final String ENTRY_FORMAT = "meridian.entry-format";

    private static Optional<Rejection> gate(Replay replay, io.meridian.proto.MetadataEntry entry) {
        return CapabilityGate.check(replay.image().topology(), replay.image().capabilities(), entry);
    }

    @Test
    void entriesOfTheFirstCatalogueNeedOnlyTheFloor() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        assertThat(gate(replay, Entries.split(1, "m"))).isEmpty();
        assertThat(CapabilityGate.requirement(Entries.batch(Entries.catalogDdl("x"), Entries.join("n4"))).minimum())
                .isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.configureMembership(3, 5, true)).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.batch(Entries.catalogDdl("x"), promotionCriteria(10, 0))))
                .isEqualTo(CapabilityGate.PROMOTION_CRITERIA);
    }

    @Test
    void aMixedClusterHoldsTheGateClosedUntilTheOldNodeReadvertises() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        byte[] current = capabilities(ENTRY_FORMAT, new long[] {1, 2});
        byte[] older = capabilities(ENTRY_FORMAT, new long[] {1});
        replay.applied(advertiseCapabilities("n1", current));
        replay.applied(advertiseCapabilities("n2", current));
        replay.applied(advertiseCapabilities("n3", older));

        Optional<Rejection> closed = gate(replay, promotionCriteria(10, 1_000));
        assertThat(closed).hasValueSatisfying(rejection -> {
            assertThat(rejection.code()).isEqualTo(RejectCode.REJECT_CAPABILITY_GATED);
            assertThat(rejection.message()).isEqualTo("promotion criteria in the voter policy need "
                    + "meridian.entry-format >= 2; the cluster is at 1, held back by n3 (supports [1])");
        });

        replay.applied(advertiseCapabilities("n3", current));
        assertThat(gate(replay, promotionCriteria(10, 1_000))).isEmpty();
        replay.applied(promotionCriteria(10, 1_000));
        assertThat(replay.image().topology().voterPolicy().promoteLagEntries()).isEqualTo(10);
        assertThat(replay.image().topology().voterPolicy().promoteAfterMs()).isEqualTo(1_000);
    }

    @Test
    void belowTheVersionAReplicaIgnoresWhatTheVersionAddedAsAnOldReplicaWould() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(advertiseCapabilities("n3", capabilities(ENTRY_FORMAT, new long[] {1})));

        // Admitted while the cluster was at 2, committed after n3 brought it down to 1.
        var applied = (io.meridian.core.apply.Outcome.Applied) replay.logged(
                Entries.batch(Entries.configureMembership(2, 5, null), promotionCriteria(7, 0))).outcome();

        VoterPolicy policy = replay.image().topology().voterPolicy();
        assertThat(policy.targetVoters()).isEqualTo(5);
        assertThat(policy.promoteLagEntries()).isEqualTo(VoterPolicy.DEFAULT_PROMOTE_LAG_ENTRIES);
        assertThat(policy.promoteAfterMs()).isEqualTo(VoterPolicy.DEFAULT_PROMOTE_AFTER_MS);
        assertThat(applied.changes()).anySatisfy(change -> assertThat(change.description()).contains(
                "promotion criteria ignored"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4})
    void belowEntryFormat5TheLeaderDropsAnEntryFormatTheProposerWroteItself(long format) {
        // A replica of an older release does not know the field: it would halt on the entry.
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        MetadataEntry forged = Entries.removeMember(1, "n1").toBuilder().setEntryFormat(5).build();

        assertThat(CapabilityGate.adapt(replay.image().capabilities(), forged, Replay.START_MS).getEntryFormat())
                .isZero();

        replay.applied(forged);
        assertThat(replay.log().get(replay.log().size() - 1).getEntryFormat()).isZero();
        // Applied by the rules of the cluster's format: the group is left without a leader.
        assertThat(replay.image().routing().group(1).orElseThrow().hasLeader()).isFalse();
    }

    @Test
    void fromEntryFormat5TheLeaderStampsTheClustersFormatOverWhateverTheProposerWrote() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(5);

        for (int written : new int[] {0, 1, 4, 9}) {
            MetadataEntry entry = Entries.catalogDdl("x").toBuilder().setEntryFormat(written).build();
            assertThat(CapabilityGate.adapt(replay.image().capabilities(), entry, Replay.START_MS).getEntryFormat())
                    .as("written %d", written).isEqualTo(5);
        }
    }

    @Test
    void whatEntryFormat5AddedNeedsEntryFormat5() {
        assertThat(CapabilityGate.requirement(Entries.markHealth("n1", NodeHealthProto.NODE_HEALTH_DOWN)))
                .isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.demote("n1"))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.setReplicas(1, 5))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.removeMember(1, "n1", true))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.repair(1, "", "n4"))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.abortKeepingRouting(1, "x"))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.setScheduler("down-after", "1h")))
                .isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.batch(Entries.catalogDdl("x"), Entries.setReplicas(1, 2))))
                .isEqualTo(CapabilityGate.REPAIR);
        // Compensations are routing changes too: one of entry-format 5 makes its abort need 5.
        assertThat(CapabilityGate.requirement(Entries.abort(1, "x", Entries.reassignChange(1, 1, "n1"),
                RoutingChange.newBuilder().setSetReplicas(SetGroupReplicas.newBuilder().setGroupId(1)
                        .setReplicas(5))))).isEqualTo(CapabilityGate.REPAIR);
        assertThat(CapabilityGate.requirement(Entries.abort(1, "x", RoutingChange.newBuilder().setRemoveMember(
                RemoveGroupMember.newBuilder().setGroupId(1).setNodeId("n1").setForce(true)))))
                .isEqualTo(CapabilityGate.REPAIR);
        // Their older forms stay in the first catalogue.
        assertThat(CapabilityGate.requirement(Entries.abort(1, "x", Entries.reassignChange(1, 1, "n1"),
                RoutingChange.newBuilder().setRemoveMember(RemoveGroupMember.newBuilder().setGroupId(1)
                        .setNodeId("n1")))).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.removeMember(1, "n1", false)).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.transfer(1, "n1", "n4")).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.abort(1, "x")).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.setScheduler("tick-interval", "5s")).minimum()).isEqualTo(1);
        assertThat(CapabilityGate.requirement(Entries.setScheduler("no-such-key", "5s")).minimum()).isEqualTo(1);
    }

    @Test
    void anAbortWhoseCompensationOnlyEntryFormat5KnowsIsRefusedBeforeTheLogBelow5() {
        // A replica of entry-format 4 reads such a compensation as one that names no change.
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4").atEntryFormat(4);
        replay.applied(Entries.removeMember(1, "n4"));
        replay.applied(Entries.transfer(1, "n1", "n4"));
        int logged = replay.log().size();

        replay.rejected(Entries.abort(1, "x", RoutingChange.newBuilder().setSetReplicas(
                SetGroupReplicas.newBuilder().setGroupId(1).setReplicas(5))), RejectCode.REJECT_CAPABILITY_GATED);

        assertThat(replay.log()).hasSize(logged);
        assertThat(replay.image().routing().group(1).orElseThrow().targetReplicas()).isZero();
    }
}
