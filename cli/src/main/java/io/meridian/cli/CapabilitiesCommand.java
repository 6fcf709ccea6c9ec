package io.meridian.cli;

import io.meridian.client.MeridianClient;
import io.meridian.proto.CapabilitiesReply;
import io.meridian.proto.CapabilityValues;
import io.meridian.proto.NegotiatedCapabilityRecord;
import io.meridian.proto.NodeCapabilitiesRecord;
import io.meridian.proto.ReadOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;

/** `meridian capabilities ...`: what the members support and what the cluster runs at. */
@Command(name = "capabilities", description = "Capability negotiation across the members' versions.",
        subcommands = {CapabilitiesCommand.Show.class})
final class CapabilitiesCommand {

    private CapabilitiesCommand() {
    }

    /** `meridian capabilities show`. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Each capability's negotiated value (the highest every member supports, else its "
                    + "floor), and what each node advertises."},
            footer = {"", "Example:", "  meridian capabilities show -o json"})
    static final class Show extends ClientCommand {
        @Override
        void run(MeridianClient client, PrintWriter out) {
            CapabilitiesReply reply = client.metadata().capabilities(ReadOptions.getDefaultInstance());
            if (printedJson(out, reply)) {
                return;
            }
            Map<String, Map<String, String>> byCapability = new TreeMap<>();
            List<String> nodes = new ArrayList<>();
            for (NodeCapabilitiesRecord node : reply.getNodesList()) {
                nodes.add(node.getNodeId());
                for (CapabilityValues values : node.getCapabilitiesList()) {
                    List<String> texts = new ArrayList<>();
                    values.getValuesList().forEach(v -> texts.add(Integer.toUnsignedString(v)));
                    byCapability.computeIfAbsent(values.getName(), k -> new TreeMap<>())
                            .put(node.getNodeId(), String.join(",", texts));
                }
            }
            List<String> headers = new ArrayList<>(List.of("CAPABILITY", "VALUE", "FLOOR"));
            headers.addAll(nodes);
            Output.Table table = Output.table(headers.toArray(String[]::new));
            for (NegotiatedCapabilityRecord negotiated : reply.getNegotiatedList()) {
                List<Object> row = new ArrayList<>(List.of(negotiated.getName(),
                        Integer.toUnsignedString(negotiated.getValue()),
                        Integer.toUnsignedString(negotiated.getFloor())));
                Map<String, String> advertised = byCapability.getOrDefault(negotiated.getName(), Map.of());
                nodes.forEach(node -> row.add(advertised.getOrDefault(node, "-")));
                table.row(row.toArray());
            }
            table.print(out);
        }
    }
}
