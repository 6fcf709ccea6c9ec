package io.meridian.cli;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.core.migration.MigrationApplier;
import io.meridian.proto.GetMigrationRequest;
import io.meridian.proto.ListMigrationsReply;
import io.meridian.proto.ListMigrationsRequest;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.MigrationCheckpoint;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.MigrationRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian migrations ...`: shard moves in flight and recently finished. */
@Command(name = "migrations", description = "Shard migrations: list, show, checkpoint, abort.",
        subcommands = {MigrationsCommand.ListMigrations.class, MigrationsCommand.Show.class,
                MigrationsCommand.Checkpoint.class, MigrationsCommand.Abort.class})
final class MigrationsCommand {

    private MigrationsCommand() {
    }

    /** The phases a checkpoint can report. */
    enum Phase {
        COPYING(MigrationPhaseProto.MIGRATION_PHASE_COPYING),
        CATCHING_UP(MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP),
        CUTOVER(MigrationPhaseProto.MIGRATION_PHASE_CUTOVER),
        COMPLETED(MigrationPhaseProto.MIGRATION_PHASE_COMPLETED);

        final MigrationPhaseProto proto;

        Phase(MigrationPhaseProto proto) {
            this.proto = proto;
        }
    }

    /** "n1 -> n3", "n4 -> n5 (repair)", "+ n5 (repair)" for a replica added. */
    static String move(MigrationRecord m) {
        return (m.getFromNode().isEmpty() ? "+ " + m.getToNode() : m.getFromNode() + " -> " + m.getToNode())
                + (m.getRepair() ? " (repair)" : "");
    }

    static void row(Output.Table table, MigrationRecord m) {
        table.row(m.getMigrationId(), m.getShardId(), move(m),
                Output.name(m.getPhase(), "MIGRATION_PHASE_"), m.getAttempt(), m.getCheckpoints(),
                Output.time(m.getUpdatedAtMs()), m.getAbortReason().isEmpty() ? m.getReason() : m.getAbortReason());
    }

    /** `meridian migrations list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Migrations in flight and the most recent finished ones.",
            footer = {"", "Example:", "  meridian migrations list --in-flight"})
    static final class ListMigrations extends ClientCommand {
        @Option(names = "--in-flight", description = "Only migrations not finished.")
        boolean inFlight;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListMigrationsReply reply = client.metadata().listMigrations(ListMigrationsRequest.newBuilder()
                    .setInFlightOnly(inFlight).build());
            if (printedJson(out, reply)) {
                return;
            }
            Output.Table table = Output.table("ID", "SHARD", "MOVE", "PHASE", "ATTEMPT", "CHECKPOINTS", "UPDATED",
                    "REASON");
            reply.getMigrationsList().forEach(m -> row(table, m));
            table.print(out);
        }
    }

    /** `meridian migrations show ID`. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "One migration.",
            footer = {"", "Example:", "  meridian migrations show 3"})
    static final class Show extends ClientCommand {
        @Parameters(paramLabel = "ID", converter = Converters.IdConverter.class, description = "The migration.")
        long id;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            MigrationRecord m = client.metadata().migration(GetMigrationRequest.newBuilder().setMigrationId(id)
                    .build());
            if (printedJson(out, m)) {
                return;
            }
            Output.Table table = Output.table("FIELD", "VALUE");
            table.row("migration", m.getMigrationId()).row("shard", m.getShardId())
                    .row("from", m.getFromNode()).row("to", m.getToNode())
                    .row("phase", Output.name(m.getPhase(), "MIGRATION_PHASE_")).row("attempt", m.getAttempt())
                    .row("checkpoints", m.getCheckpoints())
                    .row("last checkpoint", m.getLastPayload().size() + " bytes, crc32c "
                            + String.format(Locale.ROOT, "%08x", m.getLastCrc32C()))
                    .row("started", Output.time(m.getStartedAtMs())).row("updated", Output.time(m.getUpdatedAtMs()))
                    .row("planned at routing version", m.getPlannedRoutingVersion() == 0 ? "-"
                            : m.getPlannedRoutingVersion())
                    .row("target group", m.getTargetGroupId() == 0 ? "-" : m.getTargetGroupId())
                    .row("reason", m.getReason()).row("abort reason", m.getAbortReason());
            table.print(out);
        }
    }

    /** `meridian migrations checkpoint ID --phase P --payload-file F`. */
    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = "Record a migration's progress: the payload's CRC32C is computed here and checked by "
                    + "the cluster.",
            footer = {"", "Example:", "  meridian migrations checkpoint 3 --phase copying --payload-file progress.bin"})
    static final class Checkpoint extends ClientCommand {
        @Parameters(paramLabel = "ID", converter = Converters.IdConverter.class, description = "The migration.")
        long id;

        @Option(names = "--phase", required = true, paramLabel = "P",
                description = "copying, catching_up, cutover or completed.")
        Phase phase;

        @Option(names = "--payload-file", required = true, paramLabel = "F", description = "The checkpoint payload.")
        Path payloadFile;

        @Option(names = "--attempt", paramLabel = "N", defaultValue = "0", converter = Converters.CountConverter.class,
                description = "The attempt (only grows).")
        int attempt;

        @Override
        void run(MeridianClient client, PrintWriter out) throws IOException {
            byte[] payload = readFile(payloadFile, MigrationApplier.MAX_PAYLOAD_BYTES);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            printWrite(out, client.node().checkpoint(MigrationCheckpoint.newBuilder().setMigrationId(id)
                    .setPhase(phase.proto).setAttempt(attempt).setPayload(ByteString.copyFrom(payload))
                    .setCrc32C((int) crc.getValue()).build()));
        }
    }

    /** `meridian migrations abort ID --reason R`. */
    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Abort a migration in flight.",
            footer = {"", "Example:", "  meridian migrations abort 3 --reason 'target disk failed'"})
    static final class Abort extends ClientCommand {
        @Parameters(paramLabel = "ID", converter = Converters.IdConverter.class, description = "The migration.")
        long id;

        @Option(names = "--reason", required = true, paramLabel = "R", description = "Why.")
        String reason;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().abortMigration(MigrationAbort.newBuilder().setMigrationId(id)
                    .setReason(reason)
                    .build()));
        }
    }

    /** Reads a payload file; one larger than the cluster takes ({@code limit} bytes) is refused here. */
    static byte[] readFile(Path file, int limit) {
        try {
            long size = Files.size(file);
            if (size > limit) {
                throw new CliException(ExitCode.USAGE, file + " is " + size + " bytes; a payload is at most "
                        + limit + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e);
        }
    }
}
