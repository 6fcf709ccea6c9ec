package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.GroupInfo;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.TransferGroupLeadership;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `meridian routing ...`: replica groups and shard assignment. */
@Command(name = "routing", description = "Replica groups and which group holds which shard.",
        subcommands = {RoutingCommand.Show.class, RoutingCommand.Create.class, RoutingCommand.Reassign.class,
                RoutingCommand.TransferLeadership.class, RoutingCommand.RemoveMember.class})
final class RoutingCommand {

    private RoutingCommand() {
    }

    /** `meridian routing show`. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "The routing version and every replica group: members, leader, shard count.",
            footer = {"", "Example:", "  meridian routing show"})
    static final class Show extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            RoutingReply reply = client.routing();
            if (printedJson(out, reply)) {
                return;
            }
            out.println("routing version " + reply.getVersion() + ", " + reply.getShardCount() + " shards, "
                    + reply.getGroupsCount() + " groups");
            Output.Table table = Output.table("GROUP", "MEMBERS", "LEADER", "SHARDS");
            for (GroupInfo info : reply.getGroupsList()) {
                table.row(info.getGroup().getGroupId(), String.join(",", info.getGroup().getMembersList()),
                        info.getGroup().getLeader().isEmpty() ? "-" : info.getGroup().getLeader(),
                        info.getShardCount());
            }
            table.print(out);
        }
    }

    /** `meridian routing create-group --members A,B,C [--leader A]`. */
    @Command(name = "create-group", mixinStandardHelpOptions = true,
            description = "Create a replica group of ACTIVE nodes.",
            footer = {"", "Example:", "  meridian routing create-group --members n1,n2,n3 --leader n1"})
    static final class Create extends ClientCommand {
        @Option(names = "--members", required = true, split = ",", paramLabel = "ID", description = "The members.")
        List<String> members;

        @Option(names = "--leader", paramLabel = "ID", description = "The leader, one of the members.")
        String leader = "";

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.changeRouting(RoutingChange.newBuilder().setCreateGroup(
                    CreateGroup.newBuilder().addAllMembers(members).setLeader(leader)).build()));
        }
    }

    /** `meridian routing reassign SHARD --group G --leaseholder NODE`. */
    @Command(name = "reassign", mixinStandardHelpOptions = true,
            description = "Move a shard to another group and name the group's leaseholder.",
            footer = {"", "Example:", "  meridian routing reassign 3 --group 2 --leaseholder n2"})
    static final class Reassign extends ClientCommand {
        @Parameters(paramLabel = "SHARD", converter = Converters.IdConverter.class, description = "The shard.")
        long shard;

        @Option(names = "--group", required = true, paramLabel = "G", converter = Converters.IdConverter.class,
                description = "The group.")
        long group;

        @Option(names = "--leaseholder", required = true, paramLabel = "NODE", description = "A member to lead.")
        String leaseholder;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.changeRouting(RoutingChange.newBuilder().setReassignShard(ReassignShard
                    .newBuilder().setShardId(shard).setGroupId(group).setLeaseholder(leaseholder)).build()));
        }
    }

    /** `meridian routing transfer-leadership --group G --to NODE`. */
    @Command(name = "transfer-leadership", mixinStandardHelpOptions = true,
            description = "Hand a group's leadership to another member.",
            footer = {"", "Example:", "  meridian routing transfer-leadership --group 1 --to n2"})
    static final class TransferLeadership extends ClientCommand {
        @Option(names = "--group", required = true, paramLabel = "G", converter = Converters.IdConverter.class,
                description = "The group.")
        long group;

        @Option(names = "--to", required = true, paramLabel = "NODE", description = "The new leader.")
        String to;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.changeRouting(RoutingChange.newBuilder().setTransferLeadership(
                    TransferGroupLeadership.newBuilder().setGroupId(group).setNewLeader(to)).build()));
        }
    }

    /** `meridian routing remove-member --group G --node NODE`. */
    @Command(name = "remove-member", mixinStandardHelpOptions = true,
            description = "Remove a member from a group (never its last).",
            footer = {"", "Example:", "  meridian routing remove-member --group 1 --node n3"})
    static final class RemoveMember extends ClientCommand {
        @Option(names = "--group", required = true, paramLabel = "G", converter = Converters.IdConverter.class,
                description = "The group.")
        long group;

        @Option(names = "--node", required = true, paramLabel = "NODE", description = "The member to remove.")
        String node;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.changeRouting(RoutingChange.newBuilder().setRemoveMember(
                    RemoveGroupMember.newBuilder().setGroupId(group).setNodeId(node)).build()));
        }
    }
}
