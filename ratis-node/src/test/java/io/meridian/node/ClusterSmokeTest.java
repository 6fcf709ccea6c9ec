package io.meridian.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.client.MeridianClient;
import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.SplitShard;
import io.meridian.proto.StatusReply;
import io.meridian.proto.WriteReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ClusterSmokeTest {

    @Test
    void threeNodesBootstrapAndServeAWrite() {
        try (InProcessCluster cluster = InProcessCluster.builder().nodes(3).start();
                MeridianClient client = cluster.client()) {
            WriteReply reply = client.placement().place(PlacementCommand.newBuilder().setSplit(SplitShard.newBuilder()
                    .setShardId(1).setSplitKey(com.google.protobuf.ByteString.copyFromUtf8("m"))).build());

            assertThat(reply.getChangesList()).isNotEmpty();
            assertThat(client.metadata().routing().getShardCount()).isEqualTo(2);
            StatusReply status = client.metadata().status();
            assertThat(status.getMembersList()).hasSize(3);
            cluster.awaitConverged();
        }
    }
}
