package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.core.testing.Entries;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.StatusReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `meridian node start` JVMs on loopback: the leader is killed with SIGKILL, the cluster keeps
 * serving, and the killed node restarts on its data directory alone and catches up.
 */
@Timeout(300)
class ProcessClusterIT {

    @TempDir
    Path root;

    @Test
    void theLeaderIsKilledTheClusterKeepsServingAndTheNodeComesBack() throws Exception {
        try (NodeProcesses nodes = new NodeProcesses(root)) {
            StringBuilder peers = new StringBuilder();
            for (String id : List.of("n1", "n2", "n3")) {
                nodes.allocate(id);
                peers.append(peers.length() == 0 ? "" : ",").append(id).append('=').append(nodes.raftAddress(id));
            }
            long launched = System.nanoTime();
            for (String id : List.of("n1", "n2", "n3")) {
                List<String> args = new ArrayList<>(nodes.firstStart(id));
                args.addAll(List.of("--peers", peers.toString(), "--labels", "zone=z" + id.substring(1)));
                nodes.launch(id, args);
            }
            try (MeridianClient client = MeridianClient.builder().endpoints(nodes.endpoints())
                    .timeout(Duration.ofSeconds(20)).build()) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> client.metadata().topology().getBootstrapped());
                long firstLeaderMs = (System.nanoTime() - launched) / 1_000_000;
                for (int i = 0; i < 20; i++) {
                    client.placement().applyCatalogDdl(Entries.catalogDdl("p-" + i).getCatalogDdl());
                }
                StatusReply status = nodes.status();
                String leader = status.getLeaderId();
                assertThat(status.getMembersList()).extracting(MemberStatus::getId).containsExactly("n1", "n2", "n3");

                long killed = System.nanoTime();
                nodes.process(leader).destroyForcibly().waitFor();
                client.placement().applyCatalogDdl(Entries.catalogDdl("after-kill").getCatalogDdl());
                long failoverMs = (System.nanoTime() - killed) / 1_000_000;
                for (int i = 0; i < 20; i++) {
                    client.placement().applyCatalogDdl(Entries.catalogDdl("q-" + i).getCatalogDdl());
                }

                nodes.launch(leader, List.of("--data-dir", nodes.dataDir(leader).toString()));
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> converged(nodes.status(), 3));
                StatusReply after = nodes.status();
                assertThat(after.getLeaderId()).isNotEqualTo(leader);
                assertThat(Files.readString(nodes.output(leader))).contains("node " + leader + " started");
                System.out.printf("ProcessClusterIT: first leader ready %d ms after launch; after SIGKILL of leader "
                        + "%s the first write succeeded in %d ms%n", firstLeaderMs, leader, failoverMs);
            }
        }
    }

    /** Every one of {@code size} members answers, at the same applied index with the same digest. */
    static boolean converged(StatusReply status, int size) {
        List<MemberStatus> members = status.getMembersList();
        return members.size() == size && members.stream().allMatch(m -> m.getError().isEmpty()
                && m.getAppliedIndex() == members.get(0).getAppliedIndex()
                && m.getStateDigest().equals(members.get(0).getStateDigest()));
    }
}
