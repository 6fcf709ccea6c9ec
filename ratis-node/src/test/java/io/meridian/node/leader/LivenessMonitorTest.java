package io.meridian.node.leader;

import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.setScheduler;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeHealth;
import io.meridian.node.raft.RaftMembership.Progress;
import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.HealthView;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectionDetail;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's liveness judgement on a replayed image and a hand-driven clock: silence makes a
 * node SUSPECT (soft state, nothing logged), longer silence records it DOWN through the log, an
 * answer records it UP again, and a new term starts everyone as seen.
 */
class LivenessMonitorTest {

    private static final long SUSPECT_AFTER = 10_000;
    private static final long DOWN_AFTER = 60_000;
    private static final long WALL_OFFSET = 1_700_000_000_000L;

    private final Replay replay = Replay.bootstrapped("n1", "n2", "n3");
    private final AtomicLong clock = new AtomicLong(5_000);
    /** Milliseconds since each follower last answered, as the leader's Raft division reports it. */
    private final Map<String, Long> lastAnswer = new TreeMap<>();
    /** Followers whose appender has had no successful reply yet (match index -1). */
    private final List<String> unmatched = new ArrayList<>();
    private final List<MetadataEntry> proposed = new ArrayList<>();
    private LivenessMonitor monitor;

    @BeforeEach
    void setUp() {
        entryFormat(5);
        replay.applied(setScheduler("suspect-after", "10s"));
        replay.applied(setScheduler("down-after", "60s"));
        lastAnswer.put("n2", 0L);
        lastAnswer.put("n3", 0L);
        monitor = new LivenessMonitor("n1", "n1", replay::image, this::followers, clock::get,
                () -> clock.get() + WALL_OFFSET);
        monitor.reset();
    }

    private void entryFormat(int value) {
        long[] supported = new long[value];
        for (int i = 0; i < value; i++) {
            supported[i] = i + 1;
        }
        for (String id : List.of("n1", "n2", "n3")) {
            replay.applied(advertiseCapabilities(id, capabilities(CapabilityCatalog.ENTRY_FORMAT.name(), supported)));
        }
    }

    private Map<String, Progress> followers() {
        Map<String, Progress> out = new TreeMap<>();
        lastAnswer.forEach((id, elapsed) -> out.put(id, new Progress(unmatched.contains(id) ? -1 : 0, elapsed)));
        return out;
    }

    private EntryOutcome propose(MetadataEntry entry) {
        proposed.add(entry);
        ApplyResult result = replay.apply(entry);
        EntryOutcome.Builder outcome = EntryOutcome.newBuilder().setIndex(result.image().index());
        if (result.outcome() instanceof Outcome.Rejected rejected) {
            outcome.setRejection(RejectionDetail.newBuilder().setCode(rejected.rejection().code())
                    .setMessage(rejected.rejection().message()));
        }
        return outcome.build();
    }

    /** Time passes; n3 stays silent, n2 keeps answering. */
    private void passWithN3Silent(long ms) throws InterruptedException {
        clock.addAndGet(ms);
        lastAnswer.put("n3", lastAnswer.get("n3") + ms);
        monitor.check(this::propose);
    }

    private Node node(String id) {
        return replay.image().topology().node(id).orElseThrow();
    }

