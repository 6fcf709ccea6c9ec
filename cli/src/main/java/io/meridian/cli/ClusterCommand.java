package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.StatusReply;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `meridian cluster ...`: the cluster as a whole. */
@Command(name = "cluster", description = "The cluster as a whole.",
        subcommands = {ClusterCommand.Status.class})
final class ClusterCommand {

    /** `meridian cluster status`. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Every member: role, term, commit and applied index, state digest, addresses.",
            footer = {"", "Example:", "  meridian cluster status --endpoints 127.0.0.1:7101 -o json"})
    static final class Status implements Callable<Integer> {

        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (MeridianClient client = options.client()) {
                StatusReply status = client.status();
                if (options.output == Output.Format.JSON) {
                    Output.json(out, status);
                    return ExitCode.OK;
                }
                out.println("leader " + (status.getLeaderId().isEmpty() ? "unknown" : status.getLeaderId())
                        + ", term " + status.getTerm() + ", asked " + status.getId());
                Output.Table table = Output.table("NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "DIGEST", "API",
                        "RAFT", "NOTE");
                for (MemberStatus member : status.getMembersList()) {
                    String digest = member.getStateDigest().length() > 12 ? member.getStateDigest().substring(0, 12)
                            : member.getStateDigest();
                    table.row(member.getId(), member.getRole(), member.getTerm(), member.getCommitIndex(),
                            member.getAppliedIndex(), digest, member.getApiAddress(), member.getRaftAddress(),
                            member.getError());
                }
                table.print(out);
                return ExitCode.OK;
            }
        }
    }
}
