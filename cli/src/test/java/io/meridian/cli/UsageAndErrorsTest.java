package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.node.testing.InProcessCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** What a user sees without a cluster: help, usage errors, and endpoints that do not answer. */
class UsageAndErrorsTest {

    @TempDir
    Path dir;

    static Stream<String> everyCommand() {
        List<String> paths = new ArrayList<>();
        collect(Meridian.commandLine(new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter())), "", paths);
        return paths.stream();
    }

    private static void collect(CommandLine line, String prefix, List<String> paths) {
        for (CommandLine sub : line.getSubcommands().values()) {
            String path = (prefix + " " + sub.getCommandName()).trim();
            if (sub.getCommandName().equals("help")) {
                continue;
            }
            if (sub.getSubcommands().isEmpty()) {
                paths.add(path);
            } else {
                collect(sub, path, paths);
            }
        }
    }

    @Test
    void everyVerbOfTheIssueExists() {
        assertThat(everyCommand()).contains("local-cluster", "node start", "node list", "node promote",
                "node decommission", "node leave", "cluster status", "cluster members", "cluster transfer-leader",
                "cluster snapshot", "token issue", "token list", "token revoke", "shards list", "shards locate",
                "shards split", "shards merge", "shards transfer", "routing show", "routing create-group",
                "routing reassign", "routing transfer-leadership", "routing remove-member", "migrations list",
                "migrations show", "migrations checkpoint", "migrations abort", "ghosts list", "ghosts resolve",
                "ghosts insert", "ghosts incref", "ghosts decref", "edge-cache enable", "edge-cache disable",
                "edge-cache list", "edge-cache stats", "capabilities show", "scheduler status", "scheduler pause",
                "scheduler resume", "scheduler set", "catalog apply", "watch", "access grant", "access revoke",
                "access list", "access whoami", "audit list", "audit verify");
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void everyCommandHasHelpWithAnExample(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--help");
        CliTestBase.Result help = CliTestBase.raw(args.toArray(String[]::new));
        assertThat(help.exit()).isZero();
        assertThat(help.out()).startsWith("Usage: meridian " + command).containsPattern("Examples?:\\R  meridian ");
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        CliTestBase.raw().usage("name a command");
        CliTestBase.raw("frobnicate").usage("Unmatched argument at index 0: 'frobnicate'");
        CliTestBase.raw("shards", "list", "--bogus").usage("Unknown option: '--bogus'");
        CliTestBase.raw("cluster", "status", "-o", "yaml").usage("Invalid value for option '--output'");
        CliTestBase.raw("cluster", "status", "--timeout", "soon").usage("'soon' is not a duration");
    }

    @Test
    void badEndpointsAreAUsageError() {
        CliTestBase.raw("cluster", "status", "--endpoints", "nohost").usage("nohost");
    }

    @Test
    void endpointsThatDoNotAnswerAreUnavailable() throws IOException {
        String nobody = "127.0.0.1:" + InProcessCluster.freePort();
        CliTestBase.Result result = CliTestBase.raw("shards", "split", "1", "--at", "m", "--endpoints", nobody,
                "--timeout", "2s");
        assertThat(result.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(result.err()).startsWith("error: unavailable: ").contains(nobody).doesNotContain("\tat ");
        assertThat(result.out()).isEmpty();

        CliTestBase.Result verbose = CliTestBase.raw("cluster", "status", "--endpoints", nobody, "--timeout", "1s",
                "--verbose");
        assertThat(verbose.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(verbose.err()).contains("\tat io.meridian.client.");
    }

    @Test
    void localClusterRefusesImpossibleSettingsBeforeStartingAnything() throws IOException {
        CliTestBase.raw("local-cluster", "--nodes", "0", "--data-dir", dir.toString()).usage("--nodes must be");
        CliTestBase.raw("local-cluster", "--nodes", "8", "--data-dir", dir.toString()).usage("--nodes must be");
        CliTestBase.raw("local-cluster", "--base-port", "80", "--data-dir", dir.toString()).usage("--base-port");
        CliTestBase.raw("local-cluster", "--base-port", "65500", "--data-dir", dir.toString()).usage("--base-port");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void localClusterRefusesDataOfAnotherSize() throws IOException {
        for (String id : List.of("n1", "n2", "n3", "n4", "n5")) {
            new io.meridian.node.NodeIdentity(id, "meridian", "127.0.0.1:7001", "127.0.0.1:7101",
                    new java.util.TreeMap<>(), new java.util.TreeMap<>(), List.of(), true, java.util.Optional.empty())
                    .write(dir.resolve(id));
        }
        CliTestBase.raw("local-cluster", "--nodes", "3", "--data-dir", dir.toString())
                .usage("holds node n4; start it with --nodes 4 or more");
    }

    @Test
    void nodeStartWithoutIdentityNamesWhatIsMissing() {
        CliTestBase.raw("node", "start", "--data-dir", dir.toString()).usage("--id is required");
        CliTestBase.raw("node", "start", "--data-dir", dir.toString(), "--id", "n1", "--raft-address", "x",
                "--api-address", "127.0.0.1:7101", "--peers", "n1=127.0.0.1:7001").usage("--raft-address");
    }
}
