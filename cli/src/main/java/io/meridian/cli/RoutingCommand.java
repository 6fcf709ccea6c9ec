package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.GroupInfo;
import io.meridian.proto.GroupProblemRecord;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RemoveGroupMember;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.RoutingCheckReply;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.SetGroupReplicas;
import io.meridian.proto.TransferGroupLeadership;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** `meridian routing ...`: replica groups and shard assignment. */
@Command(name = "routing", description = "Replica groups and which group holds which shard.",
        subcommands = {RoutingCommand.Show.class, RoutingCommand.Check.class, RoutingCommand.Create.class,
                RoutingCommand.Reassign.class, RoutingCommand.TransferLeadership.class, RoutingCommand.RemoveMember.class,
                RoutingCommand.Replicas.class})
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
            RoutingReply reply = client.metadata().routing();
            if (printedJson(out, reply)) {
                return;
            }
            out.println("routing version " + reply.getVersion() + ", " + reply.getShardCount() + " shards, "
                    + reply.getGroupsCount() + " groups");
            Output.Table table = Output.table("GROUP", "MEMBERS", "LEADER", "SHARDS", "TARGET");
            for (GroupInfo info : reply.getGroupsList()) {
                table.row(info.getGroup().getGroupId(), String.join(",", info.getGroup().getMembersList()),
                        info.getGroup().getLeader().isEmpty() ? "-" : info.getGroup().getLeader(),
                        info.getShardCount(), info.getGroup().getTargetReplicas() == 0 ? "default"
                                : Integer.toString(info.getGroup().getTargetReplicas()));
            }
            table.print(out);
        }
    }

    /** `meridian routing check`. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"The groups holding shards that need attention: under-replicated (fewer live members "
                    + "than their target: a member DOWN, decommissioned or gone), over-replicated, or without a "
                    + "leader that can serve. The scheduler repairs them; `scheduler status` shows the repairs in "
                    + "flight."},
            footer = {"", "Example:", "  meridian routing check"})
    static final class Check extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            RoutingCheckReply reply = client.metadata().checkRouting(ReadOptions.getDefaultInstance());
            if (printedJson(out, reply)) {
                return;
            }
            if (reply.getProblemsCount() == 0) {
                out.println("every group holding shards has its " + reply.getDefaultReplicas()
                        + " replicas (or its own target) and a leader that can serve");
                return;
            }
            Output.Table table = Output.table("GROUP", "PROBLEM", "LIVE", "TARGET", "MEMBERS", "LEADER", "SHARDS",
                    "LOST");
            for (GroupProblemRecord problem : reply.getProblemsList()) {
                table.row(problem.getGroupId(), Output.name(problem.getKind(), "GROUP_PROBLEM_KIND_").replace('_', '-'),
                        problem.getLive(), problem.getTarget(), problem.getMembers(),
                        problem.getLeader().isEmpty() ? "-" : problem.getLeader(), problem.getShards(),
                        problem.getLostCount() == 0 ? "-" : String.join(",", problem.getLostList()));
            }
            table.print(out);
        }
    }

    /** `meridian routing replicas --group G N`. */
    @Command(name = "replicas", mixinStandardHelpOptions = true,
            description = {"Set how many replicas one group should have, overriding the cluster-wide default "
                    + "(`meridian scheduler set replicas N`, 3 unless set); 0 clears the override.",
                    "The scheduler adds replicas to a group below its target."},
            footer = {"", "Examples:", "  meridian routing replicas --group 2 5",
                    "  meridian scheduler set replicas 3"})
    static final class Replicas extends ClientCommand {
        @Option(names = "--group", required = true, paramLabel = "G", converter = Converters.IdConverter.class,
                description = "The group.")
        long group;

        @Parameters(paramLabel = "N", description = "Replicas, 1-7; 0 for the default.")
        int replicas;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            if (replicas < 0 || replicas > 7) {
                throw new ParameterException(spec.commandLine(),
                        "a group has 1-7 replicas (0 for the default), not " + replicas);
            }
            printWrite(out, client.placement().changeRouting(RoutingChange.newBuilder().setSetReplicas(
                    SetGroupReplicas.newBuilder().setGroupId(group).setReplicas(replicas)).build()));
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
            printWrite(out, client.placement().changeRouting(RoutingChange.newBuilder().setCreateGroup(
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
            printWrite(out, client.placement().changeRouting(RoutingChange.newBuilder().setReassignShard(ReassignShard
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
            printWrite(out, client.placement().changeRouting(RoutingChange.newBuilder().setTransferLeadership(
                    TransferGroupLeadership.newBuilder().setGroupId(group).setNewLeader(to)).build()));
        }
    }

    /** `meridian routing remove-member --group G --node NODE`. */
    @Command(name = "remove-member", mixinStandardHelpOptions = true,
            description = {"Remove a member from a group (never its last). Refused when the group would keep "
                    + "fewer members than a majority of its target replicas, unless forced; if the member led "
                    + "the group, another ACTIVE member leads it."},
            footer = {"", "Example:", "  meridian routing remove-member --group 1 --node n3"})
    static final class RemoveMember extends ClientCommand {
        @Option(names = "--group", required = true, paramLabel = "G", converter = Converters.IdConverter.class,
                description = "The group.")
        long group;

        @Option(names = "--node", required = true, paramLabel = "NODE", description = "The member to remove.")
        String node;

        @Option(names = "--force", description = "Remove it even below a majority of the group's target.")
        boolean force;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.placement().changeRouting(RoutingChange.newBuilder().setRemoveMember(
                    RemoveGroupMember.newBuilder().setGroupId(group).setNodeId(node).setForce(force)).build()));
        }
    }
}
