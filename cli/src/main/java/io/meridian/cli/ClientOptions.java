package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.security.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to a cluster takes: where the cluster is, how to reach it
 * (plaintext, or TLS with a client certificate), how to print, how long to wait.
 */
public final class ClientOptions {

    /** Where `meridian local-cluster` writes its endpoints, relative to the working directory. */
    public static final Path LOCAL_ENDPOINTS = Path.of("meridian-data", "endpoints");

    /**
     * Where a local cluster that runs with TLS keeps its CA certificate and the administrator's
     * certificate and key, relative to the working directory.
     */
    public static final Path LOCAL_TLS = Path.of("meridian-data", "tls");

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

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Speak TLS, trusting the nodes whose certificates this CA certificate (PEM) signed; TLS "
                    + "takes --cacert, --cert and --key together, and without any of them the client speaks "
                    + "plaintext. Default: $MERIDIAN_CACERT, then the local cluster's (./meridian-data/tls/ca.crt) "
                    + "when it has one.")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "This client's certificate (PEM), signed by the cluster CA: its common name is the "
                    + "identity the cluster checks, and its role what the identity may do. Default: $MERIDIAN_CERT, "
                    + "then the local cluster's administrator (./meridian-data/tls/admin.crt).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE",
            description = "The private key of --cert (PEM). Default: $MERIDIAN_KEY, then the local cluster's "
                    + "administrator's (./meridian-data/tls/admin.key).")
    Path key;

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

    /** The TLS files to use, from the flags, the environment or the local cluster; null for plaintext. */
    TlsFiles resolveTls() {
        return resolveTls(cacert, cert, key, System::getenv, LOCAL_TLS);
    }

    /**
     * The TLS files: each from its flag, else its environment variable, else the local cluster's
     * file when {@code localTls} holds a ca.crt. None at all means plaintext; some but not all is a
     * usage error naming the missing ones.
     */
    static TlsFiles resolveTls(Path cacert, Path cert, Path key, UnaryOperator<String> env, Path localTls) {
        boolean local = Files.isRegularFile(localTls.resolve("ca.crt"));
        Path ca = pick(cacert, env.apply("MERIDIAN_CACERT"), local ? localTls.resolve("ca.crt") : null);
        Path certificate = pick(cert, env.apply("MERIDIAN_CERT"), local ? localTls.resolve("admin.crt") : null);
        Path privateKey = pick(key, env.apply("MERIDIAN_KEY"), local ? localTls.resolve("admin.key") : null);
        if (ca == null && certificate == null && privateKey == null) {
            return null;
        }
        List<String> missing = new ArrayList<>();
        if (ca == null) {
            missing.add("--cacert (or $MERIDIAN_CACERT)");
        }
        if (certificate == null) {
            missing.add("--cert (or $MERIDIAN_CERT)");
        }
        if (privateKey == null) {
            missing.add("--key (or $MERIDIAN_KEY)");
        }
        if (!missing.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "TLS takes --cacert, --cert and --key together: missing "
                    + String.join(" and ", missing));
        }
        return new TlsFiles(ca, certificate, privateKey);
    }

    private static Path pick(Path flag, String env, Path local) {
        if (flag != null) {
            return flag;
        }
        if (env != null && !env.isBlank()) {
            return Path.of(env.trim());
        }
        return local;
    }

    /** A client of these endpoints with these options' timeout and TLS files. */
    MeridianClient client(String endpoints) {
        TlsFiles tls = resolveTls();
        try {
            return MeridianClient.builder().endpoints(endpoints).timeout(timeout).tls(tls).build();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
    }

    MeridianClient client() {
        Logging.forClient(verbose);
        return client(resolveEndpoints());
    }
}
