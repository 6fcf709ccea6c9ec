package io.meridian.core.placement;

import io.meridian.core.MetadataImage;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationPhase;
import io.meridian.core.placement.LoadView.NodeReport;
import io.meridian.core.placement.LoadView.ShardReport;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.topology.DecommissionBlockers;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.FinishDecommission;
import io.meridian.proto.MergeShards;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationAbort;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SplitShard;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TransferGroupLeadership;
import io.meridian.proto.TransferReplica;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePSet;

/**
 * The placement planner: from the applied state, the load the data nodes reported and how long
 * each migration has made no progress, what the scheduler proposes this tick and why it leaves
 * the rest. Pure and deterministic: the same inputs give the same plan; ties go to the smaller id.
 *
 * <p>In order of priority, at most {@code max-actions-per-tick} actions:
 * <ol>
 *   <li>abort migrations that made no progress for {@code migration-stall-ticks} ticks (with the
 *       routing compensation a migration past cutover needs);</li>
 *   <li>finish the decommission of DRAINING nodes that hold nothing any more;</li>
 *   <li>drain DRAINING nodes: hand their group leaderships to other members, move their
 *       replicas to ACTIVE nodes;</li>
 *   <li>split shards above {@code split-size} or {@code split-qps}, at the key the data node
 *       suggested, else the middle of the range;</li>
 *   <li>merge adjacent small, cold shards of one group;</li>
 *   <li>move replicas from the node hosting the most to the one hosting the least while the
 *       imbalance is above {@code imbalance-threshold};</li>
 *   <li>move group leaderships the same way.</li>
 * </ol>
 * Against thrash: a shard moved within {@code cooldown} does not move again, and never back to
 * the node it came from; a move is only made when it leaves the receiving node below the giving
 * one (so a pair never trades places back and forth), and moves stop once {@code move-budget}
 * migrations started within {@code budget-window}. Replicas of a group stay in distinct zones
 * when the zones of the eligible nodes allow it.
 *
 * <p>Every action that changes routing is stamped with the routing version it will find: the
 * version the plan started from plus the changes of the actions before it. One action per shard.
 *
 * <p>Stateless and thread-safe.
 */
public final class Planner {

    /** Reasons beyond this many are summarised in one. */
    public static final int MAX_REASONS = 100;
    /** A load report older than this many ticks (at least 30 s) counts as missing. */
    static final int REPORT_TICKS = 10;
    private static final long MIN_REPORT_AGE_MS = 30_000;

    private Planner() {
    }

    /**
     * The plan for one tick.
     *
     * @param stallTicks for each migration in flight, how many ticks it made no progress
     * @param nowMs the leader's clock: cooldowns, budget windows and report ages count from it
     */
    public static Plan plan(MetadataImage image, LoadView load, Map<Long, Integer> stallTicks, long nowMs) {
        return new Run(image, load, stallTicks, nowMs).plan();
    }

    /** The state of one planning run: the image, the load model it updates, what it decided. */
    private static final class Run {
        private final MetadataImage image;
        private final RoutingImage routing;
        private final LoadView load;
        private final Map<Long, Integer> stallTicks;
        private final SchedulerConfig config;
        private final long now;
        private final int maxActions;
        private final List<Plan.Action> actions = new ArrayList<>();
        private final List<Plan.Reason> reasons = new ArrayList<>();
        private final Set<Long> touched = new TreeSet<>();
        /** Every shard with its report, in id order; {@link #ids} holds their ids, for a binary search. */
        private final Loaded[] shards;
        private final long[] ids;
        /** Position in {@link #shards} by shard id, -1 for none; null when the ids are too sparse for it. */
        private final int[] positionById;
        private final Map<Long, List<Loaded>> shardsByGroup;
        private final TreeMap<String, Node> active = new TreeMap<>();
        private final TreeMap<String, Long> hosted = new TreeMap<>();
        private final TreeMap<String, Long> leading = new TreeMap<>();
        private final boolean bytes;
        private int bumps;
        private int droppedReasons;
        private boolean leadRefusalExplained;
        private long movesInWindow;
        private int eligibleZones = -1;

