package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.UnavailableException;
import io.meridian.core.MetadataImage;
import io.meridian.core.testing.Entries;
import io.meridian.node.MeridianNode;
import io.meridian.node.RaftTuning;
import io.meridian.node.statemachine.MetadataStateMachine;
import io.meridian.node.statemachine.SnapshotFiles;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.Alarm;
import io.meridian.proto.AlarmKind;
import io.meridian.proto.MemberStatus;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The corruption check: replicas compare state digests at common checkpoint indexes. A replica
 * whose state was changed behind the log's back (a well-formed snapshot with wrong contents, as a
 * bug or a bad disk restore would leave) is named CORRUPT by the others and by itself, and serves no
 * reads; healthy replicas raise nothing.
 */
@Timeout(300)
class IntegrityIT {

    private static final Duration CHECK = Duration.ofMillis(200);

    @Test
    void aReplicaWhoseStateDivergedIsNamedCorruptAndServesNoReads() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3)
                .tuning(RaftTuning.DEFAULT.withIntegrityCheckInterval(CHECK)).start();
                MeridianClient client = cluster.client()) {
            writePastNextCheckpoint(cluster, client);
            await("the members compared a common checkpoint").atMost(InProcessCluster.PATIENCE).until(() ->
                    cluster.runningNodes().stream().allMatch(node -> !node.stateMachine().checkpointDigests().isEmpty()));
            await("no alarm while the replicas agree").during(CHECK.multipliedBy(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> alarms(cluster).isEmpty());

            String victim = cluster.follower().nodeId();
            cluster.node(victim).takeSnapshot();
            cluster.stop(victim);
            tamperWithLatestSnapshot(cluster.config(victim).dataDir());
            cluster.restart(victim);
            writePastNextCheckpoint(cluster, client);

            await("a CORRUPT alarm about " + victim).atMost(InProcessCluster.PATIENCE).until(() ->
                    alarms(cluster).stream().anyMatch(a -> a.getNodeId().equals(victim)
                            && a.getKind() == AlarmKind.ALARM_KIND_CORRUPT));
            assertThat(alarms(cluster)).allSatisfy(alarm -> assertThat(alarm.getNodeId()).isEqualTo(victim));
            await().atMost(InProcessCluster.PATIENCE).until(() -> cluster.node(victim).corrupt().isPresent());
            try (MeridianClient onlyVictim = MeridianClient.builder().endpoints(cluster.endpoint(victim))
                    .timeout(Duration.ofSeconds(2)).build()) {
                assertThatThrownBy(() -> onlyVictim.metadata().topology()).isInstanceOf(UnavailableException.class)
                        .hasMessageContaining("CORRUPT alarm");
            }
            assertThat(client.metadata().topology().getBootstrapped()).as("the healthy members still serve reads")
                    .isTrue();
            NodeProcesses.Cli status = NodeProcesses.cli("cluster", "status", "--endpoints",
                    cluster.endpoint(cluster.awaitLeader().nodeId()));
            assertThat(status.out()).contains("alarm CORRUPT on " + victim);
            System.out.println("IntegrityIT: " + status.out().lines().filter(l -> l.startsWith("alarm")).toList());
        }
    }

    /** Writes until every running replica has applied an index past the next checkpoint. */
    private static void writePastNextCheckpoint(InProcessCluster cluster, MeridianClient client) {
        long target = (cluster.awaitLeader().stateMachine().image().index() / MetadataStateMachine.CHECKPOINT_INTERVAL
                + 1) * MetadataStateMachine.CHECKPOINT_INTERVAL;
        int i = 0;
        while (cluster.awaitLeader().stateMachine().image().index() <= target) {
            client.placement().applyCatalogDdl(Entries.catalogDdl("filler " + target + "-" + i++).getCatalogDdl());
        }
        await().atMost(InProcessCluster.PATIENCE).until(() -> cluster.runningNodes().stream()
                .allMatch(node -> node.stateMachine().image().index() > target));
    }

    private static List<Alarm> alarms(InProcessCluster cluster) {
        return cluster.runningNodes().stream().map(MeridianNode::localStatus)
                .flatMap(status -> status.getAlarmsList().stream()).toList();
    }

    /**
     * Rewrites the newest snapshot of a stopped node with different contents, checksums and all, as a
     * bug that wrote the wrong state would: nothing but a comparison with the other replicas tells.
     */
    private static void tamperWithLatestSnapshot(Path dataDir) throws IOException {
        File latest;
        try (Stream<Path> files = Files.walk(dataDir)) {
            latest = files.filter(p -> p.getFileName().toString().startsWith("snapshot.")
                            && !p.getFileName().toString().endsWith(".md5"))
                    .max(Comparator.comparing(p -> SimpleStateMachineStorage.getTermIndexFromSnapshotFile(p.toFile())))
                    .orElseThrow(() -> new AssertionError("no snapshot in " + dataDir)).toFile();
        }
        TermIndex at = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(latest);
        MetadataImage image = SnapshotFiles.read(latest, null, at);
        SnapshotFiles.write(image.withScheduler(image.scheduler().withPaused(true, "changed behind the log's back")),
                latest);
    }
}
