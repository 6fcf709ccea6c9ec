package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.node.NodeIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `meridian local-cluster` without a cluster: what each node process is started with, the pid
 * file and console of a node process, and the refusal to start over nodes an earlier run left.
 * LocalClusterIT runs the whole of it.
 */
@Timeout(60)
class LocalClusterCommandTest {

    @TempDir
    Path dir;

    private LocalClusterCommand.Plan plan(String... args) throws IOException {
        CommandLine line = new CommandLine(new LocalClusterCommand());
        line.parseArgs(args);
        LocalClusterCommand command = line.getCommand();
        return command.plan();
    }

    @Test
    void firstStartGivesTheFirstThreeTheirPeersAndLetsTheOthersJoin() throws IOException {
        LocalClusterCommand.Plan plan = plan("--nodes", "5", "--data-dir", dir.toString(), "--base-port", "9000");

        assertThat(plan.restart()).isFalse();
        assertThat(plan.starting()).extracting(LocalClusterCommand.NodeLaunch::id).containsExactly("n1", "n2", "n3");
        Path tls = dir.resolve("tls").toAbsolutePath();
        assertThat(plan.starting().get(1).flags()).containsExactly("--id", "n2", "--raft-address", "127.0.0.1:9002",
                "--api-address", "127.0.0.1:9102", "--labels", "zone=local-2",
                "--tls-ca", tls.resolve("ca.crt").toString(), "--tls-cert", tls.resolve("n2.crt").toString(),
                "--tls-key", tls.resolve("n2.key").toString(), "--ca-key", tls.resolve("ca.key").toString(),
                "--peers", "n1=127.0.0.1:9001,n2=127.0.0.1:9002,n3=127.0.0.1:9003");
        assertThat(tls.resolve("n2.crt")).isRegularFile();
        assertThat(tls.resolve("n4.crt")).doesNotExist();
        assertThat(plan.starting().get(1).dataDir()).isEqualTo(dir.resolve("n2"));
        assertThat(plan.joining()).extracting(LocalClusterCommand.NodeLaunch::id).containsExactly("n4", "n5");
        assertThat(plan.joining().get(0).flags()).containsExactly("--id", "n4", "--raft-address", "127.0.0.1:9004",
                "--api-address", "127.0.0.1:9104", "--labels", "zone=local-4",
                "--tls-ca", tls.resolve("ca.crt").toString(), "--tls-cert", tls.resolve("n4.crt").toString(),
                "--tls-key", tls.resolve("n4.key").toString());
    }

    @Test
    void restartGivesNodesOnlyTheirDataDirectoryAndLetsANewNodeJoin() throws IOException {
        for (int i = 1; i <= 3; i++) {
            new NodeIdentity("n" + i, "meridian", "127.0.0.1:800" + i, "127.0.0.1:810" + i, new TreeMap<>(),
                    new TreeMap<>(), List.of(), true, Optional.empty()).write(dir.resolve("n" + i));
        }

        LocalClusterCommand.Plan plan = plan("--nodes", "4", "--data-dir", dir.toString());

        assertThat(plan.restart()).isTrue();
        assertThat(plan.starting()).allSatisfy(node -> assertThat(node.flags()).isEmpty());
        assertThat(plan.starting()).extracting(LocalClusterCommand.NodeLaunch::apiAddress)
                .containsExactly("127.0.0.1:8101", "127.0.0.1:8102", "127.0.0.1:8103");
        assertThat(plan.joining()).extracting(LocalClusterCommand.NodeLaunch::id).containsExactly("n4");
    }

    @Test
    void refusesToStartWhileANodeOfAnEarlierRunStillRuns() throws IOException {
        long alive = ProcessHandle.current().pid();
        Files.createDirectories(dir.resolve("n2"));
        Files.writeString(dir.resolve("n2").resolve("node.pid"), alive + "\n");

        CliTestBase.Result result = CliTestBase.raw("local-cluster", "--data-dir", dir.toString());

        assertThat(result.exit()).isEqualTo(ExitCode.REFUSED);
        assertThat(result.err()).startsWith("error: n2 (pid " + alive + ") still running from an earlier "
                + "local-cluster").endsWith("kill " + alive + "\n");
        assertThat(dir.resolve("n1")).doesNotExist();
        assertThat(dir.resolve("n2").resolve("node.out")).doesNotExist();
    }

    @Test
    void refusesToStartWhenANodesPortIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int base = taken.getLocalPort() - 102;
            org.junit.jupiter.api.Assumptions.assumeTrue(base >= 1024, "an ephemeral port above 1126");

            CliTestBase.Result result = CliTestBase.raw("local-cluster", "--data-dir", dir.toString(),
                    "--base-port", Integer.toString(base));

            assertThat(result.exit()).isEqualTo(ExitCode.REFUSED);
            assertThat(result.err()).startsWith("error: n2's API address 127.0.0.1:" + taken.getLocalPort()
                    + " is in use: by n2, started by hand? Stop it first");
            assertThat(dir.resolve("n1")).doesNotExist();
        }
    }

    @Test
    void aNodeProcessThatFailsLeavesItsErrorInItsConsoleAndNoPidFile() throws Exception {
        Path nodeDir = dir.resolve("n1");
        Files.createDirectories(nodeDir);
        Files.writeString(nodeDir.resolve("node.out"), "what an earlier start printed\n");

        LocalNode node = LocalNode.launch("n1", nodeDir, "127.0.0.1:1", "127.0.0.1:2", List.of(), Optional.empty());

        assertThat(node.exited().get(45, TimeUnit.SECONDS)).isEqualTo(ExitCode.USAGE);
        assertThat(node.isAlive()).isFalse();
        assertThat(LocalNode.pidFile(nodeDir)).doesNotExist();
        assertThat(node.lastWords()).startsWith("error: --id is required");
        assertThat(Files.readString(LocalNode.console(nodeDir))).startsWith("what an earlier start printed\n==== ")
                .contains(" local-cluster: meridian node start --data-dir " + nodeDir + "\n");
        assertThat(LocalNode.leftRunning(nodeDir)).isEmpty();
    }

    @Test
    void namesTheSignalThatEndedANode() {
        assertThat(LocalNode.describeExit(137)).isEqualTo("code 137 (SIGKILL)");
        assertThat(LocalNode.describeExit(143)).isEqualTo("code 143 (SIGTERM)");
        assertThat(LocalNode.describeExit(4)).isEqualTo("code 4");
    }
}