    @Test
    void silenceMakesSuspectThenDownAndAnAnswerMakesUp() throws InterruptedException {
        passWithN3Silent(SUSPECT_AFTER - 1);
        assertThat(monitor.verdict(node("n3"))).isEqualTo(HealthView.HEALTH_VIEW_UP);

        passWithN3Silent(1);
        assertThat(monitor.verdict(node("n3"))).isEqualTo(HealthView.HEALTH_VIEW_SUSPECT);
        assertThat(monitor.liveness().suspect()).containsExactly("n3");
        assertThat(monitor.verdict(node("n2"))).isEqualTo(HealthView.HEALTH_VIEW_UP);
        assertThat(proposed).as("SUSPECT is the leader's soft state").isEmpty();

        passWithN3Silent(DOWN_AFTER - SUSPECT_AFTER);
        assertThat(proposed).hasSize(1);
        assertThat(proposed.get(0).getTopology().getMarkHealth().getNodeId()).isEqualTo("n3");
        assertThat(node("n3").health()).isEqualTo(NodeHealth.DOWN);
        assertThat(node("n3").lastSeenMs()).as("last sight in wall time").isEqualTo(5_000 + WALL_OFFSET);
        assertThat(monitor.verdict(node("n3"))).isEqualTo(HealthView.HEALTH_VIEW_DOWN);
        assertThat(monitor.silenceMs("n3")).isEqualTo(DOWN_AFTER);

        passWithN3Silent(1_000);
        assertThat(proposed).as("DOWN is recorded once").hasSize(1);

        lastAnswer.put("n3", 0L);
        clock.addAndGet(500);
        monitor.check(this::propose);
        assertThat(proposed).hasSize(2);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.UP);
        assertThat(monitor.verdict(node("n3"))).isEqualTo(HealthView.HEALTH_VIEW_UP);
        assertThat(monitor.liveness().suspect()).isEmpty();
    }

    @Test
    void aNewTermCountsEveryNodeAsSeenWhenItStarted() throws InterruptedException {
        passWithN3Silent(SUSPECT_AFTER);
        assertThat(monitor.liveness().suspect()).containsExactly("n3");

        // Another leader took over and n1 leads again: silence counts from the new term.
        monitor.reset();
        lastAnswer.put("n2", DOWN_AFTER * 2);
        passWithN3Silent(DOWN_AFTER - 1);
        assertThat(proposed).as("nobody is DOWN within down-after of a new term").isEmpty();
        assertThat(monitor.liveness().suspect()).containsExactly("n2", "n3");
        passWithN3Silent(1);
        assertThat(proposed).extracting(e -> e.getTopology().getMarkHealth().getNodeId())
                .containsExactly("n2", "n3");
    }

    @Test
    void aNodeDownWhenTheTermStartsStaysDownUntilHeardFrom() throws InterruptedException {
        passWithN3Silent(DOWN_AFTER);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.DOWN);

        monitor.reset();
        passWithN3Silent(1_000);
        assertThat(monitor.verdict(node("n3"))).isEqualTo(HealthView.HEALTH_VIEW_DOWN);
        assertThat(proposed).as("still not heard from: no UP").hasSize(1);
    }

    @Test
    void aFreshAppenderIsNoSignOfLife() throws InterruptedException {
        passWithN3Silent(DOWN_AFTER);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.DOWN);

        // A new term: the leader's appender to n3 starts now, which Raft reports as a contact.
        monitor.reset();
        unmatched.add("n3");
        lastAnswer.put("n3", 0L);
        clock.addAndGet(1_000);
        monitor.check(this::propose);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.DOWN);

        unmatched.clear();
        clock.addAndGet(1_000);
        monitor.check(this::propose);
        assertThat(node("n3").health()).as("n3 answered an append").isEqualTo(NodeHealth.UP);
    }

    @Test
    void belowEntryFormatFiveNothingIsRecorded() throws InterruptedException {
        Replay old = Replay.bootstrapped("n1", "n2", "n3");
        monitor = new LivenessMonitor("n1", "n1", old::image, this::followers, clock::get, clock::get);
        monitor.reset();
        clock.addAndGet(DOWN_AFTER * 100);
        lastAnswer.put("n3", DOWN_AFTER * 100);
        monitor.check(entry -> {
            proposed.add(entry);
            return EntryOutcome.getDefaultInstance();
        });
        assertThat(proposed).isEmpty();
        assertThat(monitor.liveness().suspect()).as("SUSPECT still steers the planner").containsExactly("n3");
    }

    @Test
    void aFailedRecordingIsRetriedOnTheNextPass() throws InterruptedException {
        List<MetadataEntry> attempts = new ArrayList<>();
        clock.addAndGet(DOWN_AFTER);
        lastAnswer.put("n3", DOWN_AFTER);
        monitor.check(entry -> {
            attempts.add(entry);
            throw WriteFailure.notTaken("no longer leading", null);
        });
        assertThat(attempts).hasSize(1);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.UP);

        monitor.check(this::propose);
        assertThat(node("n3").health()).isEqualTo(NodeHealth.DOWN);
    }
}
