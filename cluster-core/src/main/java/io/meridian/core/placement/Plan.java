package io.meridian.core.placement;

import io.meridian.proto.MetadataEntry;
import java.util.List;
import java.util.Objects;

/**
 * What the planner decided for one tick: the actions, in the order to propose them (each entry
 * carries the routing version it expects when it applies), the reasons it gave for what it did
 * not do, and the imbalance it measured.
 *
 * <p>Immutable and thread-safe.
 *
 * @param metric what the imbalance measures: "bytes" (hosted bytes) or "replicas" when no shard
 *     reported a size
 * @param imbalanceBps (max - min) / mean over the ACTIVE nodes, in basis points, as the tick found it
 *     (migrations in flight counted as done), before the actions
 */
public record Plan(long routingVersion, String metric, long imbalanceBps, List<Action> actions,
        List<Reason> reasons) {

    public Plan {
        Objects.requireNonNull(metric, "metric");
        actions = List.copyOf(actions);
        reasons = List.copyOf(reasons);
    }

    /** The kinds of action, as the CLI names them. */
    public enum Kind {
        SPLIT("split"),
        MERGE("merge"),
        TRANSFER("transfer"),
        LEAD("lead"),
        FINISH_DECOMMISSION("finish-decommission"),
        ABORT_MIGRATION("abort-migration"),
        REMOVE_MEMBER("remove-member");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One action: the entry to propose, what it does and why. */
    public record Action(Kind kind, MetadataEntry entry, String description, String reason) {
        public Action {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why the planner left something a user might expect it to act on. */
    public record Reason(String subject, String reason) {
        public Reason {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