        Run(MetadataImage image, LoadView load, Map<Long, Integer> stallTicks, long nowMs) {
            this.image = image;
            this.routing = image.routing();
            this.load = load;
            this.stallTicks = stallTicks;
            this.config = image.scheduler();
            this.now = nowMs;
            this.maxActions = config.maxActionsPerTick();
            // Both maps are sorted by shard id: one merge join pairs every shard with its report,
            // instead of one tree lookup per shard each time its size is read.
            int count = routing.shards().size();
            this.shards = new Loaded[count];
            this.ids = new long[count];
            Iterator<Map.Entry<Long, ShardReport>> reports = load.shards().entrySet().iterator();
            Map.Entry<Long, ShardReport> report = reports.hasNext() ? reports.next() : null;
            // Grouped by a binary search over the group ids, not a tree lookup of a boxed id per shard.
            long[] groupIds = new long[routing.groups().size()];
            int g = 0;
            for (Long id : routing.groups().keySet()) {
                groupIds[g++] = id;
            }
            List<List<Loaded>> groupShards = new ArrayList<>(Collections.nCopies(groupIds.length, null));
            // Shards of a group routing does not know (only in a broken image) are grouped all the same.
            TreeMap<Long, List<Loaded>> byGroup = new TreeMap<>();
            boolean anySize = false;
            int i = 0;
            for (Shard shard : routing.shards().values()) {
                while (report != null && report.getKey() < shard.id()) {
                    report = reports.hasNext() ? reports.next() : null;
                }
                Loaded loaded = Loaded.of(shard,
                        report != null && report.getKey() == shard.id() ? report.getValue() : null);
                shards[i] = loaded;
                ids[i] = shard.id();
                i++;
                int at = Arrays.binarySearch(groupIds, shard.groupId());
                List<Loaded> list = at < 0 ? byGroup.computeIfAbsent(shard.groupId(), id -> new ArrayList<>())
                        : groupShards.get(at);
                if (list == null) {
                    list = new ArrayList<>();
                    groupShards.set(at, list);
                }
                list.add(loaded);
                anySize |= loaded.size() > 0;
            }
            for (int k = 0; k < groupIds.length; k++) {
                if (groupShards.get(k) != null) {
                    byGroup.put(groupIds[k], groupShards.get(k));
                }
            }
            this.shardsByGroup = byGroup;
            this.bytes = anySize;
            this.positionById = denseIndex(ids);
            for (Node node : image.topology().nodes().values()) {
                if (node.state() == NodeState.ACTIVE) {
                    active.put(node.id(), node);
                }
                if (node.state() == NodeState.ACTIVE || node.state() == NodeState.DRAINING) {
                    hosted.put(node.id(), 0L);
                    leading.put(node.id(), 0L);
                }
            }
            for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
                ReplicaGroup group = routing.group(entry.getKey()).orElseThrow();
                long groupWeight = 0;
                for (Loaded shard : entry.getValue()) {
                    groupWeight += weight(shard);
                }
                long sum = groupWeight;
                for (String member : group.members()) {
                    hosted.computeIfPresent(member, (id, total) -> total + sum);
                }
                if (group.hasLeader()) {
                    leading.computeIfPresent(group.leader(), (id, total) -> total + entry.getValue().size());
                }
            }
            // A move in flight counts as done: its shard weighs on the target already.
            for (Long migrationId : image.migrations().activeByShard().values()) {
                Migration migration = image.migrations().migration(migrationId).orElseThrow();
                Loaded shard = loaded(migration.shardId());
                if (shard != null && migration.targetGroupId() == 0) {
                    move(shard, migration.fromNode(), migration.toNode());
                }
                touched.add(migration.shardId());
            }
            long window = config.value(SchedulerParameter.BUDGET_WINDOW);
            for (Migration migration : image.migrations().all().values()) {
                if (migration.startedAtMs() >= now - window) {
                    movesInWindow++;
                }
            }
        }

