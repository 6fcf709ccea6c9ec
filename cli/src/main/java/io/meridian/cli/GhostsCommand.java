package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.DecrefGhost;
import io.meridian.proto.GhostChange;
import io.meridian.proto.GhostStubRecord;
import io.meridian.proto.GhostTableRecord;
import io.meridian.proto.IncrefGhost;
import io.meridian.proto.InsertGhostStub;
import io.meridian.proto.ListGhostsReply;
import io.meridian.proto.ListGhostsRequest;
import io.meridian.proto.PurgeGhost;
import io.meridian.proto.ResolveGhostReply;
import io.meridian.proto.ResolveGhostRequest;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian ghosts ...`: the forwarding stubs a move leaves on its source shard. */
@Command(name = "ghosts", description = "Ghost stubs: where an entity that moved off a shard went.",
        subcommands = {GhostsCommand.ListGhosts.class, GhostsCommand.Resolve.class, GhostsCommand.Insert.class,
                GhostsCommand.Incref.class, GhostsCommand.Decref.class, GhostsCommand.Purge.class})
final class GhostsCommand {

    private GhostsCommand() {
    }

    /** Which stub a write is about: the entity and the source shard it left. */
    static final class Stub {
        @Parameters(paramLabel = "ENTITY", description = "The entity id.")
        String entity;

        @Option(names = "--source", required = true, paramLabel = "S", converter = Converters.IdConverter.class,
                description = "The shard the entity left, where its stub is.")
        long source;

        GhostChange.Builder change() {
            return GhostChange.newBuilder().setSourceShard(source);
        }
    }

    static void printStubs(PrintWriter out, List<GhostStubRecord> stubs) {
        Output.Table table = Output.table("SOURCE", "ENTITY", "TARGET", "REFS", "CREATED");
        for (GhostStubRecord stub : stubs) {
            table.row(stub.getSourceShard(), stub.getEntityId(), stub.getTargetShard(), stub.getRefcount(),
                    Output.time(stub.getCreatedAtMs()));
        }
        table.print(out);
    }

    /** `meridian ghosts list [--shard S]`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Stubs by source shard and entity, and per source shard what sweeps purged.",
            footer = {"", "Examples:", "  meridian ghosts list", "  meridian ghosts list --shard 4 --limit 100"})
    static final class ListGhosts extends ClientCommand {
        @Option(names = "--shard", paramLabel = "S", converter = Converters.IdConverter.class,
                description = "Only this source shard.")
        Long shard;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", converter = Converters.CountConverter.class,
                description = "At most this many stubs (default: ${DEFAULT-VALUE}, at most 10000).")
        int limit;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListGhostsReply reply = client.metadata().listGhosts(ListGhostsRequest.newBuilder()
                    .setSourceShard(shard == null ? 0 : shard)
                    .setLimit(limit).build());
            if (printedJson(out, reply)) {
                return;
            }
            printStubs(out, reply.getStubsList());
            if (reply.getTruncated()) {
                out.println("(more stubs than --limit " + limit + ")");
            }
            if (reply.getTablesCount() > 0) {
                out.println();
                Output.Table tables = Output.table("SOURCE", "PURGED", "SWEEPS", "LAST SWEEP");
                for (GhostTableRecord table : reply.getTablesList()) {
                    tables.row(table.getSourceShard(), table.getPurgedTotal(), table.getSweeps(),
                            Output.time(table.getLastSweepMs()));
                }
                tables.print(out);
            }
        }
    }

    /** `meridian ghosts resolve ENTITY [--shard S]`. */
    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = "Where an entity went: its stubs, on every source shard or on one.",
            footer = {"", "Example:", "  meridian ghosts resolve order-1234"})
    static final class Resolve extends ClientCommand {
        @Parameters(paramLabel = "ENTITY", description = "The entity id.")
        String entity;

        @Option(names = "--shard", paramLabel = "S", converter = Converters.IdConverter.class,
                description = "Only on this source shard.")
        Long shard;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ResolveGhostReply reply = client.metadata().resolveGhost(ResolveGhostRequest.newBuilder()
                    .setEntityId(entity)
                    .setSourceShard(shard == null ? 0 : shard).build());
            if (printedJson(out, reply)) {
                return;
            }
            if (reply.getStubsCount() == 0) {
                out.println("no stub for " + entity);
                return;
            }
            printStubs(out, reply.getStubsList());
        }
    }

    /** `meridian ghosts insert ENTITY --source S --target T [--refs N]`. */
    @Command(name = "insert", mixinStandardHelpOptions = true,
            description = "Leave a stub on the source shard pointing at the shard the entity moved to.",
            footer = {"", "Example:", "  meridian ghosts insert order-1234 --source 1 --target 2 --refs 3"})
    static final class Insert extends ClientCommand {
        @Mixin
        Stub stub;

        @Option(names = "--target", required = true, paramLabel = "T", converter = Converters.IdConverter.class,
                description = "The shard it is on now.")
        long target;

        @Option(names = "--refs", paramLabel = "N", defaultValue = "1", converter = Converters.CountConverter.class,
                description = "References still pointing at the source (default: ${DEFAULT-VALUE}).")
        int refs;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeGhost(stub.change().setInsert(
                    InsertGhostStub.newBuilder().setEntityId(stub.entity).setTargetShard(target).setRefcount(refs))
                    .build()));
        }
    }

    /** `meridian ghosts incref ENTITY --source S [--by N]`. */
    @Command(name = "incref", mixinStandardHelpOptions = true, description = "Count more references to a stub.",
            footer = {"", "Example:", "  meridian ghosts incref order-1234 --source 1"})
    static final class Incref extends ClientCommand {
        @Mixin
        Stub stub;

        @Option(names = "--by", paramLabel = "N", defaultValue = "1", converter = Converters.CountConverter.class,
                description = "How many (default: ${DEFAULT-VALUE}).")
        int by;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeGhost(stub.change().setIncref(
                    IncrefGhost.newBuilder().setEntityId(stub.entity).setBy(by)).build()));
        }
    }

    /** `meridian ghosts decref ENTITY --source S [--by N]`. */
    @Command(name = "decref", mixinStandardHelpOptions = true,
            description = "Count fewer references to a stub; at zero the stub is purged.",
            footer = {"", "Example:", "  meridian ghosts decref order-1234 --source 1 --by 2"})
    static final class Decref extends ClientCommand {
        @Mixin
        Stub stub;

        @Option(names = "--by", paramLabel = "N", defaultValue = "1", converter = Converters.CountConverter.class,
                description = "How many (default: ${DEFAULT-VALUE}).")
        int by;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeGhost(stub.change().setDecref(
                    DecrefGhost.newBuilder().setEntityId(stub.entity).setBy(by)).build()));
        }
    }

    /** `meridian ghosts purge ENTITY --source S --reason R`. */
    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Remove a stub now.",
            footer = {"", "Example:", "  meridian ghosts purge order-1234 --source 1 --reason 'entity deleted'"})
    static final class Purge extends ClientCommand {
        @Mixin
        Stub stub;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "operator",
                description = "Why (default: ${DEFAULT-VALUE}).")
        String reason;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeGhost(stub.change().setPurge(
                    PurgeGhost.newBuilder().setEntityId(stub.entity).setReason(reason)).build()));
        }
    }
}
