package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.core.MetadataImage;
import io.meridian.core.testing.Entries;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.IssueTokenRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole cluster stopped and started again from its data directories keeps its state. */
@Timeout(300)
class RestartIT {

    @Test
    void aRestartedClusterKeepsItsState() {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start()) {
            try (MeridianClient client = cluster.client()) {
                client.placement().place(Entries.split(1, "m").getPlacement());
                client.membership().issueToken(IssueTokenRequest.newBuilder().setTtlMs(3_600_000).build());
                client.placement().changeEdgeCache(Entries.enableEdgeCache("n1", 2, 512, 1024, "eu").getEdgeCache());
                client.placement().changeGhost(Entries.insertGhost(1, "moved", 2, 3).getGhost());
                client.placement().controlScheduler(Entries.pauseScheduler("restart test").getSchedulerControl());
                client.placement().applyCatalogDdl(Entries.catalogDdl("CREATE TABLE kept").getCatalogDdl());
            }
            cluster.awaitConverged();
            MetadataImage before = cluster.node("n1").stateMachine().image();

            for (String id : cluster.ids()) {
                cluster.stop(id);
            }
            cluster.restartAll();
            cluster.awaitReady();
            cluster.awaitConverged();

            for (String id : cluster.ids()) {
                MetadataImage after = cluster.node(id).stateMachine().image();
                assertThat(after.index()).isGreaterThanOrEqualTo(before.index());
                assertThat(after.withProvenance(before.provenance())).as(id).isEqualTo(before);
            }
        }
    }
}