        /**
         * A shard and its load report (null when it sent none), paired once per run; the size is
         * copied in because the balance reads it again and again.
         */
        private record Loaded(Shard shard, ShardReport report, long size) {
            static Loaded of(Shard shard, ShardReport report) {
                return new Loaded(shard, report, report == null ? 0 : report.sizeBytes());
            }

            long qps() {
                return report == null ? 0 : report.qps();
            }
        }

        /** An array from shard id to position when the largest id is at most a few times the count. */
        private static int[] denseIndex(long[] ids) {
            if (ids.length == 0 || ids[0] < 0 || ids[ids.length - 1] >= 4L * ids.length + 1024) {
                return null;
            }
            int[] index = new int[(int) ids[ids.length - 1] + 1];
            Arrays.fill(index, -1);
            for (int i = 0; i < ids.length; i++) {
                index[(int) ids[i]] = i;
            }
            return index;
        }

        /** The position of the shard with this id in {@link #shards}; -1 if there is no such shard. */
        private int position(long shardId) {
            if (positionById != null) {
                return shardId >= 0 && shardId < positionById.length ? positionById[(int) shardId] : -1;
            }
            int at = Arrays.binarySearch(ids, shardId);
            return at < 0 ? -1 : at;
        }

        /** The shard with this id and its report; null if there is no such shard. */
        private Loaded loaded(long shardId) {
            int at = position(shardId);
            return at < 0 ? null : shards[at];
        }

        /** What a shard weighs in the balance: its bytes, or 1 when no shard reported a size. */
        private long weight(Loaded shard) {
            return bytes ? shard.size() : 1;
        }

        private void move(Loaded shard, String from, String to) {
            long w = weight(shard);
            hosted.computeIfPresent(from, (id, total) -> total - w);
            hosted.computeIfPresent(to, (id, total) -> total + w);
        }

        Plan plan() {
            long measured = imbalanceBps(hosted, active.keySet());
            abortStalled();
            finishDecommissions();
            List<String> silent = silentNodes();
            if (!silent.isEmpty()) {
                reason("load", "waiting for load reports from " + String.join(", ", silent)
                        + "; no split, merge or balancing move until every node holding replicas reported");
            }
            drain();
            if (silent.isEmpty()) {
                splits();
                merges();
                balanceReplicas();
                balanceLeaders();
            }
            if (droppedReasons > 0) {
                reasons.add(new Plan.Reason("plan", droppedReasons + " more reasons left out"));
            }
            return new Plan(routing.version(), bytes ? "bytes" : "replicas", measured, actions, reasons);
        }

        private boolean full() {
            return actions.size() >= maxActions;
        }

        private void reason(String subject, String text) {
            if (reasons.size() < MAX_REASONS) {
                reasons.add(new Plan.Reason(subject, text));
            } else {
                droppedReasons++;
            }
        }

        private long plannedVersion() {
            return routing.version() + bumps;
        }

        private PlacementCommand.Builder command(String why) {
            return PlacementCommand.newBuilder().setPlannedRoutingVersion(plannedVersion())
                    .setReason(clip(why));
        }

        private void add(Plan.Kind kind, MetadataEntry entry, String description, String why, boolean bumpsRouting) {
            actions.add(new Plan.Action(kind, entry, description, why));
            if (bumpsRouting) {
                bumps++;
            }
        }

        // ---- Stalled migrations and finished drains. ----

