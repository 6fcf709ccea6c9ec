package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.AccessBindingRecord;
import io.meridian.proto.AccessRole;
import io.meridian.proto.ListAccessReply;
import io.meridian.proto.WhoAmIReply;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `meridian access ...`: who may do what. A binding gives an identity (a certificate's common
 * name) a role cluster-wide from the index it is applied at, whatever role its certificate names;
 * a revocation refuses the identity's calls from then on.
 */
@Command(name = "access", description = "Access bindings: grant a role, revoke an identity, list, whoami.",
        subcommands = {AccessCommand.Grant.class, AccessCommand.Revoke.class, AccessCommand.ListBindings.class,
                AccessCommand.WhoAmI.class})
final class AccessCommand {

    private AccessCommand() {
    }

    /** A role as people write it: admin, operator, node, reader; "-" for none. */
    static String role(AccessRole role) {
        return role == AccessRole.ACCESS_ROLE_UNSPECIFIED ? "-" : Output.name(role, "ACCESS_ROLE_");
    }

    /** `meridian access grant IDENTITY --role ROLE`. */
    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = {"Bind IDENTITY to a role, cluster-wide from the index the change is applied at, whatever "
                    + "role its certificate names. Administrators only."},
            footer = {"", "Examples:", "  meridian access grant alice --role operator",
                    "  meridian access grant ci-bot --role reader"})
    static final class Grant extends ClientCommand {
        @Parameters(paramLabel = "IDENTITY", description = "The identity: a certificate's common name.")
        String identity;

        @Option(names = "--role", required = true, paramLabel = "admin|operator|node|reader",
                converter = Converters.AccessRoleConverter.class,
                description = "The role: reader (reads and watch), node (a node's own reports), operator "
                        + "(topology, routing, placement, tokens), admin (everything, access and audit included).")
        AccessRole role;

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.access().grant(identity, role));
        }
    }

    /** `meridian access revoke IDENTITY`. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke IDENTITY: the cluster refuses its calls from the index the change is applied "
                    + "at, whatever its certificate says. An administrator cannot revoke itself."},
            footer = {"", "Example:", "  meridian access revoke bob --reason \"left the team\""})
    static final class Revoke extends ClientCommand {
        @Parameters(paramLabel = "IDENTITY", description = "The identity: a certificate's common name.")
        String identity;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the record.")
        String reason = "";

        @Override
        void run(MeridianClient client, PrintWriter out) {
            printWrite(out, client.access().revoke(identity, reason));
        }
    }

    /** `meridian access list`. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every binding, by identity: its role or revocation, the index it was changed at, and by "
                    + "whom. An identity without a binding has the role its certificate names.",
            footer = {"", "Examples:", "  meridian access list", "  meridian access list -o json"})
    static final class ListBindings extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            ListAccessReply reply = client.access().list();
            if (printedJson(out, reply)) {
                return;
            }
            Output.Table table = Output.table("IDENTITY", "ROLE", "STATE", "INDEX", "CHANGED-BY");
            for (AccessBindingRecord binding : reply.getBindingsList()) {
                table.row(binding.getIdentity(), role(binding.getRole()),
                        binding.getRevoked() ? "revoked" + (binding.getReason().isEmpty() ? ""
                                : " (" + binding.getReason() + ")") : "granted",
                        binding.getIndex(), binding.getChangedBy().isEmpty() ? "-" : binding.getChangedBy());
            }
            table.print(out);
        }
    }

    /** `meridian access whoami`. */
    @Command(name = "whoami", mixinStandardHelpOptions = true,
            description = "Who the cluster takes this client to be (its certificate's common name), and the role "
                    + "that counts: the identity's binding, else its certificate's.",
            footer = {"", "Examples:", "  meridian access whoami",
                    "  meridian access whoami --cacert ca.crt --cert alice.crt --key alice.key"})
    static final class WhoAmI extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            WhoAmIReply reply = client.access().whoAmI();
            if (printedJson(out, reply)) {
                return;
            }
            if (!reply.getAuthenticated()) {
                out.println(reply.getIdentity() + " (the cluster runs without TLS: every caller is "
                        + role(reply.getRole()) + ")");
                return;
            }
            out.println(reply.getIdentity() + ": " + role(reply.getRole())
                    + (reply.getRole() == reply.getCertificateRole() ? ""
                            : " (its certificate names " + role(reply.getCertificateRole()) + ")"));
        }
    }
}
