package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.core.testing.Entries;
import io.meridian.node.MeridianNode;
import io.meridian.node.RaftTuning;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower that was down while the others took more entries than the snapshot threshold (and
 * purged the log behind their snapshots) catches up by a snapshot the leader installs.
 */
@Timeout(300)
class SnapshotInstallIT {

    @Test
    void aFollowerBehindThePurgedLogCatchesUpBySnapshotInstall() throws Exception {
        RaftTuning tuning = RaftTuning.DEFAULT.withSnapshotThreshold(100).withLogSegmentBytes(64 << 10);
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).tuning(tuning).start();
                MeridianClient client = cluster.client()) {
            MeridianNode follower = cluster.follower();
            String id = follower.nodeId();
            cluster.stop(id);

            String filler = "x".repeat(200);
            for (int i = 0; i < 250; i++) {
                Batch.Builder batch = Batch.newBuilder();
                for (int j = 0; j < 10; j++) {
                    batch.addEntries(Entries.catalogDdl("CREATE TABLE t" + i + "_" + j + " -- " + filler));
                }
                client.placement().applyBatch(batch.build());
            }
            MeridianNode leader = cluster.awaitLeader();
            assertThat(leader.stateMachine().snapshotsTaken()).isGreaterThanOrEqualTo(2);
            Path leaderLog = leader.config().dataDir().resolve("raft");
            try (Stream<Path> files = Files.walk(leaderLog)) {
                assertThat(files.filter(p -> p.getFileName().toString().startsWith("log_0-"))).as(
                        "the leader purged the start of its log").isEmpty();
            }

            MeridianNode restarted = cluster.restart(id);
            cluster.awaitConverged();

            assertThat(restarted.stateMachine().snapshotsInstalled()).isGreaterThanOrEqualTo(1);
            assertThat(restarted.stateMachine().image().catalog().version()).isEqualTo(2_500);
        }
    }
}