        private void abortStalled() {
            long limit = config.value(SchedulerParameter.MIGRATION_STALL_TICKS);
            for (Long migrationId : image.migrations().activeByShard().values()) {
                Migration migration = image.migrations().migration(migrationId).orElseThrow();
                int ticks = stallTicks.getOrDefault(migration.id(), 0);
                if (ticks < limit) {
                    continue;
                }
                if (full()) {
                    reason("migration " + migration.id(), "stalled for " + ticks + " ticks; aborted in a later tick");
                    continue;
                }
                MigrationAbort.Builder abort = MigrationAbort.newBuilder().setMigrationId(migration.id())
                        .setReason("no progress for " + ticks + " scheduler ticks (limit " + limit + ")");
                boolean compensated = false;
                if (migration.phase() == MigrationPhase.CUTOVER && migration.targetGroupId() != 0) {
                    Optional<RoutingChange> back = backToSource(migration);
                    if (back.isPresent()) {
                        abort.addCompensations(back.get());
                        compensated = true;
                    }
                }
                add(Plan.Kind.ABORT_MIGRATION, MetadataEntry.newBuilder().setMigrationAbort(abort).build(),
                        "abort migration " + migration.id() + " of shard " + migration.shardId() + " ("
                                + migration.fromNode() + " -> " + migration.toNode() + ", " + migration.phase() + ")",
                        "no progress for " + ticks + " ticks", compensated);
            }
        }

        /** After cutover, an abort puts the shard back in a group with the source and without the target. */
        private Optional<RoutingChange> backToSource(Migration migration) {
            Optional<Shard> shard = routing.shard(migration.shardId());
            Optional<ReplicaGroup> current = shard.flatMap(s -> routing.group(s.groupId()));
            if (current.isEmpty()) {
                return Optional.empty();
            }
            TreePSet<String> members = current.get().members().minus(migration.toNode()).plus(migration.fromNode());
            Optional<ReplicaGroup> original = routing.groupWithMembers(members);
            if (original.isEmpty()) {
                return Optional.empty();
            }
            String leader = original.get().hasLeader() && image.topology().isActive(original.get().leader())
                    ? original.get().leader() : members.stream().filter(image.topology()::isActive).findFirst()
                    .orElse("");
            if (leader.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(RoutingChange.newBuilder().setReassignShard(ReassignShard.newBuilder()
                    .setShardId(migration.shardId()).setGroupId(original.get().id()).setLeaseholder(leader)).build());
        }

        private void finishDecommissions() {
            for (Node node : image.topology().nodes().values()) {
                if (node.state() != NodeState.DRAINING || full()) {
                    continue;
                }
                if (DecommissionBlockers.of(image, node.id()).isEmpty()) {
                    boolean member = routing.groups().values().stream().anyMatch(g -> g.isMember(node.id()));
                    add(Plan.Kind.FINISH_DECOMMISSION, MetadataEntry.newBuilder().setTopology(TopologyChange
                            .newBuilder().setFinishDecommission(FinishDecommission.newBuilder()
                                    .setNodeId(node.id()))).build(),
                            "finish the decommission of " + node.id(), node.id() + " holds nothing any more", member);
                }
            }
        }

        /** ACTIVE or DRAINING nodes holding replicas that have not reported recently. */
        private List<String> silentNodes() {
            long maxAge = Math.max(MIN_REPORT_AGE_MS, REPORT_TICKS * config.tickIntervalMs());
            TreeSet<String> holding = new TreeSet<>();
            for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
                holding.addAll(routing.group(entry.getKey()).orElseThrow().members());
            }
            List<String> silent = new ArrayList<>();
            for (String id : holding) {
                NodeReport report = load.nodes().get(id);
                if (hosted.containsKey(id) && (report == null || now - report.reportedAtMs() > maxAge)) {
                    silent.add(id);
                }
            }
            return silent;
        }

        // ---- Draining. ----

