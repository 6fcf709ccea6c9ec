package io.meridian.cli;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.core.MetadataImage;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.snapshot.SnapshotFormatException;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.ListAuditReply;
import io.meridian.proto.ListAuditRequest;
import io.meridian.wire.AuditChain;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `meridian audit ...`: the audit trail, every accepted write with a caller, applied or refused,
 * hash-chained so that an edited or missing record shows; read from the cluster, or verified from
 * a snapshot file without one.
 */
@Command(name = "audit", description = "The audit trail: list it, verify its hash chain (from the cluster or a "
        + "snapshot file).",
        subcommands = {AuditCommand.ListRecords.class, AuditCommand.Verify.class})
final class AuditCommand {

    private AuditCommand() {
    }

    /** `meridian audit list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The audit trail, oldest first: each write with a caller, who made it, and whether it was "
                    + "applied or refused (with the rejection code). Administrators only.",
            footer = {"", "Examples:", "  meridian audit list", "  meridian audit list --identity bob --limit 20",
                    "  meridian audit list --since 1200 -o json"})
    static final class ListRecords extends ClientCommand {
        @Option(names = "--since", paramLabel = "INDEX", defaultValue = "0",
                converter = Converters.NaturalConverter.class,
                description = "Records from this log index on (default: the oldest kept).")
        long since;

        @Option(names = "--identity", paramLabel = "NAME", description = "Only this identity's records.")
        String identity;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "0", converter = Converters.CountConverter.class,
                description = "At most the newest N records that match (default: all).")
        int limit;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListAuditRequest.Builder request = ListAuditRequest.newBuilder().setSinceIndex(since).setLimit(limit);
            if (identity != null) {
                request.setIdentity(identity);
            }
            ListAuditReply reply = client.access().audit(request.build());
            if (printedJson(out, reply)) {
                return;
            }
            Output.Table table = Output.table("INDEX", "TIME", "IDENTITY", "OPERATION", "OUTCOME");
            for (AuditRecord record : reply.getRecordsList()) {
                table.row(record.getIndex(), Output.instant(record.getTimeMs()), record.getIdentity(),
                        record.getOperation(), record.getOutcome());
            }
            table.print(out);
        }
    }

    /**
     * `meridian audit verify [--snapshot FILE]`. Not a {@link ClientCommand}: with a snapshot file it
     * needs no cluster, and opens no client.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the audit trail's hash chain: every kept record chains to the one before it, the "
                    + "oldest to the trail's anchor, so an edited, reordered or removed record shows.",
                    "From the cluster (the whole trail), or with --snapshot from a node's snapshot file, offline.",
                    "Exits 0 when the chain holds, 1 with the first problem otherwise."},
            footer = {"", "Examples:", "  meridian audit verify",
                    "  meridian audit verify --snapshot /var/lib/meridian/sm/snapshot.3_1200"})
    static final class Verify implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--snapshot", paramLabel = "FILE",
                description = "Verify the trail in this snapshot file instead of asking the cluster.")
        Path snapshot;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (snapshot != null) {
                AuditTrail trail = readTrail(snapshot);
                report(out, trail.anchor(), trail.list(), trail.dropped());
            } else {
                try (MeridianClient client = options.client()) {
                    ListAuditReply reply = client.access().audit(ListAuditRequest.getDefaultInstance());
                    // proto3 leaves an unset anchor empty: that is the 32 zero bytes of a trail
                    // that dropped nothing.
                    ByteString anchor = reply.getAnchor().isEmpty() && reply.getDropped() == 0 ? AuditChain.ZERO
                            : reply.getAnchor();
                    report(out, anchor, reply.getRecordsList(), reply.getDropped());
                }
            }
            out.flush();
            return ExitCode.OK;
        }

        /** The trail in a snapshot file; a file that is not a valid snapshot fails verification. */
        static AuditTrail readTrail(Path file) {
            MetadataImage image;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                image = SnapshotCodec.read(in);
            } catch (SnapshotFormatException e) {
                // The reader checks the chain with every other invariant: a broken chain lands here.
                throw new CliException(ExitCode.REFUSED, "snapshot " + file + " does not verify: " + e.getMessage());
            } catch (NoSuchFileException e) {
                throw new CliException(ExitCode.USAGE, "no snapshot file " + file);
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e.getClass().getSimpleName()
                        + " (" + e.getMessage() + ")");
            }
            return image.audit();
        }

        /** Prints the verified range, or fails with the chain's first problem. */
        static void report(PrintWriter out, ByteString anchor, List<AuditRecord> records, long dropped) {
            Optional<String> problem = AuditChain.verify(anchor, records);
            if (problem.isPresent()) {
                throw new CliException(ExitCode.REFUSED, "audit trail does not verify: " + problem.get());
            }
            if (records.isEmpty()) {
                out.println("audit trail verified: 0 records" + (dropped == 0 ? "" : " (" + dropped + " dropped)"));
                return;
            }
            out.println("audit trail verified: " + records.size() + " records, index " + records.get(0).getIndex()
                    + " to " + records.get(records.size() - 1).getIndex() + " (" + dropped + " dropped before "
                    + records.get(0).getIndex() + ")");
        }
    }
}
