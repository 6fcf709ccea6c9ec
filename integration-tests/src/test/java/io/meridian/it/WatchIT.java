package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.core.testing.Entries;
import io.meridian.node.MeridianNode;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.WatchEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A watch sees every applied change exactly once, across a leader change and a reconnect. */
@Timeout(300)
class WatchIT {

    @Test
    void aWatchSeesEveryChangeOnceAcrossALeaderChangeAndAReconnect() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient writer = cluster.client()) {
            MeridianNode leader = cluster.awaitLeader();
            MeridianNode watched = cluster.follower();
            String third = cluster.ids().stream().filter(id -> !id.equals(leader.nodeId())
                    && !id.equals(watched.nodeId())).findFirst().orElseThrow();
            List<WatchEvent> seen = Collections.synchronizedList(new ArrayList<>());
            try (MeridianClient watcher = cluster.clientOf(watched.nodeId(), third, leader.nodeId());
                    MeridianClient.Subscription subscription = watcher.metadata().watch(1, seen::add)) {
                for (int i = 0; i < 20; i++) {
                    writer.placement().applyCatalogDdl(Entries.catalogDdl("before-" + i).getCatalogDdl());
                }
                cluster.kill(leader.nodeId());
                cluster.awaitLeader();
                for (int i = 0; i < 20; i++) {
                    writer.placement().applyCatalogDdl(Entries.catalogDdl("after-kill-" + i).getCatalogDdl());
                }
                cluster.restart(leader.nodeId());
                cluster.stop(watched.nodeId());
                for (int i = 0; i < 20; i++) {
                    writer.placement().applyCatalogDdl(Entries.catalogDdl("after-reconnect-" + i).getCatalogDdl());
                }

                MeridianNode survivor = cluster.node(third);
                List<Long> expected = survivor.stateMachine().changesSince(1, 100_000).stream()
                        .map(WatchEvent::getIndex).toList();
                await().atMost(InProcessCluster.PATIENCE).until(() -> indices(seen).equals(
                        survivor.stateMachine().changesSince(1, 100_000).stream().map(WatchEvent::getIndex).toList()));
                List<Long> indices = indices(seen);
                assertThat(indices).containsAll(expected).doesNotHaveDuplicates().isSorted();
                assertThat(payloads(seen)).contains("before-0", "after-kill-19", "after-reconnect-19");
                assertThat(subscription.nextIndex()).isEqualTo(indices.get(indices.size() - 1) + 1);
            }
            cluster.restartAll();
            cluster.awaitConverged();
        }
    }

    private static List<Long> indices(List<WatchEvent> events) {
        synchronized (events) {
            return events.stream().map(WatchEvent::getIndex).toList();
        }
    }

    private static List<String> payloads(List<WatchEvent> events) {
        synchronized (events) {
            return events.stream().flatMap(event -> event.getEntry().hasCatalogDdl()
                    ? Stream.of(event.getEntry().getCatalogDdl().getPayload().toStringUtf8()) : Stream.empty())
                    .toList();
        }
    }
}
