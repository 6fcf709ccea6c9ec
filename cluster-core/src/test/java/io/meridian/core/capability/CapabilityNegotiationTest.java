package io.meridian.core.capability;

import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.finishDecommission;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.leave;
import static io.meridian.core.testing.Entries.startDecommission;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Area;
import io.meridian.core.Change;
import io.meridian.core.testing.Replay;
import org.junit.jupiter.api.Test;

class CapabilityNegotiationTest {

    private static final String ENTRY = "meridian.entry-format";

    private static long value(Replay replay, String name) {
        return replay.image().capabilities().negotiated(name).orElseThrow().value();
    }

    private static Replay advertised(long[] n1, long[] n2, long[] n3) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(advertiseCapabilities("n1", capabilities(ENTRY, n1, "framing", new long[] {1, 2})));
        replay.applied(advertiseCapabilities("n2", capabilities(ENTRY, n2, "framing", new long[] {2, 3})));
        replay.applied(advertiseCapabilities("n3", capabilities(ENTRY, n3)));
        return replay;
    }

    @Test
    void theClusterValueIsTheHighestValueEveryMemberSupports() {
        Replay replay = advertised(new long[] {1, 2, 3}, new long[] {1, 2}, new long[] {2, 3});

        assertThat(value(replay, ENTRY)).isEqualTo(2);
    }

    @Test
    void withNoCommonValueTheClusterFallsToTheFloor() {
        Replay replay = advertised(new long[] {3}, new long[] {2}, new long[] {2, 3});

        assertThat(value(replay, ENTRY)).isEqualTo(CapabilityCatalog.ENTRY_FORMAT.floor());
        assertThat(value(replay, "framing")).isZero();
        assertThat(replay.image().capabilities().negotiated("framing").orElseThrow().atFloor()).isTrue();
    }

    @Test
    void aMemberThatNeverAdvertisedHoldsEveryCapabilityAtItsFloorUntilItDoes() {
        Replay replay = advertised(new long[] {1, 2}, new long[] {1, 2}, new long[] {1, 2});
        assertThat(value(replay, ENTRY)).isEqualTo(2);

        replay.applied(join("n4"));
        assertThat(value(replay, ENTRY)).isEqualTo(1);

        var applied = replay.applied(advertiseCapabilities("n4", capabilities(ENTRY, new long[] {1, 2})));
        assertThat(value(replay, ENTRY)).isEqualTo(2);
        assertThat(applied.changes()).contains(new Change(Area.CAPABILITY, ENTRY, "cluster value 1 -> 2"));
    }

    @Test
    void anUpgradedNodeReadvertisesAndRaisesTheValue() {
        Replay replay = advertised(new long[] {1, 2}, new long[] {1, 2}, new long[] {1});
        assertThat(value(replay, ENTRY)).isEqualTo(1);

        replay.applied(advertiseCapabilities("n3", capabilities(ENTRY, new long[] {1, 2})));

        assertThat(value(replay, ENTRY)).isEqualTo(2);
    }

    @Test
    void decommissionedAndDepartedNodesNoLongerHoldTheClusterBack() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        for (String node : new String[] {"n1", "n2", "n3"}) {
            replay.applied(advertiseCapabilities(node, capabilities(ENTRY, new long[] {1, 2})));
        }
        replay.applied(advertiseCapabilities("n4", capabilities(ENTRY, new long[] {1})));
        assertThat(value(replay, ENTRY)).isEqualTo(1);

        replay.applied(startDecommission("n4", false));
        replay.applied(finishDecommission("n4", true));
        assertThat(value(replay, ENTRY)).isEqualTo(2);
        replay.rejected(advertiseCapabilities("n4", capabilities(ENTRY, new long[] {1})), REJECT_ILLEGAL_TRANSITION);

        replay.applied(leave("n4"));
        assertThat(replay.image().capabilities().advertised()).doesNotContainKey("n4");
    }

    @Test
    void badAdvertisementsAreRefused() {
        Replay replay = Replay.bootstrapped("n1");

        replay.rejected(advertiseCapabilities("n9", capabilities(ENTRY, new long[] {1})), REJECT_NOT_FOUND);
        assertThat(replay.rejected(advertiseCapabilities("n1", new byte[] {'C', 'A', 'X', 1, 0, 0, 0, 0}),
                REJECT_INVALID_ARGUMENT).message()).contains("capabilities of n1").contains("CAP");
    }
}
