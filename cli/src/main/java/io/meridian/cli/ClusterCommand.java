package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.proto.Alarm;
import io.meridian.proto.ConfigureMembership;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.StatusReply;
import io.meridian.proto.TakeSnapshotReply;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TopologyReply;
import io.meridian.proto.TransferLeadershipReply;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `meridian cluster ...`: the metadata group as a whole. */
@Command(name = "cluster", description = "The metadata group as a whole: status, members, leadership, snapshots.",
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Members.class, ClusterCommand.Policy.class,
                ClusterCommand.TransferLeader.class, ClusterCommand.Snapshot.class})
final class ClusterCommand {

    private ClusterCommand() {
    }

    /** The members the cluster recorded DOWN, asked only when some member did not answer. */
    private static Set<String> recordedDown(MeridianClient client, StatusReply status) {
        Set<String> down = new TreeSet<>();
        if (status.getMembersList().stream().allMatch(member -> member.getError().isEmpty())) {
            return down;
        }
        try {
            client.metadata().topology(ReadOptions.newBuilder().setStale(true).build()).getNodesList().stream()
                    .map(NodeInfo::getNode).filter(node -> node.getHealth() == NodeHealthProto.NODE_HEALTH_DOWN)
                    .forEach(node -> down.add(node.getNodeId()));
        } catch (MeridianException e) {
            // no topology to tell: every silent member shows as unreachable
        }
        return down;
    }

