package io.meridian.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meridian.proto.MemberStatus;
import io.meridian.proto.StatusReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fourth `meridian node start` JVM joins three with a token from a file, is promoted, and
 * stops by itself when it is decommissioned; its token shows in no process list, log or data file.
 */
@Timeout(300)
class ProcessMembershipIT {

    @TempDir
    Path root;

    private static String role(StatusReply status, String id) {
        return status.getMembersList().stream().filter(member -> member.getId().equals(id))
                .map(MemberStatus::getRole).findFirst().orElse("absent");
    }

    @Test
    void aNodeJoinsWithATokenFileIsPromotedAndLeavesWhenDecommissioned() throws Exception {
        try (NodeProcesses nodes = new NodeProcesses(root)) {
            StringBuilder peers = new StringBuilder();
            for (String id : List.of("n1", "n2", "n3", "n4")) {
                nodes.allocate(id);
            }
            for (String id : List.of("n1", "n2", "n3")) {
                peers.append(peers.length() == 0 ? "" : ",").append(id).append('=').append(nodes.raftAddress(id));
            }
            for (String id : List.of("n1", "n2", "n3")) {
                List<String> args = new ArrayList<>(nodes.firstStart(id));
                args.addAll(List.of("--peers", peers.toString()));
                nodes.launch(id, args);
            }
            String three = nodes.endpoints("n1", "n2", "n3");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> ProcessClusterIT.converged(nodes.status("n1", "n2", "n3"), 3));

            Path tokenFile = root.resolve("n4.token");
            NodeProcesses.Cli issued = NodeProcesses.cli("token", "issue", "--ttl", "10m", "--out",
                    tokenFile.toString(), "--endpoints", three);
            assertThat(issued.exit()).as(issued.err()).isZero();
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            String secret = token.substring(token.indexOf('.') + 1);

            List<String> args = new ArrayList<>(nodes.firstStart("n4"));
            args.addAll(List.of("--join", three, "--token-file", tokenFile.toString(), "--labels", "zone=d"));
            Process n4 = nodes.launch("n4", args);
            assertThat(n4.info().commandLine().orElse("")).doesNotContain(secret);
            Path cmdline = Path.of("/proc", Long.toString(n4.pid()), "cmdline");
            if (Files.exists(cmdline)) {
                assertThat(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8)).contains("--token-file")
                        .doesNotContain(secret);
            }

            await("n4 a caught-up learner").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> ProcessClusterIT.converged(nodes.status(), 4)
                            && role(nodes.status(), "n4").equals("LISTENER"));
            // Caught up is not yet ACTIVE: the leader's reconciler records that in its next pass.
            await("n4 ACTIVE").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> NodeProcesses.cli("node", "list", "--endpoints", three).out().lines()
                            .anyMatch(line -> line.matches("n4\\s+active\\s.*")));
            NodeProcesses.Cli promoted = NodeProcesses.cli("node", "promote", "n4", "--endpoints", three);
            assertThat(promoted.exit()).as(promoted.err()).isZero();
            await("n4 a voter").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> role(nodes.status(), "n4").equals("FOLLOWER"));

            NodeProcesses.Cli decommissioned = NodeProcesses.cli("node", "decommission", "n4", "--endpoints", three);
            assertThat(decommissioned.exit()).as(decommissioned.err()).isZero();
            assertThat(n4.waitFor(60, TimeUnit.SECONDS)).as("n4 stops by itself").isTrue();
            assertThat(n4.exitValue()).isZero();
            assertThat(Files.readString(nodes.output("n4"))).contains("node n4 joining the cluster at")
                    .contains("node n4 stopped: it was decommissioned");
            NodeProcesses.Cli left = NodeProcesses.cli("node", "leave", "n4", "--endpoints", three);
            assertThat(left.exit()).as(left.err()).isZero();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> ProcessClusterIT.converged(nodes.status("n1", "n2", "n3"), 3));

            Files.delete(tokenFile);
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                            .as("%s holds the token", file).doesNotContain(secret);
                }
            }
        }
    }
}
