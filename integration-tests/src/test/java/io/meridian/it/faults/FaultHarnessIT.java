package io.meridian.it.faults;

import static io.meridian.it.faults.HarnessLog.log;
import static io.meridian.it.faults.HarnessLog.millis;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.WriteReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault harness's smoke test: three node JVMs whose Raft traffic goes through link proxies.
 * The leader is cut off and the other two elect a leader and take writes; a follower is stopped
 * with SIGSTOP and resumed; the leader is SIGKILLed and restarted. Every acknowledged write is
 * in the catalog at the end and all replicas converge. Prints the measured times.
 *
 * <p>The nemesis seed is {@code -Dfaults.seed}, 1 by default. The nodes' files (consoles, data
 * directories with their logs) stay under the temp directory when the test fails, or under
 * {@code -Dfaults.root=DIR} when that is given.
 */
@Timeout(120)
class FaultHarnessIT {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempRoot;

    private int writes;

    @Test
    void cutOffPausedAndKilledNodesRejoinAndEveryReplicaConverges() throws Exception {
        long seed = Long.getLong("faults.seed", 1L);
        String keep = System.getProperty("faults.root");
        Path root = keep == null ? tempRoot : Files.createTempDirectory(Files.createDirectories(Path.of(keep)),
                "FaultHarnessIT-");
        long begun = System.nanoTime();
        try (ProcessCluster cluster = ProcessCluster.builder(root)
                .electionTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1))
                .nodeFlags("--snapshot-threshold", "200")
                .start()) {
            List<String> report = new ArrayList<>();
            report.add(String.format("cluster up in %d ms", millis(begun, System.nanoTime())));
            Observer observer = cluster.observer();
            MeridianClient client = cluster.client();
            write(client, "before", 5);

            // 1. Cut the leader off: the other two elect one of them and take writes.
            Observer.Leader first = observer.awaitLeader(AWAIT, leader -> true, "");
            List<String> majority = cluster.others(List.of(first.id()));
            long isolated = System.nanoTime();
            cluster.network().isolate(first.id());
            log("isolated leader %s (term %d)", first.id(), first.term());
            Observer.Leader second = observer.awaitLeader(AWAIT,
                    leader -> majority.contains(leader.id()) && leader.term() > first.term(), "among " + majority);
            long electedMs = millis(isolated, second.nanos());
            log("%s leads term %d, %d ms after %s was cut off", second.id(), second.term(), electedMs, first.id());
            MemberStatus cutOffAtElection = observer.awaitNode(first.id(), AWAIT, status -> true, "answering");
            MeridianClient majorityClient = cluster.client(majority.toArray(String[]::new));
            long writing = System.nanoTime();
            write(majorityClient, "first-while-cut-off", 1);
            long firstWriteMs = millis(writing, System.nanoTime());
            long lastIndex = write(majorityClient, "while-cut-off", 4).getIndex();
            long writesMs = millis(writing, System.nanoTime());
            // A follower learns the commit index with the leader's next message, so wait for it.
            observer.awaitPolls(AWAIT, "commit index " + lastIndex + " on " + majority + " and an answer from "
                    + first.id(), poll -> poll.get(first.id()).answered() && majority.stream().allMatch(id ->
                            poll.get(id).answered() && poll.get(id).status().getCommitIndex() >= lastIndex));
            MemberStatus cutOff = observer.last().get(first.id()).status();
            log("while cut off, %s; links:%n%s", observer.last().get(first.id()),
                    cluster.network().describe().stripTrailing());
            // The proxies really cut it off: its commit index stood still while the majority's advanced.
            assertThat(cutOff.getCommitIndex()).as("commit index of the cut-off %s", first.id())
                    .isEqualTo(cutOffAtElection.getCommitIndex()).isLessThan(lastIndex);
            assertThat(cluster.network().link(second.id(), first.id()).stats().droppedBytes()).isPositive();
            long healing = System.nanoTime();
            cluster.network().heal();
            SortedMap<String, MemberStatus> healed = observer.awaitConverged(AWAIT);
            long convergedMs = millis(healing, System.nanoTime());
            assertThat(healed.get(first.id()).getTerm()).isGreaterThanOrEqualTo(second.term());
            log("healed: converged at index %d in %d ms", healed.get(first.id()).getAppliedIndex(), convergedMs);
            report.add(String.format("leader %s cut off: %s elected in %d ms (term %d -> %d); through %s (tried "
                    + "in that order) the first write took %d ms and 5 took %d ms; cut-off node: role %s, term %d, "
                    + "commit %d while the majority reached %d; converged %d ms after the heal", first.id(),
                    second.id(), electedMs, first.term(), second.term(), majority, firstWriteMs, writesMs,
                    cutOff.getRole(), cutOff.getTerm(), cutOff.getCommitIndex(), lastIndex, convergedMs));

            // 2. and 3. A follower stopped and resumed; the leader killed and restarted.
            Nemesis nemesis = new Nemesis(cluster, seed, EnumSet.of(Nemesis.Fault.PAUSE_FOLLOWER,
                    Nemesis.Fault.KILL_LEADER), Nemesis.Settings.defaults(cluster.electionTimeoutMax()));
            Nemesis.Record pause = nemesis.inject(Nemesis.Fault.PAUSE_FOLLOWER);
            assertThat(pause.effective()).as(pause.toString()).isTrue();
            write(client, "after-pause", 3);
            Nemesis.Record kill = nemesis.inject(Nemesis.Fault.KILL_LEADER);
            assertThat(kill.effective()).as(kill.toString()).isTrue();
            long killWrite = System.nanoTime();
            write(client, "after-kill", 5);
            report.add(pause.toString());
            report.add(kill.toString());
            report.add(String.format("5 writes after the leader's restart in %d ms", millis(killWrite,
                    System.nanoTime())));

            SortedMap<String, MemberStatus> end = observer.awaitConverged(AWAIT);
            long catalogVersion = client.metadata().catalog(GetCatalogRequest.getDefaultInstance()).getVersion();
            assertThat(catalogVersion).as("catalog entries after %d acknowledged writes", writes).isEqualTo(writes);
            observer.assertInvariants();
            report.add(String.format("converged at index %d, digest %.12s; catalog version %d = %d acknowledged "
                    + "writes; %d polls, leaders by term %s, invariants held", end.get("n1").getAppliedIndex(),
                    end.get("n1").getStateDigest(), catalogVersion, writes, observer.polls(),
                    observer.leadersByTerm()));
            observer.notes().forEach(note -> report.add("note: " + note));
            report.add(String.format("total %d ms", millis(begun, System.nanoTime())));
            log("FaultHarnessIT (seed %d):%n  %s", seed, String.join("\n  ", report));
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("threads left by the harness")
                .noneMatch(thread -> thread.getName().startsWith("link-") || thread.getName().equals("observer-probe"));
    }

    /** Writes {@code count} catalog entries one after another; returns the last reply. */
    private WriteReply write(MeridianClient client, String label, int count) {
        WriteReply reply = null;
        for (int i = 0; i < count; i++) {
            reply = client.placement().applyCatalogDdl(CatalogDdl.newBuilder().setPayload(ByteString.copyFromUtf8("x"))
                    .setDescription(label + "-" + i).build());
            writes++;
        }
        return reply;
    }
}
