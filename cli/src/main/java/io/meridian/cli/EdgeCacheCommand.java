package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.DisableEdgeCache;
import io.meridian.proto.EdgeCacheChange;
import io.meridian.proto.EdgeCacheNodeRecord;
import io.meridian.proto.EnableEdgeCache;
import io.meridian.proto.GetEdgeCacheStatsRequest;
import io.meridian.proto.ListEdgeCachesReply;
import io.meridian.proto.ListEdgeCachesRequest;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian edge-cache ...`: which nodes may serve as edge caches, with what capacity. */
@Command(name = "edge-cache", description = "Edge-cache eligibility: enable, disable, list, stats.",
        subcommands = {EdgeCacheCommand.Enable.class, EdgeCacheCommand.Disable.class, EdgeCacheCommand.ListCaches.class,
                EdgeCacheCommand.Stats.class})
final class EdgeCacheCommand {

    private EdgeCacheCommand() {
    }

    /** Hits over lookups as a percentage, or "-" before any lookup. */
    static String hitRatio(EdgeCacheNodeRecord node) {
        long lookups = node.getHits() + node.getMisses();
        if (lookups <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * node.getHits() / lookups);
    }

    /** `meridian edge-cache enable NODE --cpu N --ram-mib N --disk-mib N [--geo G]`. */
    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = "Make an ACTIVE node eligible as an edge cache with this capacity (again to change it).",
            footer = {"", "Example:",
                    "  meridian edge-cache enable n2 --cpu 8 --ram-mib 16384 --disk-mib 512000 --geo eu"})
    static final class Enable extends ClientCommand {
        @Parameters(paramLabel = "NODE", description = "The node.")
        String node;

        @Option(names = "--cpu", paramLabel = "N", required = true, converter = Converters.CountConverter.class,
                description = "CPU cores for the cache (1-4096).")
        int cpu;

        @Option(names = "--ram-mib", paramLabel = "MIB", required = true, converter = Converters.IdConverter.class,
                description = "RAM in MiB.")
        long ramMib;

        @Option(names = "--disk-mib", paramLabel = "MIB", required = true,
                converter = Converters.NaturalConverter.class,
                description = "Disk in MiB (0 for a memory-only cache).")
        long diskMib;

        @Option(names = "--geo", paramLabel = "G", description = "The geography the cache serves, such as eu.")
        String geo = "";

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeEdgeCache(EdgeCacheChange.newBuilder().setNodeId(node).setEnable(
                    EnableEdgeCache.newBuilder().setCpuCores(cpu).setRamMib(ramMib).setDiskMib(diskMib).setGeo(geo))
                    .build()));
        }
    }

    /** `meridian edge-cache disable NODE`. */
    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Make a node no longer eligible; its counters are dropped.",
            footer = {"", "Example:", "  meridian edge-cache disable n2"})
    static final class Disable extends ClientCommand {
        @Parameters(paramLabel = "NODE", description = "The node.")
        String node;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeEdgeCache(EdgeCacheChange.newBuilder().setNodeId(node)
                    .setDisable(DisableEdgeCache.getDefaultInstance()).build()));
        }
    }

    /** `meridian edge-cache list [--geo G]`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Eligible nodes: capacity, geo, hits and misses.",
            footer = {"", "Examples:", "  meridian edge-cache list", "  meridian edge-cache list --geo eu -o json"})
    static final class ListCaches extends ClientCommand {
        @Option(names = "--geo", paramLabel = "G", description = "Only this geo.")
        String geo = "";

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListEdgeCachesReply reply = client.metadata().listEdgeCaches(ListEdgeCachesRequest.newBuilder().setGeo(geo)
                    .build());
            if (printedJson(out, reply)) {
                return;
            }
            Output.Table table = Output.table("NODE", "GEO", "CPU", "RAM MIB", "DISK MIB", "HITS", "MISSES",
                    "HIT RATIO", "ENABLED");
            for (EdgeCacheNodeRecord node : reply.getNodesList()) {
                table.row(node.getNodeId(), node.getGeo().isEmpty() ? "-" : node.getGeo(), node.getCpuCores(),
                        node.getRamMib(), node.getDiskMib(), node.getHits(), node.getMisses(), hitRatio(node),
                        Output.time(node.getEnabledAtMs()));
            }
            table.print(out);
        }
    }

    /** `meridian edge-cache stats NODE`. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "One eligible node's capacity and counters.",
            footer = {"", "Example:", "  meridian edge-cache stats n2"})
    static final class Stats extends ClientCommand {
        @Parameters(paramLabel = "NODE", description = "The node.")
        String node;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            EdgeCacheNodeRecord record = client.metadata().edgeCacheStats(GetEdgeCacheStatsRequest.newBuilder()
                    .setNodeId(node)
                    .build());
            if (printedJson(out, record)) {
                return;
            }
            out.println("node " + record.getNodeId() + (record.getGeo().isEmpty() ? "" : " (" + record.getGeo() + ")")
                    + ": " + record.getCpuCores() + " cpu, " + record.getRamMib() + " MiB ram, " + record.getDiskMib()
                    + " MiB disk, enabled " + Output.time(record.getEnabledAtMs()));
            out.println("hits " + record.getHits() + ", misses " + record.getMisses() + ", hit ratio "
                    + hitRatio(record));
        }
    }
}
