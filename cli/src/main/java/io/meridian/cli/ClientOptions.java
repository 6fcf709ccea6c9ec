package io.meridian.cli;

import io.meridian.client.MeridianClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to a cluster takes: where the cluster is, how to print,
 * how long to wait.
 */
public final class ClientOptions {

    /** Where `meridian local-cluster` writes its endpoints, relative to the working directory. */
    public static final Path LOCAL_ENDPOINTS = Path.of("meridian-data", "endpoints");

    @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
            description = "API endpoints of the cluster. Default: $MERIDIAN_ENDPOINTS, then the local cluster's "
                    + "(./meridian-data/endpoints).")
    String endpoints;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json", defaultValue = "table",
            description = "Output format: table (default) or json (protobuf's JSON mapping of the reply).")
    Output.Format output;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = Converters.DurationConverter.class,
            description = "How long to wait for the cluster, failovers included (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--verbose", description = "Print stack traces and client logs on errors.")
    boolean verbose;

    /** The endpoints to use, from the flag, the environment or the local cluster. */
    String resolveEndpoints() {
        if (endpoints != null && !endpoints.isBlank()) {
            return endpoints;
        }
        String env = System.getenv("MERIDIAN_ENDPOINTS");
        if (env != null && !env.isBlank()) {
            return env;
        }
        if (Files.isRegularFile(LOCAL_ENDPOINTS)) {
            try {
                String local = Files.readString(LOCAL_ENDPOINTS, StandardCharsets.UTF_8).trim();
                if (!local.isEmpty()) {
                    return local;
                }
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "cannot read " + LOCAL_ENDPOINTS + ": " + e.getMessage());
            }
        }
        throw new CliException(ExitCode.USAGE, "no cluster to talk to: pass --endpoints host:port,... or set "
                + "MERIDIAN_ENDPOINTS (or start one with `meridian local-cluster`)");
    }

    MeridianClient client() {
        Logging.forClient(verbose);
        try {
            return MeridianClient.builder().endpoints(resolveEndpoints()).timeout(timeout).build();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
    }
}