        private void drain() {
            for (Node node : image.topology().nodes().values()) {
                if (node.state() != NodeState.DRAINING) {
                    continue;
                }
                for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
                    ReplicaGroup group = routing.group(entry.getKey()).orElseThrow();
                    if (!group.isMember(node.id())) {
                        continue;
                    }
                    if (group.leader().equals(node.id())) {
                        Optional<String> heir = group.members().stream().filter(active::containsKey)
                                .min((a, b) -> Long.compare(leading.getOrDefault(a, 0L), leading.getOrDefault(b, 0L))
                                        != 0 ? Long.compare(leading.getOrDefault(a, 0L), leading.getOrDefault(b, 0L))
                                        : a.compareTo(b));
                        if (heir.isPresent() && !full() && leadsAllowed()) {
                            lead(group, heir.get(), node.id() + " is draining");
                        }
                    }
                    for (Loaded loaded : entry.getValue()) {
                        Shard shard = loaded.shard();
                        if (full()) {
                            reason("node " + node.id(), "draining; more moves in later ticks");
                            return;
                        }
                        if (touched.contains(shard.id())) {
                            continue;
                        }
                        if (budgetSpent()) {
                            reason("node " + node.id(), "draining, but the move budget is spent: " + movesInWindow
                                    + " moves started within the budget window");
                            return;
                        }
                        Optional<String> target = target(shard, group, node.id(), Long.MAX_VALUE, true);
                        if (target.isEmpty()) {
                            reason("shard " + shard.id(), "cannot leave draining " + node.id() + ": no ACTIVE node "
                                    + "outside group " + group.id() + " can take it");
                            continue;
                        }
                        transfer(loaded, node.id(), target.get(), node.id() + " is draining");
                    }
                }
            }
        }

        // ---- Splits and merges. ----

        private void splits() {
            long splitSize = config.value(SchedulerParameter.SPLIT_SIZE);
            long splitQps = config.value(SchedulerParameter.SPLIT_QPS);
            for (Loaded loaded : shards) {
                ShardReport report = loaded.report();
                if (report == null) {
                    continue;
                }
                boolean big = report.sizeBytes() > splitSize;
                boolean hot = report.qps() > splitQps;
                if (!big && !hot) {
                    continue;
                }
                Shard shard = loaded.shard();
                String why = big ? "size " + report.sizeBytes() + " B above split-size " + splitSize + " B"
                        : report.qps() + " qps above split-qps " + splitQps;
                if (touched.contains(shard.id())) {
                    reason("shard " + shard.id(), why + ", but it is moving; split after the move");
                    continue;
                }
                if (full()) {
                    reason("shard " + shard.id(), why + "; split in a later tick");
                    continue;
                }
                Optional<Key> at = report.splitKey().filter(shard::strictlyInside)
                        .or(() -> Key.between(shard.start(), shard.end(), Validation.MAX_KEY_BYTES));
                if (at.isEmpty()) {
                    reason("shard " + shard.id(), why + ", but no key lies inside " + shard.range());
                    continue;
                }
                touched.add(shard.id());
                add(Plan.Kind.SPLIT, MetadataEntry.newBuilder().setPlacement(command(why).setSplit(
                        SplitShard.newBuilder().setShardId(shard.id()).setSplitKey(at.get().toByteString()))).build(),
                        "split shard " + shard.id() + " " + shard.range() + " at " + at.get(), why, true);
            }
        }

        private void merges() {
            long mergeSize = config.value(SchedulerParameter.MERGE_SIZE);
            long mergeQps = config.value(SchedulerParameter.MERGE_QPS);
            int[] rightOf = rightNeighbours();
            for (int i = 0; i < shards.length; i++) {
                if (full()) {
                    return;
                }
                if (rightOf[i] < 0) {
                    continue;
                }
                Loaded leftLoad = shards[i];
                Loaded rightLoad = shards[rightOf[i]];
                Shard left = leftLoad.shard();
                Shard right = rightLoad.shard();
                if (left.groupId() != right.groupId() || touched.contains(left.id()) || touched.contains(right.id())
                        || leftLoad.report() == null || rightLoad.report() == null) {
                    continue;
                }
                long size = leftLoad.size() + rightLoad.size();
                long qps = leftLoad.qps() + rightLoad.qps();
                if (size >= mergeSize || qps >= mergeQps) {
                    continue;
                }
                String why = "together " + size + " B and " + qps + " qps, below merge-size " + mergeSize
                        + " B and merge-qps " + mergeQps;
                touched.add(left.id());
                touched.add(right.id());
                add(Plan.Kind.MERGE, MetadataEntry.newBuilder().setPlacement(command(why).setMerge(
                        MergeShards.newBuilder().setLeftShardId(left.id()).setRightShardId(right.id()))).build(),
                        "merge shards " + left.id() + " and " + right.id(), why, true);
            }
        }

        /**
         * For each shard (by position in {@link #shards}) the position of the shard that starts where
         * it ends, -1 if none: what {@link RoutingImage#rightNeighbour} answers, for all shards in one
         * walk in key order instead of two tree lookups per shard.
         */
        private int[] rightNeighbours() {
            int[] rightOf = new int[shards.length];
            Arrays.fill(rightOf, -1);
            Shard previous = null;
            int previousAt = -1;
            for (Long id : routing.shardsByStart().values()) {
                int at = position(id);
                Shard shard = shards[at].shard();
                if (previous != null && !previous.end().isEmpty() && previous.end().equals(shard.start())) {
                    rightOf[previousAt] = at;
                }
                previous = shard;
                previousAt = at;
            }
            // Starts are unique, so the shard starting at an end is the next one in key order when
            // the keyspace is partitioned; look up the rest (only in an image that is not).
            for (int i = 0; i < shards.length; i++) {
                Shard shard = shards[i].shard();
                if (rightOf[i] < 0 && !shard.end().isEmpty()) {
                    Long id = routing.shardsByStart().get(shard.end());
                    rightOf[i] = id == null ? -1 : position(id);
                }
            }
            return rightOf;
        }

        // ---- Balance. ----

        private boolean budgetSpent() {
            return movesInWindow >= config.value(SchedulerParameter.MOVE_BUDGET);
        }

        private void balanceReplicas() {
            long threshold = config.imbalanceThresholdBps();
            String unit = bytes ? " B" : " replicas";
            while (!full()) {
                long imbalance = imbalanceBps(hosted, active.keySet());
                if (imbalance <= threshold) {
                    if (actions.stream().noneMatch(a -> a.kind() == Plan.Kind.TRANSFER)) {
                        reason("cluster", String.format(Locale.ROOT, "balanced: %s imbalance %s is within the "
                                + "threshold %s", bytes ? "byte" : "replica", percent(imbalance), percent(threshold)));
                    }
                    return;
                }
                if (budgetSpent()) {
                    reason("cluster", "imbalance " + percent(imbalance) + " above the threshold, but the move "
                            + "budget is spent: " + movesInWindow + " moves started within the budget window");
                    return;
                }
                String source = extreme(hosted, active.keySet());
                Optional<Candidate> best = bestMove(source);
                if (best.isEmpty()) {
                    reason("node " + source, "hosts " + hosted.get(source) + unit + ", the most, but no shard can "
                            + "move: " + whyNothingMoves(source));
                    return;
                }
                transfer(best.get().shard(), source, best.get().target(), String.format(Locale.ROOT,
                        "%s imbalance %s above the threshold %s", bytes ? "byte" : "replica", percent(imbalance),
                        percent(threshold)));
            }
        }

        private record Candidate(Loaded shard, String target, long weight) {
        }

        /** The shard on the source whose move to the least loaded eligible node helps the most. */
        private Optional<Candidate> bestMove(String source) {
            Candidate best = null;
            for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
                ReplicaGroup group = routing.group(entry.getKey()).orElseThrow();
                if (!group.isMember(source)) {
                    continue;
                }
                // A shard that gets this far is not cooling down, so its target depends on the group
                // alone: one search per group, not one per shard.
                Optional<String> target = null;
                for (Loaded loaded : entry.getValue()) {
                    Shard shard = loaded.shard();
                    if (touched.contains(shard.id()) || coolingDown(shard)) {
                        continue;
                    }
                    long w = weight(loaded);
                    if (target == null) {
                        target = target(shard, group, source, hosted.get(source), false);
                    }
                    if (target.isEmpty() || w <= 0) {
                        continue;
                    }
                    long gap = hosted.get(source) - hosted.get(target.get());
                    // Hysteresis: the receiving node must stay at or below the giving one.
                    if (2 * w > gap) {
                        continue;
                    }
                    if (best == null || w > best.weight()
                            || w == best.weight() && shard.id() < best.shard().shard().id()) {
                        best = new Candidate(loaded, target.get(), w);
                    }
                }
            }
            return Optional.ofNullable(best);
        }

        private String whyNothingMoves(String source) {
            int held = 0;
            int cooling = 0;
            int moving = 0;
            int noTarget = 0;
            for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
                ReplicaGroup group = routing.group(entry.getKey()).orElseThrow();
                if (!group.isMember(source)) {
                    continue;
                }
                for (Loaded loaded : entry.getValue()) {
                    Shard shard = loaded.shard();
                    held++;
                    if (touched.contains(shard.id())) {
                        moving++;
                    } else if (coolingDown(shard)) {
                        cooling++;
                    } else if (target(shard, group, source, hosted.get(source), false).isEmpty()) {
                        noTarget++;
                    }
                }
            }
            if (held == 0) {
                return "it holds no shard";
            }
            return String.format(Locale.ROOT, "of its %d shards %d are moving, %d in cooldown, %d have no eligible "
                    + "target (zone or membership), the rest are too big to move without reversing the imbalance",
                    held, moving, cooling, noTarget);
        }

        /** How many distinct zones the ACTIVE nodes are in; computed once per run. */
        private int eligibleZoneCount() {
            if (eligibleZones < 0) {
                Set<String> zones = new TreeSet<>();
                for (Node node : active.values()) {
                    if (!node.zone().isEmpty()) {
                        zones.add(node.zone());
                    }
                }
                eligibleZones = zones.size();
            }
            return eligibleZones;
        }

        private boolean coolingDown(Shard shard) {
            return shard.lastMovedAtMs() > 0
                    && now - shard.lastMovedAtMs() < config.value(SchedulerParameter.COOLDOWN);
        }

        /**
         * The ACTIVE node hosting the least that may take a replica of the shard from the source:
         * not in the group, not the node the shard left within the cooldown, in a zone the group's
         * other members do not use when the zones allow it, and (unless draining) below {@code limit}.
         */
        private Optional<String> target(Shard shard, ReplicaGroup group, String source, long limit, boolean draining) {
            Set<String> zones = new TreeSet<>();
            for (String member : group.members()) {
                Node node = image.topology().node(member).orElse(null);
                if (!member.equals(source) && node != null && !node.zone().isEmpty()) {
                    zones.add(node.zone());
                }
            }
            boolean zonesAllow = eligibleZoneCount() >= group.members().size();
            String best = null;
            boolean bestKeepsZones = false;
            for (Node node : active.values()) {
                String id = node.id();
                if (group.isMember(id) || id.equals(source)) {
                    continue;
                }
                if (id.equals(shard.lastMovedFrom()) && coolingDown(shard)) {
                    continue;
                }
                if (!draining && hosted.get(id) >= limit) {
                    continue;
                }
                boolean keepsZones = node.zone().isEmpty() || !zones.contains(node.zone());
                if (zonesAllow && !keepsZones) {
                    continue;
                }
                if (best == null || keepsZones && !bestKeepsZones || keepsZones == bestKeepsZones
                        && hosted.get(id) < hosted.get(best)) {
                    best = id;
                    bestKeepsZones = keepsZones;
                }
            }
            return Optional.ofNullable(best);
        }

        private void transfer(Loaded loaded, String from, String to, String why) {
            Shard shard = loaded.shard();
            touched.add(shard.id());
            move(loaded, from, to);
            movesInWindow++;
            add(Plan.Kind.TRANSFER, MetadataEntry.newBuilder().setPlacement(command(why).setTransfer(
                    TransferReplica.newBuilder().setShardId(shard.id()).setFromNode(from).setToNode(to))).build(),
                    "move shard " + shard.id() + " (" + weight(loaded) + (bytes ? " B" : " replica") + ") from "
                            + from + " to " + to, why, false);
        }

        private void balanceLeaders() {
            long threshold = config.imbalanceThresholdBps();
            if (imbalanceBps(leading, active.keySet()) > threshold && !leadsAllowed()) {
                return;
            }
            Set<Long> ledMoved = new TreeSet<>();
            while (!full()) {
                long imbalance = imbalanceBps(leading, active.keySet());
                if (imbalance <= threshold) {
                    return;
                }
                String source = extreme(leading, active.keySet());
                ReplicaGroup chosen = null;
                String heir = null;
                for (ReplicaGroup group : routing.groups().values()) {
                    int count = routing.shardCount(group.id());
                    if (!group.leader().equals(source) || count == 0 || ledMoved.contains(group.id())) {
                        continue;
                    }
                    for (String member : group.members()) {
                        if (!active.containsKey(member) || member.equals(source)) {
                            continue;
                        }
                        long gap = leading.get(source) - leading.get(member);
                        if (2L * count <= gap && (heir == null || leading.get(member) < leading.get(heir))) {
                            chosen = group;
                            heir = member;
                        }
                    }
                    if (chosen != null) {
                        break;
                    }
                }
                if (chosen == null) {
                    reason("node " + source, "leads " + leading.get(source) + " shards, the most, but none of its "
                            + "groups has an ACTIVE member that could take the lead without reversing the imbalance");
                    return;
                }
                ledMoved.add(chosen.id());
                lead(chosen, heir, String.format(Locale.ROOT, "leadership imbalance %s above the threshold %s",
                        percent(imbalance), percent(threshold)));
            }
        }

        /** Whether the cluster applies leadership moves (entry-format 3); says why not, once, when not. */
        private boolean leadsAllowed() {
            if (CapabilityGate.allows(image.capabilities(), CapabilityGate.SCHEDULER_EXECUTION)) {
                return true;
            }
            if (!leadRefusalExplained) {
                leadRefusalExplained = true;
                reason("leaders", "leadership moves need meridian.entry-format 3; the cluster is at "
                        + CapabilityGate.value(image.capabilities(), CapabilityGate.SCHEDULER_EXECUTION.capability()));
            }
            return false;
        }

        private void lead(ReplicaGroup group, String to, String why) {
            int count = routing.shardCount(group.id());
            leading.computeIfPresent(group.leader(), (id, total) -> total - count);
            leading.computeIfPresent(to, (id, total) -> total + count);
            add(Plan.Kind.LEAD, MetadataEntry.newBuilder().setPlacement(command(why).setLead(
                    TransferGroupLeadership.newBuilder().setGroupId(group.id()).setNewLeader(to))).build(),
                    "hand the leadership of group " + group.id() + " (" + count + " shards) from " + group.leader()
                            + " to " + to, why, true);
        }
    }

    /** (max - min) / mean of the values of these nodes, in basis points; 0 with no load. */
    static long imbalanceBps(Map<String, Long> values, Collection<String> nodes) {
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        long sum = 0;
        int count = 0;
        for (String node : nodes) {
            long value = values.getOrDefault(node, 0L);
            max = Math.max(max, value);
            min = Math.min(min, value);
            sum += value;
            count++;
        }
        if (count < 2 || sum <= 0) {
            return 0;
        }
        return (long) ((max - min) * 10_000.0 * count / sum);
    }

    /** Of these nodes, the one with the highest value; ties to the smaller id. */
    private static String extreme(Map<String, Long> values, Collection<String> nodes) {
        String best = null;
        for (String node : nodes) {
            if (best == null || values.getOrDefault(node, 0L) > values.getOrDefault(best, 0L)) {
                best = node;
            }
        }
        return best;
    }

    /** A reason within the bytes a placement command's reason may take (ASCII text). */
    private static String clip(String text) {
        return text.length() <= Validation.MAX_TEXT_BYTES ? text : text.substring(0, Validation.MAX_TEXT_BYTES);
    }

    static String percent(long bps) {
        return String.format(Locale.ROOT, "%.1f%%", bps / 100.0);
    }
}
