package io.meridian.cli;

import io.meridian.client.RejectedException;
import io.meridian.client.UnavailableException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * `meridian`: runs a node and administers a cluster.
 *
 * <p>Exit codes: 0 success; 1 the cluster refused (the message gives the code); 2 usage error;
 * 3 unavailable or timed out (the message says whether a write's outcome is unknown). No stack
 * trace reaches the user unless --verbose.
 */
@Command(name = "meridian",
        mixinStandardHelpOptions = true,
        versionProvider = Meridian.Version.class,
        description = "Run and administer a Meridian cluster: the Raft-replicated metadata and placement service.",
        subcommands = {LocalClusterCommand.class, NodeCommand.class, ClusterCommand.class, TokenCommand.class,
                ShardsCommand.class, RoutingCommand.class, MigrationsCommand.class, GhostsCommand.class,
                EdgeCacheCommand.class, CapabilitiesCommand.class, SchedulerCommand.class, CatalogCommand.class,
                WatchCommand.class, SimulateCommand.class, AccessCommand.class, AuditCommand.class,
                CaCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  meridian local-cluster                      # three nodes on this machine",
                "  meridian cluster status",
                "  meridian node start --id n1 --data-dir /var/lib/meridian \\",
                "      --raft-address 10.0.0.1:7001 --api-address 10.0.0.1:7101 \\",
                "      --peers n1=10.0.0.1:7001,n2=10.0.0.2:7001,n3=10.0.0.3:7001",
                "  meridian shards list --endpoints 10.0.0.1:7101,10.0.0.2:7101 -o json",
                "",
                "Exit codes: 0 done; 1 the cluster refused; 2 usage error; 3 unavailable or timed out."})
public final class Meridian implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see the list above)");
    }

    public static void main(String[] args) {
        int code = execute(args, System.out, System.err);
        System.exit(code);
    }

    /** Runs a command line with these streams and returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = commandLine(new PrintWriter(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true, StandardCharsets.UTF_8));
        return commandLine.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Meridian());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setUsageHelpWidth(100);
        commandLine.setUsageHelpAutoWidth(true);
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> report(exception, line));
        commandLine.setParameterExceptionHandler((exception, args) -> {
            CommandLine failed = exception.getCommandLine();
            failed.getErr().println("error: " + exception.getMessage());
            failed.usage(failed.getErr());
            return ExitCode.USAGE;
        });
        return commandLine;
    }

    private static int report(Exception exception, CommandLine line) {
        PrintWriter err = line.getErr();
        boolean verbose = line.getParseResult() != null && line.getParseResult().hasMatchedOption("--verbose");
        int code;
        if (exception instanceof RejectedException rejected) {
            err.println("error: refused (" + refusalCode(rejected) + "): " + refusalMessage(rejected));
            code = ExitCode.REFUSED;
        } else if (exception instanceof UnavailableException unavailable) {
            err.println("error: " + (unavailable.outcomeUnknown() ? "outcome unknown" : "unavailable") + ": "
                    + unavailable.getMessage() + (unavailable.outcomeUnknown()
                    ? " (the write may still be applied: check before retrying)" : ""));
            code = ExitCode.UNAVAILABLE;
        } else if (exception instanceof CliException cli) {
            err.println("error: " + cli.getMessage());
            code = cli.exitCode();
        } else {
            err.println("error: " + exception.getMessage());
            code = ExitCode.REFUSED;
        }
        if (verbose) {
            exception.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The rejection code without its prefix (MIN_VOTERS), or the gRPC status when there is none. */
    static String refusalCode(RejectedException rejected) {
        return rejected.code().map(code -> code.name().substring("REJECT_".length()))
                .orElse(rejected.status().name());
    }

    /**
     * The cluster's message, without the gRPC status the client puts before a message that comes
     * without a rejection code (PERMISSION_DENIED: identity 'bob' ...), which refusalCode names already.
     */
    static String refusalMessage(RejectedException rejected) {
        String message = String.valueOf(rejected.getMessage());
        String status = rejected.status().name() + ": ";
        return rejected.code().isEmpty() && message.startsWith(status) ? message.substring(status.length())
                : message;
    }

    /** The version of this build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meridian " + io.meridian.node.NodeConfig.SOFTWARE_VERSION};
        }
    }
}
