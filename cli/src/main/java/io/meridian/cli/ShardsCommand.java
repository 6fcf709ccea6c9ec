package io.meridian.cli;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.proto.ListShardsReply;
import io.meridian.proto.ListShardsRequest;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.MergeShards;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.ShardRecord;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TransferReplica;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian shards ...`: the key ranges and where they live. */
@Command(name = "shards", description = "Shards: list, locate a key, split, merge, move a replica.",
        subcommands = {ShardsCommand.ListShards.class, ShardsCommand.Locate.class, ShardsCommand.Split.class,
                ShardsCommand.Merge.class, ShardsCommand.Transfer.class})
final class ShardsCommand {

    private ShardsCommand() {
    }

    /** A key given as text, or as hex with --hex. */
    static ByteString key(String text, boolean hex) {
        if (!hex) {
            return ByteString.copyFrom(text, StandardCharsets.UTF_8);
        }
        try {
            return ByteString.copyFrom(HexFormat.of().parseHex(text.startsWith("0x") ? text.substring(2) : text));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "'" + text + "' is not a hex key: " + e.getMessage());
        }
    }

    /** `meridian shards list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Shards in id order: range, group, replicas, leader, and the size and traffic last reported.",
            footer = {"", "Examples:", "  meridian shards list", "  meridian shards list --node n2 --limit 50"})
    static final class ListShards extends ClientCommand {
        @Option(names = "--node", paramLabel = "ID", description = "Only the shards with a replica on this node.")
        String node = "";

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", converter = Converters.CountConverter.class,
                description = "At most this many (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--after", paramLabel = "SHARD", converter = Converters.IdConverter.class,
                description = "Start after this shard id (for the next page).")
        Long after;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListShardsReply reply = client.metadata().listShards(ListShardsRequest.newBuilder().setNodeId(node)
                    .setAfterShardId(after == null ? 0 : after).setLimit(limit).build());
            if (printedJson(out, reply)) {
                return;
            }
            java.util.Map<Long, io.meridian.proto.GroupRecord> groups = new java.util.TreeMap<>();
            client.metadata().routing().getGroupsList()
                    .forEach(info -> groups.put(info.getGroup().getGroupId(), info.getGroup()));
            java.util.Map<Long, io.meridian.proto.ShardLoad> load = new java.util.TreeMap<>();
            Output.load(client, io.meridian.proto.GetLoadRequest.newBuilder().addAllShardIds(reply.getShardsList()
                    .stream().map(ShardRecord::getShardId).toList()).build())
                    .ifPresent(found -> found.getShardsList().forEach(shard -> load.put(shard.getShardId(), shard)));
            Output.Table table = Output.table("SHARD", "RANGE", "GROUP", "REPLICAS", "LEADER", "EPOCH", "SIZE", "QPS");
            for (ShardRecord shard : reply.getShardsList()) {
                io.meridian.proto.GroupRecord group = groups.get(shard.getGroupId());
                io.meridian.proto.ShardLoad reported = load.get(shard.getShardId());
                table.row(shard.getShardId(), Output.range(shard), shard.getGroupId(),
                        group == null ? "?" : String.join(",", group.getMembersList()),
                        group == null || group.getLeader().isEmpty() ? "-" : group.getLeader(), shard.getEpoch(),
                        reported == null ? "-" : Output.bytes(reported.getSizeBytes()),
                        reported == null ? "-" : reported.getReadsPerSec() + reported.getWritesPerSec());
            }
            table.print(out);
            if (reply.getNextAfterShardId() != 0) {
                out.println("more: meridian shards list --after " + reply.getNextAfterShardId());
            }
        }
    }

    /** `meridian shards locate KEY`. */
    @Command(name = "locate", mixinStandardHelpOptions = true,
            description = "The shard that owns a key, and its group.",
            footer = {"", "Examples:", "  meridian shards locate user/42", "  meridian shards locate --hex 00ff10"})
    static final class Locate extends ClientCommand {
        @Parameters(paramLabel = "KEY", description = "The key, as UTF-8 text (or hex with --hex).")
        String key;

        @Option(names = "--hex", description = "KEY is hex.")
        boolean hex;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            LocateKeyReply reply = client.metadata().locate(key(key, hex));
            if (printedJson(out, reply)) {
                return;
            }
            out.println("shard " + reply.getShard().getShardId() + " " + Output.range(reply.getShard()) + ", group "
                    + reply.getGroup().getGroupId() + " (" + String.join(",", reply.getGroup().getMembersList())
                    + "), leader " + (reply.getGroup().getLeader().isEmpty() ? "none" : reply.getGroup().getLeader()));
        }
    }

    /** `meridian shards split ID --at KEY`. */
    @Command(name = "split", mixinStandardHelpOptions = true,
            description = "Split a shard in two at a key strictly inside its range.",
            footer = {"", "Example:", "  meridian shards split 1 --at m"})
    static final class Split extends ClientCommand {
        @Parameters(paramLabel = "ID", converter = Converters.IdConverter.class, description = "The shard.")
        long id;

        @Option(names = "--at", required = true, paramLabel = "KEY", description = "The split key.")
        String at;

        @Option(names = "--hex", description = "The key is hex.")
        boolean hex;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().place(PlacementCommand.newBuilder().setReason("operator").setSplit(
                    SplitShard.newBuilder().setShardId(id).setSplitKey(key(at, hex))).build()));
        }
    }

    /** `meridian shards merge LEFT RIGHT`. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Merge two adjacent shards of the same group; LEFT keeps its id.",
            footer = {"", "Example:", "  meridian shards merge 1 2"})
    static final class Merge extends ClientCommand {
        @Parameters(index = "0", paramLabel = "LEFT", converter = Converters.IdConverter.class,
                description = "The shard on the left.")
        long left;

        @Parameters(index = "1", paramLabel = "RIGHT", converter = Converters.IdConverter.class,
                description = "The shard that starts where LEFT ends.")
        long right;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().place(PlacementCommand.newBuilder().setReason("operator").setMerge(
                    MergeShards.newBuilder().setLeftShardId(left).setRightShardId(right)).build()));
        }
    }

    /** `meridian shards transfer ID --from NODE --to NODE`. */
    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Move a shard's replica from one node to another: starts a migration that the data "
                    + "plane drives through its checkpoints.",
            footer = {"", "Example:", "  meridian shards transfer 1 --from n1 --to n4"})
    static final class Transfer extends ClientCommand {
        @Parameters(paramLabel = "ID", converter = Converters.IdConverter.class, description = "The shard.")
        long id;

        @Option(names = "--from", required = true, paramLabel = "NODE", description = "A node holding a replica.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "NODE", description = "An ACTIVE node not holding one.")
        String to;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().place(PlacementCommand.newBuilder().setReason("operator").setTransfer(
                    TransferReplica.newBuilder().setShardId(id).setFromNode(from).setToNode(to)).build()));
        }
    }
}
