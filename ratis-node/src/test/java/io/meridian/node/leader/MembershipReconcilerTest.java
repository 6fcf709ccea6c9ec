package io.meridian.node.leader;

import static io.meridian.core.testing.Entries.activate;
import static io.meridian.core.testing.Entries.finishDecommission;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.promote;
import static io.meridian.core.testing.Entries.startDecommission;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Replay;
import io.meridian.core.topology.TopologyImage;
import io.meridian.node.raft.RaftMembership.Conf;
import io.meridian.node.raft.RaftMembership.Progress;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** How the reconciler plans its next configuration change from topology and the current configuration. */
class MembershipReconcilerTest {

    private static Map<String, RaftPeer> peers(TopologyImage topology, String... ids) {
        Map<String, RaftPeer> out = new TreeMap<>();
        for (String id : ids) {
            out.put(id, RaftPeer.newBuilder().setId(id).setAddress(topology.node(id).orElseThrow().raftAddress())
                    .build());
        }
        return out;
    }

    private static Conf conf(TopologyImage topology, String[] voters, String... listeners) {
        return new Conf(peers(topology, voters), peers(topology, listeners), true);
    }

    private static final Map<String, Progress> FOLLOWERS = Map.of(
            "n2", new Progress(10, 100), "n3", new Progress(10, 20));

    @Test
    void nothingToDoWhenTheConfigurationMatches() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        TopologyImage topology = replay.image().topology();
        assertThat(MembershipReconciler.nextStep(topology, conf(topology, new String[] {"n1", "n2", "n3"}), "n1",
                FOLLOWERS)).isEmpty();
    }

    @Test
    void aJoiningNodeComesInAsAListenerAndAPromotedOneBecomesAVoter() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));
        TopologyImage topology = replay.image().topology();
        Optional<MembershipReconciler.Step> add = MembershipReconciler.nextStep(topology,
                conf(topology, new String[] {"n1", "n2", "n3"}), "n1", FOLLOWERS);
        assertThat(add).hasValueSatisfying(step -> {
            assertThat(step.description()).isEqualTo("add n4 as a listener");
            assertThat(step.voters().keySet()).containsExactly("n1", "n2", "n3");
            assertThat(step.listeners().keySet()).containsExactly("n4");
        });

        replay.applied(activate("n4"));
        replay.applied(promote("n4"));
        topology = replay.image().topology();
        Optional<MembershipReconciler.Step> voter = MembershipReconciler.nextStep(topology,
                conf(topology, new String[] {"n1", "n2", "n3"}, "n4"), "n1", FOLLOWERS);
        assertThat(voter).hasValueSatisfying(step -> {
            assertThat(step.description()).isEqualTo("make n4 a voter");
            assertThat(step.voters().keySet()).containsExactly("n1", "n2", "n3", "n4");
            assertThat(step.listeners()).isEmpty();
        });
    }

    @Test
    void aDecommissionedVoterIsRemovedAndALeavingLeaderFirstHandsOver() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(startDecommission("n4", false));
        TopologyImage draining = replay.image().topology();
        String[] four = {"n1", "n2", "n3", "n4"};
        assertThat(MembershipReconciler.nextStep(draining, conf(draining, four), "n1", FOLLOWERS))
                .as("a draining voter still votes").isEmpty();

        replay.applied(finishDecommission("n4", true));
        TopologyImage gone = replay.image().topology();
        assertThat(MembershipReconciler.nextStep(gone, conf(gone, four), "n1", FOLLOWERS))
                .hasValueSatisfying(step -> {
                    assertThat(step.description()).isEqualTo("remove voter n4");
                    assertThat(step.voters().keySet()).containsExactly("n1", "n2", "n3");
                });
        assertThat(MembershipReconciler.nextStep(gone, conf(gone, four), "n4", FOLLOWERS))
                .hasValueSatisfying(step -> {
                    assertThat(step.handLeadershipTo()).contains("n3");
                    assertThat(step.description()).startsWith("hand leadership to n3");
                });
    }

    @Test
    void aListenerNoLongerInTopologyIsRemoved() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n5"));
        TopologyImage withN5 = replay.image().topology();
        Conf conf = new Conf(peers(withN5, "n1", "n2", "n3"), peers(withN5, "n5"), true);
        replay.applied(startDecommission("n5", false));
        replay.applied(finishDecommission("n5", false));
        assertThat(MembershipReconciler.nextStep(replay.image().topology(), conf, "n1", FOLLOWERS))
                .hasValueSatisfying(step -> {
                    assertThat(step.description()).isEqualTo("remove listener n5");
                    assertThat(step.listeners()).isEmpty();
                });
    }
}
