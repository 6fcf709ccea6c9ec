package io.meridian.cli;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.core.catalog.CatalogApplier;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.GetCatalogRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `meridian catalog ...`: the embedding database's schema changes, replicated in order. */
@Command(name = "catalog", description = "The database catalog: apply DDL, list what was applied.",
        subcommands = {CatalogCommand.Apply.class, CatalogCommand.ListEntries.class})
final class CatalogCommand {

    private CatalogCommand() {
    }

    /** `meridian catalog apply --payload-file F [--description D]`. */
    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Append a DDL payload (1 byte to 1 MiB, opaque to Meridian) as the next catalog version.",
            footer = {"", "Example:", "  meridian catalog apply --payload-file add-orders.sql --description 'orders'"})
    static final class Apply extends ClientCommand {
        @Option(names = "--payload-file", required = true, paramLabel = "F", description = "The DDL.")
        Path payloadFile;

        @Option(names = "--description", defaultValue = "", paramLabel = "D", description = "What it does.")
        String description;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            byte[] payload = MigrationsCommand.readFile(payloadFile, CatalogApplier.MAX_PAYLOAD_BYTES);
            printWrite(out, client.placement().applyCatalogDdl(CatalogDdl.newBuilder()
                    .setPayload(ByteString.copyFrom(payload))
                    .setDescription(description).build()));
        }
    }

    /** `meridian catalog list [--after V]`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Catalog entries in version order.",
            footer = {"", "Example:", "  meridian catalog list --after 10"})
    static final class ListEntries extends ClientCommand {
        @Option(names = "--after", paramLabel = "V", converter = Converters.IdConverter.class,
                description = "Only the entries after this version.")
        Long after;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", converter = Converters.CountConverter.class,
                description = "At most this many (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            GetCatalogReply reply = client.metadata().catalog(GetCatalogRequest.newBuilder()
                    .setAfterVersion(after == null ? 0 : after).setLimit(limit).build());
            if (printedJson(out, reply)) {
                return;
            }
            out.println("catalog version " + reply.getVersion());
            Output.Table table = Output.table("VERSION", "INDEX", "BYTES", "DESCRIPTION");
            for (CatalogEntryRecord entry : reply.getEntriesList()) {
                table.row(entry.getVersion(), entry.getAppliedIndex(), entry.getPayload().size(),
                        entry.getDescription());
            }
            table.print(out);
        }
    }
}
