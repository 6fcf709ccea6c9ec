package io.meridian.node.raft;

import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.topology.Node;
import io.meridian.node.raft.RaftMembership.Conf;
import io.meridian.node.raft.RaftMembership.Progress;
import io.meridian.node.statemachine.EntryGuard;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import io.meridian.proto.TopologyChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses, before the log, to decommission a voter when the voters that would remain do not
 * include a majority the leader can hear from: taking it out would leave the metadata group
 * unable to commit. Forced decommissions are refused too; force overrides the voter minimum,
 * not arithmetic.
 *
 * <p>Thread-safe.
 */
public final class QuorumGuard implements EntryGuard {

    private final String self;
    private final RaftMembership raft;

    public QuorumGuard(String self, RaftMembership raft) {
        this.self = self;
        this.raft = raft;
    }

    @Override
    public Optional<Rejection> check(MetadataImage image, MetadataEntry entry) {
        for (String nodeId : decommissioned(entry)) {
            Optional<Rejection> refusal = check(image, nodeId);
            if (refusal.isPresent()) {
                return refusal;
            }
        }
        return Optional.empty();
    }

    private Optional<Rejection> check(MetadataImage image, String nodeId) {
        Optional<Node> node = image.topology().node(nodeId);
        Conf conf = raft.current();
        if (node.isEmpty() || !conf.voters().containsKey(nodeId)) {
            return Optional.empty();
        }
        Map<String, Progress> followers = raft.followers();
        List<String> remaining = new ArrayList<>(conf.voters().keySet());
        remaining.remove(nodeId);
        if (remaining.isEmpty()) {
            return Optional.empty(); // the last voter: the applier refuses it with LAST_VOTER
        }
        List<String> answering = new ArrayList<>();
        for (String id : remaining) {
            Progress progress = followers.get(id);
            if (id.equals(self) || (progress != null && raft.alive(progress))) {
                answering.add(id);
            }
        }
        int majority = remaining.size() / 2 + 1;
        if (answering.size() >= majority) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(RejectCode.REJECT_QUORUM_AT_RISK, String.format(java.util.Locale.ROOT,
                "taking voter %s out would leave voters %s, of which only %s answer the leader; a majority (%d) "
                        + "must answer: bring the others back first", nodeId, remaining, answering, majority)));
    }

    /** The nodes a StartDecommission or FinishDecommission in the entry (or its batch) names. */
    private static List<String> decommissioned(MetadataEntry entry) {
        List<String> out = new ArrayList<>();
        if (entry.hasBatch()) {
            entry.getBatch().getEntriesList().forEach(inner -> out.addAll(decommissioned(inner)));
        } else if (entry.hasTopology()) {
            TopologyChange change = entry.getTopology();
            if (change.hasStartDecommission()) {
                out.add(change.getStartDecommission().getNodeId());
            } else if (change.hasFinishDecommission()) {
                out.add(change.getFinishDecommission().getNodeId());
            }
        }
        return out;
    }
}
