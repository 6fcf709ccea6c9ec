package io.meridian.core.edgecache;

import static io.meridian.core.testing.Entries.disableEdgeCache;
import static io.meridian.core.testing.Entries.edgeStats;
import static io.meridian.core.testing.Entries.enableEdgeCache;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.startDecommission;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Replay;
import org.junit.jupiter.api.Test;

class EdgeCacheApplierTest {

    private static Replay cluster() {
        return Replay.bootstrapped("n3", "n5", "n7", "n9");
    }

    @Test
    void enableThenDisableRoundTrips() {
        Replay replay = cluster();
        assertThat(replay.image().edgeCache().list("")).isEmpty();

        replay.applied(enableEdgeCache("n7", 4, 1024, 8192, "us-east-1"));

        EdgeCacheNode node = replay.image().edgeCache().node("n7").orElseThrow();
        assertThat(node.capacity()).isEqualTo(new EdgeCacheCapacity(4, 1024, 8192, "us-east-1"));
        assertThat(node.enabledAtMs()).isEqualTo(replay.image().logicalTimeMs());
        replay.applied(disableEdgeCache("n7"));
        assertThat(replay.image().edgeCache().node("n7")).isEmpty();
    }

    @Test
    void disablingAnUnknownNodeIsNotFound() {
        assertThat(cluster().rejected(disableEdgeCache("n9"), REJECT_NOT_FOUND).message())
                .contains("n9 is not registered as an edge cache");
    }

    @Test
    void statsCountTheHitsAndMissesReported() {
        Replay replay = cluster();
        replay.applied(enableEdgeCache("n3", 1, 64, 256, ""));

        replay.applied(edgeStats("n3", 120, 30));
        replay.applied(edgeStats("n3", 5, 0));

        EdgeCacheNode node = replay.image().edgeCache().node("n3").orElseThrow();
        assertThat(node.hits()).isEqualTo(125);
        assertThat(node.misses()).isEqualTo(30);
        replay.rejected(edgeStats("n5", 1, 1), REJECT_NOT_FOUND);
    }

    @Test
    void counterOverflowSaturates() {
        Replay replay = cluster();
        replay.applied(enableEdgeCache("n3", 1, 64, 0, ""));
        replay.applied(edgeStats("n3", Long.MAX_VALUE - 1, 0));
        replay.applied(edgeStats("n3", 10, 0));

        assertThat(replay.image().edgeCache().node("n3").orElseThrow().hits()).isEqualTo(Long.MAX_VALUE);
        replay.rejected(edgeStats("n3", -1, 0), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void enablingAgainOverwritesCapacityAndKeepsTheCounters() {
        Replay replay = cluster();
        replay.applied(enableEdgeCache("n5", 2, 128, 512, ""));
        replay.applied(edgeStats("n5", 7, 3));

        replay.applied(enableEdgeCache("n5", 8, 4096, 16_384, "eu-west-1"));

        assertThat(replay.image().edgeCache().list("")).hasSize(1);
        EdgeCacheNode node = replay.image().edgeCache().node("n5").orElseThrow();
        assertThat(node.capacity()).isEqualTo(new EdgeCacheCapacity(8, 4096, 16_384, "eu-west-1"));
        assertThat(node.hits()).isEqualTo(7);
        assertThat(node.misses()).isEqualTo(3);
    }

    @Test
    void listingFiltersByGeo() {
        Replay replay = cluster();
        replay.applied(enableEdgeCache("n3", 1, 64, 0, "eu"));
        replay.applied(enableEdgeCache("n5", 1, 64, 0, "us"));
        replay.applied(enableEdgeCache("n7", 1, 64, 0, "eu"));

        assertThat(replay.image().edgeCache().list("eu")).extracting(EdgeCacheNode::nodeId).containsExactly("n3", "n7");
        assertThat(replay.image().edgeCache().list("ap")).isEmpty();
        assertThat(replay.image().edgeCache().list("")).hasSize(3);
    }

    @Test
    void eligibilityEndsWhenTheNodeStartsDraining() {
        Replay replay = cluster();
        replay.applied(enableEdgeCache("n9", 1, 64, 0, ""));

        replay.applied(startDecommission("n9", false));

        assertThat(replay.image().edgeCache().node("n9")).isEmpty();
        replay.rejected(enableEdgeCache("n9", 1, 64, 0, ""), REJECT_NODE_NOT_ELIGIBLE);
    }

    @Test
    void onlyActiveNodesWithSaneCapacityAreEnabled() {
        Replay replay = cluster();
        replay.applied(join("n11"));

        replay.rejected(enableEdgeCache("n11", 1, 64, 0, ""), REJECT_NODE_NOT_ELIGIBLE);
        replay.rejected(enableEdgeCache("n12", 1, 64, 0, ""), REJECT_NOT_FOUND);
        replay.rejected(enableEdgeCache("n3", 0, 64, 0, ""), REJECT_INVALID_ARGUMENT);
        replay.rejected(enableEdgeCache("n3", 1, 0, 0, ""), REJECT_INVALID_ARGUMENT);
        replay.rejected(enableEdgeCache("n3", 1, 64, 0, "not a geo"), REJECT_INVALID_ARGUMENT);
    }
}
