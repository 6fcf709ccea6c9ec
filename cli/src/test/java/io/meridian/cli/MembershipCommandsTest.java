package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.node.testing.InProcessCluster;
import io.meridian.proto.TopologyReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Growing and shrinking a cluster from the CLI: tokens in files, `node start --join`, the voter policy. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MembershipCommandsTest extends CliTestBase {

    @TempDir
    Path files;

    @Test
    @Order(1)
    void thePolicyIsShownAndChanged() {
        assertThat(run("cluster", "policy").ok().lines()).containsExactly("min voters      3", "target voters   3",
                "auto-promote    on", "promote lag     50 entries", "promote after   5000 ms");
        TopologyReply json = run("cluster", "policy", "-o", "json").ok().json(TopologyReply.getDefaultInstance());
        assertThat(json.getTargetVoters()).isEqualTo(3);
        assertThat(json.getNodesList()).isEmpty();

        assertThat(run("cluster", "policy", "--target-voters", "4", "--promote-after", "500ms").ok().out())
                .contains("voter policy: min voters 3, target voters 4, auto-promote on, promote after 500 ms within "
                        + "50 entries");
        run("cluster", "policy", "--target-voters", "12").refused("INVALID_ARGUMENT");
        run("cluster", "policy", "--min-voters", "5").refused("INVALID_ARGUMENT");
        run("cluster", "policy", "--auto-promote", "maybe").usage("'maybe' is not on or off");
    }

    @Test
    @Order(2)
    void aTokenGoesToANewFileReadableByItsOwnerOnly() throws Exception {
        Path file = files.resolve("n4.token");
        Result issued = run("token", "issue", "--ttl", "10m", "--out", file.toString()).ok();
        assertThat(issued.out()).startsWith("token written to " + file + " (readable by its owner only); hash ");
        assertThat(issued.out()).doesNotContain("mrdn.");
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).startsWith("mrdn.");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        run("token", "issue", "--out", file.toString()).usage("exists; the token goes to a new file");
    }

    @Test
    @Order(3)
    void joiningFlagsAreChecked() {
        raw("node", "start", "--insecure", "--id", "n9", "--data-dir", files.resolve("n9").toString(), "--raft-address",
                "127.0.0.1:1", "--api-address", "127.0.0.1:2", "--peers", "n9=127.0.0.1:1", "--join", "127.0.0.1:3")
                .usage("--join and --peers exclude each other");
        raw("node", "start", "--insecure", "--id", "n9", "--data-dir", files.resolve("n9").toString(), "--raft-address",
                "127.0.0.1:1", "--api-address", "127.0.0.1:2", "--token", "mrdn.x")
                .usage("a join token needs --join");
        raw("node", "start", "--insecure", "--id", "n9", "--data-dir", files.resolve("n9").toString(), "--raft-address",
                "127.0.0.1:1", "--api-address", "127.0.0.1:2", "--join", "127.0.0.1:3", "--token", "a",
                "--token-file", "f").usage("give the join token once");
    }

    @Test
    @Order(4)
    void aNodeJoinsWithATokenFileIsPromotedAndStopsWhenDecommissioned() throws Exception {
        Path token = files.resolve("n4.token");
        run("token", "issue", "--out", token.toString()).ok();
        int raft = InProcessCluster.freePort();
        int api = InProcessCluster.freePort();
        CompletableFuture<Result> node = CompletableFuture.supplyAsync(() -> raw("node", "start", "--insecure", "--id", "n4",
                "--data-dir", files.resolve("n4").toString(), "--raft-address", "127.0.0.1:" + raft,
                "--api-address", "127.0.0.1:" + api, "--join", endpoints(), "--token-file", token.toString(),
                "--labels", "zone=d"));

        await("n4 promoted (the policy's target is 4)").atMost(InProcessCluster.PATIENCE)
                .until(() -> run("node", "list").out().lines()
                        .anyMatch(line -> line.matches("n4\\s+active\\s+up\\s+(now|\\d+[smhd] ago)\\s+voter\\s+d\\s.*")));
        assertThat(run("cluster", "members").ok().out()).contains("n4    voter  active");

        run("cluster", "policy", "--target-voters", "3").ok();
        Result decommission = run("node", "decommission", "n4").ok();
        assertThat(decommission.out()).contains("node n4: DRAINING -> DECOMMISSIONED");
        Result stopped = node.get(InProcessCluster.PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(stopped.exit()).isZero();
        assertThat(stopped.out()).contains("node n4 joining the cluster at ").contains("node n4 started")
                .contains("node n4 stopped: it was decommissioned and the metadata group no longer has it as a "
                        + "member");
        assertThat(run("node", "leave", "n4").ok().out()).contains("node n4: left the cluster");
        assertThat(run("node", "list").ok().out()).doesNotContain("n4 ");
    }
}
