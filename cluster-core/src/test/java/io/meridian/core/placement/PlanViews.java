package io.meridian.core.placement;

import io.meridian.proto.PlacementCommand;
import io.meridian.proto.TransferReplica;
import java.util.List;

/** A plan's actions and reasons as short strings, for the planner tests' assertions. */
final class PlanViews {

    private PlanViews() {
    }

    static List<Plan.Kind> kinds(Plan plan) {
        return plan.actions().stream().map(Plan.Action::kind).toList();
    }

    static List<TransferReplica> transfers(Plan plan) {
        return plan.actions().stream().filter(a -> a.kind() == Plan.Kind.TRANSFER)
                .map(a -> a.entry().getPlacement().getTransfer()).toList();
    }

    /** Every transfer as "shard:from->to", "shard:+->to" for a replica added. */
    static List<String> moves(Plan plan) {
        return transfers(plan).stream().map(t -> t.getShardId() + ":" + (t.getFromNode().isEmpty() ? "+"
                : t.getFromNode()) + "->" + t.getToNode()).toList();
    }

    /** Every leadership move as "group->new leader". */
    static List<String> leads(Plan plan) {
        return plan.actions().stream().filter(a -> a.kind() == Plan.Kind.LEAD)
                .map(a -> a.entry().getPlacement().getLead())
                .map(l -> l.getGroupId() + "->" + l.getNewLeader()).toList();
    }

    /** Every reason as "subject: reason". */
    static List<String> reasons(Plan plan) {
        return plan.reasons().stream().map(r -> r.subject() + ": " + r.reason()).toList();
    }

    static PlacementCommand placement(Plan plan, int action) {
        return plan.actions().get(action).entry().getPlacement();
    }
}