    /** `meridian cluster status`. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Every member as it reports itself: role, term, commit and applied index, state digest.",
                    "Alarms any member raised follow the table (CORRUPT: a member's state diverged from the "
                            + "majority's at a common index; it serves no reads)."},
            footer = {"", "Example:", "  meridian cluster status --endpoints 127.0.0.1:7101 -o json"})
    static final class Status extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            StatusReply status = client.metadata().status();
            if (printedJson(out, status)) {
                return;
            }
            out.println("leader " + (status.getLeaderId().isEmpty() ? "unknown" : status.getLeaderId()) + ", term "
                    + status.getTerm() + ", asked " + status.getId());
            Output.Table table = Output.table("NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "DIGEST", "API", "RAFT",
                    "NOTE");
            Set<String> down = recordedDown(client, status);
            // Each alarm once, however many members raised it: by the member it is about, then kind.
            Map<String, Alarm> alarms = new TreeMap<>();
            Map<String, TreeSet<String>> raisers = new TreeMap<>();
            for (MemberStatus member : status.getMembersList()) {
                for (Alarm alarm : member.getAlarmsList()) {
                    String key = alarm.getNodeId() + " " + alarm.getKind();
                    alarms.putIfAbsent(key, alarm);
                    raisers.computeIfAbsent(key, k -> new TreeSet<>()).add(alarm.getRaisedBy());
                }
            }
            for (MemberStatus member : status.getMembersList()) {
                String note = member.getError();
                for (Alarm alarm : alarms.values()) {
                    if (alarm.getNodeId().equals(member.getId())) {
                        note = (note.isEmpty() ? "" : note + "; ") + alarmName(alarm);
                    }
                }
                if (!member.getError().isEmpty()) {
                    // It did not answer: say so, and not a term or an index it never reported;
                    // "down" once the leader recorded it DOWN, else "unreachable".
                    table.row(member.getId(), down.contains(member.getId()) ? "down" : "unreachable", "-", "-", "-",
                            "-", member.getApiAddress(), member.getRaftAddress(), note);
                    continue;
                }
                table.row(member.getId(), member.getRole().toLowerCase(Locale.ROOT), member.getTerm(),
                        member.getCommitIndex(),
                        member.getAppliedIndex(), shortDigest(member.getStateDigest()), member.getApiAddress(),
                        member.getRaftAddress(), note);
            }
            table.print(out);
            alarms.forEach((key, alarm) -> out.println("alarm " + alarmName(alarm)
                    + " on " + alarm.getNodeId() + " (raised by " + String.join(",", raisers.get(key)) + "): "
                    + alarm.getDetail()));
        }
    }

    private static String alarmName(Alarm alarm) {
        return Output.name(alarm.getKind(), "ALARM_KIND_").toUpperCase(Locale.ROOT);
    }

    static String shortDigest(String digest) {
        return digest.length() > 12 ? digest.substring(0, 12) : digest;
    }

    /** `meridian cluster members`. */
    @Command(name = "members", mixinStandardHelpOptions = true,
            description = "The members of the metadata group: voters and learners, their state and addresses.",
            footer = {"", "Example:", "  meridian cluster members"})
    static final class Members extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            TopologyReply topology = client.metadata().topology();
            if (printedJson(out, topology)) {
                return;
            }
            Map<String, String> roles = new TreeMap<>();
            for (MemberStatus member : client.metadata().status().getMembersList()) {
                roles.put(member.getId(), member.getRole().toLowerCase(Locale.ROOT));
            }
            out.println("voters: min " + topology.getMinVoters() + ", target " + topology.getTargetVoters()
                    + ", auto-promote " + (topology.getAutoPromote() ? "on" : "off"));
            Output.Table table = Output.table("NODE", "VOTE", "STATE", "RAFT ROLE", "RAFT", "API");
            for (NodeInfo info : topology.getNodesList()) {
                table.row(info.getNode().getNodeId(), Output.name(info.getNode().getRole(), "RAFT_ROLE_"),
                        Output.name(info.getNode().getState(), "NODE_STATE_"),
                        roles.getOrDefault(info.getNode().getNodeId(), "-"), info.getNode().getRaftAddress(),
                        info.getNode().getApiAddress());
            }
            table.print(out);
        }
    }

    /** `meridian cluster policy [...]`. */
    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = {"The voter policy: how many voters the metadata group keeps and when learners are "
                    + "promoted. Without options, shows it; with options, changes what they name.",
                    "A learner admitted as a voter is promoted once its log has stayed within --promote-lag "
                            + "entries of the leader for --promote-after, while voters are below the target."},
            footer = {"", "Examples:", "  meridian cluster policy", "  meridian cluster policy --target-voters 5",
                    "  meridian cluster policy --auto-promote off --promote-after 30s"})
    static final class Policy extends ClientCommand {
        @Option(names = "--min-voters", paramLabel = "N", converter = Converters.CountConverter.class,
                description = "Decommissions never leave fewer voters (unless forced), 1-9.")
        Integer minVoters;

        @Option(names = "--target-voters", paramLabel = "N", converter = Converters.CountConverter.class,
                description = "Learners are promoted while voters are fewer, 1-9.")
        Integer targetVoters;

        @Option(names = "--auto-promote", paramLabel = "on|off", arity = "1",
                converter = Converters.OnOffConverter.class,
                description = "Whether caught-up learners are promoted automatically.")
        Boolean autoPromote;

        @Option(names = "--promote-lag", paramLabel = "ENTRIES", converter = Converters.CountConverter.class,
                description = "How close to the leader's log a learner must stay (1-100000 entries).")
        Integer promoteLag;

        @Option(names = "--promote-after", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
                description = "How long it must stay that close before it is promoted (up to 1h).")
        Duration promoteAfter;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            ConfigureMembership.Builder change = ConfigureMembership.newBuilder();
            if (minVoters != null) {
                change.setMinVoters(minVoters);
            }
            if (targetVoters != null) {
                change.setTargetVoters(targetVoters);
            }
            if (autoPromote != null) {
                change.setAutoPromote(autoPromote);
            }
            if (promoteLag != null) {
                change.setPromoteLagEntries(promoteLag);
            }
            if (promoteAfter != null) {
                change.setPromoteAfterMs(promoteAfter.toMillis());
            }
            if (change.build().getAllFields().isEmpty()) {
                TopologyReply topology = client.metadata().topology();
                if (printedJson(out, topology.toBuilder().clearNodes())) {
                    return;
                }
                out.println("min voters      " + topology.getMinVoters());
                out.println("target voters   " + topology.getTargetVoters());
                out.println("auto-promote    " + (topology.getAutoPromote() ? "on" : "off"));
                out.println("promote lag     " + topology.getPromoteLagEntries() + " entries");
                out.println("promote after   " + topology.getPromoteAfterMs() + " ms");
                return;
            }
            printWrite(out, client.membership().changeTopology(TopologyChange.newBuilder()
                    .setConfigureMembership(change).build()));
        }
    }

    /** `meridian cluster transfer-leader --to ID`. */
    @Command(name = "transfer-leader", mixinStandardHelpOptions = true,
            description = "Hand the metadata group's leadership to another voter.",
            footer = {"", "Example:", "  meridian cluster transfer-leader --to n2"})
    static final class TransferLeader extends ClientCommand {
        @Option(names = "--to", required = true, paramLabel = "ID", description = "The voter to lead.")
        String to;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            TransferLeadershipReply reply = client.membership().transferLeadership(to);
            if (!printedJson(out, reply)) {
                out.println("leader " + (reply.getPreviousLeader().isEmpty() ? "unknown" : reply.getPreviousLeader())
                        + " -> " + reply.getLeader());
            }
        }
    }

    /** `meridian cluster snapshot [--node ID]`. */
    @Command(name = "snapshot", mixinStandardHelpOptions = true,
            description = "Make a node write a snapshot of its state now (the first endpoint's node by default).",
            footer = {"", "Example:", "  meridian cluster snapshot --node n1"})
    static final class Snapshot extends ClientCommand {
        @Option(names = "--node", paramLabel = "ID", description = "The node to snapshot.")
        String node;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            String endpoint = client.endpoints().get(0);
            if (node != null) {
                endpoint = client.metadata().topology().getNodesList().stream()
                        .filter(info -> info.getNode().getNodeId().equals(node))
                        .map(info -> info.getNode().getApiAddress()).filter(api -> !api.isEmpty()).findFirst()
                        .orElseThrow(() -> new CliException(ExitCode.REFUSED, "refused (NOT_FOUND): node " + node
                                + " is not a member with a known api address"));
            }
            TakeSnapshotReply reply;
            try (MeridianClient direct = options.client(endpoint)) {
                reply = direct.membership().takeSnapshot(endpoint);
            }
            if (!printedJson(out, reply)) {
                out.println("node " + reply.getNodeId() + " wrote a snapshot at index " + reply.getIndex());
            }
        }
    }
}
