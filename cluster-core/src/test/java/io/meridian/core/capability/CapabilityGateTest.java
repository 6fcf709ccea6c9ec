package io.meridian.core.capability;

import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.promotionCriteria;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Rejection;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.VoterPolicy;
import io.meridian.proto.RejectCode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
}
