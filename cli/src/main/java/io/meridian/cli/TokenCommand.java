package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.Label;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.TokenInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian token ...`: join tokens. */
@Command(name = "token", description = "Join tokens: issue (shown once), list, revoke.",
        subcommands = {TokenCommand.Issue.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

    private TokenCommand() {
    }

    /** The role a token may be bound to. */
    enum Role {
        LEARNER,
        VOTER
    }

    /** `meridian token issue`. */
    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issue a join token. The token is printed once and never again: the cluster keeps only "
                    + "its SHA-256."},
            footer = {"", "Examples:", "  meridian token issue --ttl 1h",
                    "  meridian token issue --ttl 30m --role learner --labels zone=b",
                    "  meridian token issue --out n4.token      # for node start --token-file"})
    static final class Issue extends ClientCommand {
        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
                converter = Converters.DurationConverter.class,
                description = "How long the token stays valid (1s to 30d, default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Option(names = "--role", paramLabel = "learner|voter",
                description = "Only a node joining for this role may use the token.")
        Role role;

        @Option(names = "--labels", paramLabel = "KEY=VALUE", split = ",",
                description = "Only a node presenting these labels may use the token.")
        Map<String, String> labels;

        @Option(names = "--out", paramLabel = "FILE",
                description = "Write the token to this new file (readable by its owner only) instead of printing it.")
        Path outFile;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            if (outFile != null && Files.exists(outFile)) {
                throw new CliException(ExitCode.USAGE, outFile + " exists; the token goes to a new file");
            }
            IssueTokenRequest.Builder request = IssueTokenRequest.newBuilder().setTtlMs(ttl.toMillis());
            if (role != null) {
                request.setRole(role == Role.LEARNER ? RaftRoleProto.RAFT_ROLE_LEARNER : RaftRoleProto.RAFT_ROLE_VOTER);
            }
            if (labels != null) {
                new java.util.TreeMap<>(labels).forEach((key, value) ->
                        request.addLabels(Label.newBuilder().setKey(key).setValue(value)));
            }
            IssueTokenReply reply = client.membership().issueToken(request.build());
            if (outFile != null) {
                writeSecret(outFile, reply.getToken());
                reply = reply.toBuilder().clearToken().build();
                if (!printedJson(out, reply)) {
                    out.println("token written to " + outFile + " (readable by its owner only); hash "
                            + reply.getHashPrefix() + ", expires " + Output.time(reply.getExpiresAtMs()));
                }
                return;
            }
            if (printedJson(out, reply)) {
                return;
            }
            out.println(reply.getToken());
            out.println("hash " + reply.getHashPrefix() + ", expires " + Output.time(reply.getExpiresAtMs())
                    + "; the token is shown this once");
        }
    }

    /** Creates the file readable and writable by its owner only (where the file system knows owners). */
    static void writeSecret(Path file, String secret) {
        try {
            try {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException noPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, secret + System.lineSeparator(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot write " + file + ": " + e.getClass().getSimpleName()
                    + " (" + e.getMessage() + ")");
        }
    }

    /** `meridian token list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every token by hash prefix: state, expiry, binding, consumer. Never the tokens.",
            footer = {"", "Example:", "  meridian token list"})
    static final class ListTokens extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListTokensReply reply = client.membership().listTokens(ReadOptions.getDefaultInstance());
            if (printedJson(out, reply)) {
                return;
            }
            Output.Table table = Output.table("HASH", "STATE", "EXPIRES", "ROLE", "LABELS", "CONSUMED BY");
            for (TokenInfo token : reply.getTokensList()) {
                String state = Output.name(token.getState(), "TOKEN_STATE_") + (token.getExpired() ? " (expired)" : "");
                table.row(token.getHashPrefix(), state, Output.time(token.getExpiresAtMs()),
                        token.getBoundRole() == RaftRoleProto.RAFT_ROLE_UNSPECIFIED ? "any"
                                : Output.name(token.getBoundRole(), "RAFT_ROLE_"),
                        token.getBoundLabelsCount() == 0 ? "-" : Output.labels(token.getBoundLabelsList()),
                        token.getConsumedBy().isEmpty() ? "-" : token.getConsumedBy());
            }
            table.print(out);
        }
    }

    /** `meridian token revoke PREFIX`. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke the one token whose hash starts with PREFIX (at least 6 hex characters).",
            footer = {"", "Example:", "  meridian token revoke 3f9a1c77"})
    static final class Revoke extends ClientCommand {
        @Parameters(paramLabel = "PREFIX", description = "Hash prefix, as `token list` shows it.")
        String prefix;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the record.")
        String reason = "";

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.membership().revokeToken(RevokeTokenRequest.newBuilder().setHashPrefix(prefix)
                    .setReason(reason).build()));
        }
    }
}
