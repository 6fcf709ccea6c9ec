package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.GetCatalogRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The leader dies while a client writes: another is elected, writes resume, no acknowledged write
 * is lost or applied twice, and the old leader catches up when it restarts.
 */
@Timeout(300)
class FailoverIT {

    @Test
    void aKilledLeaderIsReplacedAndNoAcknowledgedWriteIsLost() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            MeridianNode old = cluster.awaitLeader();
            Writer writer = new Writer(client, "failover");
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.acknowledgedCount() >= 30);

            long killedAt = System.nanoTime();
            cluster.kill(old.nodeId());
            MeridianNode next = cluster.awaitLeader();
            assertThat(next.nodeId()).isNotEqualTo(old.nodeId());
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.firstAcknowledgedIssuedAfter(killedAt) > 0);
            long failoverMs = (writer.firstAcknowledgedIssuedAfter(killedAt) - killedAt) / 1_000_000;
            int atFailover = writer.acknowledgedCount();
            await().atMost(InProcessCluster.PATIENCE).until(() -> writer.acknowledgedCount() >= atFailover + 30);
            writer.close();

            cluster.restart(old.nodeId());
            cluster.awaitConverged();

            Map<String, Integer> applied = new TreeMap<>();
            GetCatalogRequest.Builder page = GetCatalogRequest.newBuilder().setLimit(10_000);
            for (CatalogEntryRecord entry : client.metadata().catalog(page.build()).getEntriesList()) {
                applied.merge(entry.getPayload().toStringUtf8(), 1, Integer::sum);
            }
            List<String> acknowledged = writer.acknowledged();
            assertThat(acknowledged).allSatisfy(payload -> assertThat(applied.get(payload)).as(payload).isEqualTo(1));
            assertThat(applied.values()).allSatisfy(count -> assertThat(count).isEqualTo(1));
            assertThat(writer.failed()).as("writes refused outright").isEmpty();
            System.out.printf("FailoverIT: %d writes acknowledged, %d with unknown outcome; leader %s killed, %s "
                    + "leads; first write issued after the kill acknowledged %d ms after it%n", acknowledged.size(),
                    writer.unknown().size(), old.nodeId(), next.nodeId(), failoverMs);
            assertThat(cluster.node(old.nodeId()).stateMachine().image().catalog().version())
                    .isEqualTo(next.stateMachine().image().catalog().version());
        }
    }
}
