package io.meridian.core.placement;

import io.meridian.core.MetadataImage;
import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.LoadView.ShardReport;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.PlacementCommand;
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

/**
 * The state of one planning run, shared by the checkers in turn: the image, the load model they
 * update as they decide (a move counts as done at once), the actions and reasons so far, and each
 * checker's own budget within the tick's. The checkers ({@link Planner} lists them) read and write
 * it through the helpers here, so that every action is stamped, counted and explained one way.
 *
 * <p>Not thread-safe: one run, one thread.
 */
final class PlanContext {

    /** Reasons beyond this many are summarised in one. */
    static final int MAX_REASONS = 100;
    /** A load report older than this many ticks (at least 30 s) counts as missing. */
    static final int REPORT_TICKS = 10;
    private static final long MIN_REPORT_AGE_MS = 30_000;

    final MetadataImage image;
    final RoutingImage routing;
    final LoadView load;
    final Liveness liveness;
    final Map<Long, Integer> stallTicks;
    final SchedulerConfig config;
    final long now;
    private final int maxActions;
    private final List<Plan.Action> actions = new ArrayList<>();
    private final List<Plan.Reason> reasons = new ArrayList<>();
    /** Shards an action of this run already took, or that have a migration in flight. */
    final Set<Long> touched = new TreeSet<>();
    /** Migrations this plan aborts: one abort each, whichever checker asks first. */
    final Set<Long> aborted = new TreeSet<>();
    /** Groups whose leadership an action of this run already moves. */
    final Set<Long> led = new TreeSet<>();
    /** Every shard with its report, in id order; {@link #ids} holds their ids, for a binary search. */
    final Loaded[] shards;
    private final long[] ids;
    /** Position in {@link #shards} by shard id, -1 for none; null when the ids are too sparse for it. */
    private final int[] positionById;
    final Map<Long, List<Loaded>> shardsByGroup;
    /** ACTIVE nodes, UP and not SUSPECT: the only ones that receive replicas or leaderships. */
    final TreeMap<String, Node> healthy = new TreeMap<>();
    /**
     * Healthy nodes whose load report is fresh, or that hold no replica (and need not report): the
     * ones the balancers compare.
     */
    final TreeMap<String, Node> balanced = new TreeMap<>();
    final TreeMap<String, Long> hosted = new TreeMap<>();
    final TreeMap<String, Long> leading = new TreeMap<>();
    /** Moves in flight (or planned in this run) into and out of each node. */
    private final TreeMap<String, Integer> movesIn = new TreeMap<>();
    private final TreeMap<String, Integer> movesOut = new TreeMap<>();
    final boolean bytes;
    final long measuredImbalanceBps;
    private int bumps;
    private int droppedReasons;
    private boolean leadRefusalExplained;
    long movesInWindow;
    private int eligibleZones = -1;
    private int checkerActions;
    private int checkerLimit = Integer.MAX_VALUE;

    /**
     * A shard and its load report (null when it sent none); {@code size} is the report's size, or
     * the estimate of a shard changed since its report (each half of a split half the whole), and
     * {@code estimated} says so.
     */
    record Loaded(Shard shard, ShardReport report, long size, boolean estimated) {
        long qps() {
            return report == null ? 0 : estimated ? report.qps() / 2 : report.qps();
        }
    }

    PlanContext(MetadataImage image, LoadView load, Liveness liveness, Map<Long, Integer> stallTicks, long nowMs) {
        this.image = image;
        this.routing = image.routing();
        this.load = load;
        this.liveness = liveness;
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
        int i = 0;
        for (Shard shard : routing.shards().values()) {
            while (report != null && report.getKey() < shard.id()) {
                report = reports.hasNext() ? reports.next() : null;
            }
            ShardReport own = report != null && report.getKey() == shard.id() ? report.getValue() : null;
            shards[i] = new Loaded(shard, own, own == null ? 0 : own.sizeBytes(), false);
            ids[i] = shard.id();
            i++;
        }
        this.positionById = denseIndex(ids);
        estimateChangedShards();
        boolean anySize = false;
        for (Loaded loaded : shards) {
            int at = Arrays.binarySearch(groupIds, loaded.shard().groupId());
            List<Loaded> list = at < 0 ? byGroup.computeIfAbsent(loaded.shard().groupId(), id -> new ArrayList<>())
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
        long maxReportAge = Math.max(MIN_REPORT_AGE_MS, REPORT_TICKS * config.tickIntervalMs());
        Set<String> holding = new TreeSet<>();
        for (Long groupId : shardsByGroup.keySet()) {
            routing.group(groupId).ifPresent(group -> holding.addAll(group.members()));
        }
        for (Node node : image.topology().nodes().values()) {
            if (node.state() == NodeState.ACTIVE && !node.isDown() && !liveness.isSuspect(node.id())) {
                healthy.put(node.id(), node);
                // A node holding replicas must have reported lately; one holding none need not.
                LoadView.NodeReport nodeReport = load.nodes().get(node.id());
                if (!holding.contains(node.id())
                        || nodeReport != null && now - nodeReport.reportedAtMs() <= maxReportAge) {
                    balanced.put(node.id(), node);
                }
            }
            if (node.state() == NodeState.ACTIVE || node.state() == NodeState.DRAINING) {
                hosted.put(node.id(), 0L);
                leading.put(node.id(), 0L);
            }
        }
        for (Map.Entry<Long, List<Loaded>> entry : shardsByGroup.entrySet()) {
            Optional<ReplicaGroup> group = routing.group(entry.getKey());
            if (group.isEmpty()) {
                continue;
            }
            long groupWeight = 0;
            for (Loaded shard : entry.getValue()) {
                groupWeight += weight(shard);
            }
            long sum = groupWeight;
            for (String member : group.get().members()) {
                hosted.computeIfPresent(member, (id, total) -> total + sum);
            }
            if (group.get().hasLeader()) {
                leading.computeIfPresent(group.get().leader(), (id, total) -> total + entry.getValue().size());
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
            movesIn.merge(migration.toNode(), 1, Integer::sum);
            movesOut.merge(migration.fromNode(), 1, Integer::sum);
        }
        long window = config.value(SchedulerParameter.BUDGET_WINDOW);
        for (Migration migration : image.migrations().all().values()) {
            if (migration.startedAtMs() >= now - window) {
                movesInWindow++;
            }
        }
        this.measuredImbalanceBps = Planner.imbalanceBps(hosted, balanced.keySet());
    }

    /**
     * A report older than its shard's epoch predates a split, merge or move of it. The halves of a
     * split (the shard and its new right neighbour of the same epoch and group, which has no report)
     * are each estimated at half the report; a shard that only moved keeps its size. Either way the
     * shard is marked estimated until its own report arrives, and is not split again meanwhile.
     */
    private void estimateChangedShards() {
        for (int i = 0; i < shards.length; i++) {
            Loaded loaded = shards[i];
            ShardReport report = loaded.report();
            if (report == null || report.epoch() >= loaded.shard().epoch()) {
                continue;
            }
            long size = report.sizeBytes();
            if (!loaded.shard().end().isEmpty()) {
                Long rightId = routing.shardsByStart().get(loaded.shard().end());
                int right = rightId == null ? -1 : position(rightId);
                if (right >= 0 && shards[right].report() == null
                        && shards[right].shard().epoch() == loaded.shard().epoch()
                        && shards[right].shard().groupId() == loaded.shard().groupId()) {
                    size = report.sizeBytes() / 2;
                    shards[right] = new Loaded(shards[right].shard(), report, size, true);
                }
            }
            shards[i] = new Loaded(loaded.shard(), report, size, true);
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
    int position(long shardId) {
        if (positionById != null) {
            return shardId >= 0 && shardId < positionById.length ? positionById[(int) shardId] : -1;
        }
        int at = Arrays.binarySearch(ids, shardId);
        return at < 0 ? -1 : at;
    }

    /** The shard with this id and its report; null if there is no such shard. */
    Loaded loaded(long shardId) {
        int at = position(shardId);
        return at < 0 ? null : shards[at];
    }

    /** What a shard weighs in the balance: its bytes, or 1 when no shard reported a size. */
    long weight(Loaded shard) {
        return bytes ? shard.size() : 1;
    }

    void move(Loaded shard, String from, String to) {
        long w = weight(shard);
        hosted.computeIfPresent(from, (id, total) -> total - w);
        hosted.computeIfPresent(to, (id, total) -> total + w);
    }

    // ---- Health. ----

    /** Healthy: ACTIVE, UP and not SUSPECT. */
    boolean isHealthy(String nodeId) {
        return healthy.containsKey(nodeId);
    }

    /** Why a node cannot serve, in words, or empty when it is healthy. */
    Optional<String> unhealth(String nodeId) {
        Optional<Node> node = image.topology().node(nodeId);
        if (node.isEmpty()) {
            return Optional.of(nodeId + " is not in topology");
        }
        if (node.get().isDown()) {
            return Optional.of(nodeId + " is DOWN");
        }
        if (node.get().state() != NodeState.ACTIVE) {
            return Optional.of(nodeId + " is " + node.get().state());
        }
        if (liveness.isSuspect(nodeId)) {
            return Optional.of(nodeId + " is SUSPECT (not heard from for suspect-after)");
        }
        return Optional.empty();
    }

    /** Whether a member's replica must be replaced: its node is DOWN, DECOMMISSIONED or gone. */
    boolean lost(String nodeId) {
        return Replicas.lost(image, nodeId);
    }

    int target(ReplicaGroup group) {
        return Replicas.target(image, group);
    }

    // ---- Budgets, actions and reasons. ----

    /** Starts a checker's turn: at most {@code limit} actions, within what the tick has left. */
    void startChecker(long limit) {
        checkerActions = 0;
        checkerLimit = (int) Math.min(Integer.MAX_VALUE, limit);
    }

    /** Whether the current checker, or the tick, has no action left. */
    boolean full() {
        return actions.size() >= maxActions || checkerActions >= checkerLimit;
    }

    /** Why the current checker stops: its own limit or the tick's, for reasons. */
    String fullBecause() {
        return actions.size() >= maxActions ? "max-actions-per-tick (" + maxActions + ") reached"
                : "this checker's limit (" + checkerLimit + ") reached";
    }

    List<Plan.Action> actions() {
        return actions;
    }

    List<Plan.Reason> reasons() {
        List<Plan.Reason> out = new ArrayList<>(reasons);
        if (droppedReasons > 0) {
            out.add(new Plan.Reason("plan", droppedReasons + " more reasons left out"));
        }
        return out;
    }

    void reason(String subject, String text) {
        if (reasons.size() < MAX_REASONS) {
            reasons.add(new Plan.Reason(subject, text));
        } else {
            droppedReasons++;
        }
    }

    long plannedVersion() {
        return routing.version() + bumps;
    }

    PlacementCommand.Builder command(String why) {
        return PlacementCommand.newBuilder().setPlannedRoutingVersion(plannedVersion()).setReason(clip(why));
    }

    void add(Plan.Kind kind, MetadataEntry entry, String description, String why, boolean bumpsRouting) {
        actions.add(new Plan.Action(kind, entry, description, why));
        checkerActions++;
        if (bumpsRouting) {
            bumps++;
        }
    }

    // ---- Moves. ----

    boolean budgetSpent() {
        return movesInWindow >= config.value(SchedulerParameter.MOVE_BUDGET);
    }

    /** Whether the node may take one more move in or out ({@code max-moves-per-node}). */
    boolean hasMoveRoom(String nodeId, boolean incoming) {
        Map<String, Integer> moves = incoming ? movesIn : movesOut;
        return moves.getOrDefault(nodeId, 0) < config.value(SchedulerParameter.MAX_MOVES_PER_NODE);
    }

    boolean coolingDown(Shard shard) {
        return shard.lastMovedAtMs() > 0 && now - shard.lastMovedAtMs() < config.value(SchedulerParameter.COOLDOWN);
    }

    /** How many distinct zones the healthy nodes are in; computed once per run. */
    private int eligibleZoneCount() {
        if (eligibleZones < 0) {
            Set<String> zones = new TreeSet<>();
            for (Node node : healthy.values()) {
                if (!node.zone().isEmpty()) {
                    zones.add(node.zone());
                }
            }
            eligibleZones = zones.size();
        }
        return eligibleZones;
    }

    /**
     * The healthy node hosting the least that may take a replica of the shard from the source: not
     * in the group, not the node the shard left within the cooldown, with room for one more move in,
     * in a zone the group's other members do not use when the zones allow it, and (unless
     * {@code anyLoad}) hosting less than {@code limit}. Among {@code among} nodes only, when given.
     */
    Optional<String> target(Shard shard, ReplicaGroup group, String source, long limit, boolean anyLoad,
            Map<String, Node> among) {
        Set<String> zones = new TreeSet<>();
        for (String member : group.members()) {
            Node node = image.topology().node(member).orElse(null);
            if (!member.equals(source) && node != null && !node.zone().isEmpty() && !lost(member)) {
                zones.add(node.zone());
            }
        }
        boolean zonesAllow = eligibleZoneCount() >= group.members().size();
        String best = null;
        boolean bestKeepsZones = false;
        for (Node node : among.values()) {
            String id = node.id();
            if (group.isMember(id) || id.equals(source) || !hasMoveRoom(id, true)) {
                continue;
            }
            if (id.equals(shard.lastMovedFrom()) && coolingDown(shard)) {
                continue;
            }
            long load = hosted.getOrDefault(id, 0L);
            if (!anyLoad && load >= limit) {
                continue;
            }
            boolean keepsZones = node.zone().isEmpty() || !zones.contains(node.zone());
            if (zonesAllow && !keepsZones) {
                continue;
            }
            if (best == null || keepsZones && !bestKeepsZones || keepsZones == bestKeepsZones
                    && load < hosted.getOrDefault(best, 0L)) {
                best = id;
                bestKeepsZones = keepsZones;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Proposes moving the shard's replica from one node to another (from empty: adding one). */
    void transfer(Loaded loaded, String from, String to, String why, boolean repair) {
        Shard shard = loaded.shard();
        touched.add(shard.id());
        move(loaded, from, to);
        movesInWindow++;
        movesIn.merge(to, 1, Integer::sum);
        if (!from.isEmpty()) {
            movesOut.merge(from, 1, Integer::sum);
        }
        TransferReplica.Builder transfer = TransferReplica.newBuilder().setShardId(shard.id()).setFromNode(from)
                .setToNode(to).setRepair(repair);
        String what = from.isEmpty() ? "add a replica of shard " + shard.id() + " on " + to
                : (repair ? "replace the replica of shard " : "move shard ") + shard.id() + " ("
                        + weight(loaded) + (bytes ? " B" : " replica") + ") from " + from + " to " + to;
        add(Plan.Kind.TRANSFER, MetadataEntry.newBuilder().setPlacement(command(why).setTransfer(transfer)).build(),
                what, why, false);
    }

    /** Whether the cluster applies leadership moves (entry-format 3); says why not, once, when not. */
    boolean leadsAllowed() {
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

    /** Whether the cluster applies repairs (entry-format 5). */
    boolean repairsAllowed() {
        return CapabilityGate.allows(image.capabilities(), CapabilityGate.REPAIR);
    }

    void lead(ReplicaGroup group, String to, String why) {
        led.add(group.id());
        int count = routing.shardCount(group.id());
        if (group.hasLeader()) {
            leading.computeIfPresent(group.leader(), (id, total) -> total - count);
        }
        leading.computeIfPresent(to, (id, total) -> total + count);
        add(Plan.Kind.LEAD, MetadataEntry.newBuilder().setPlacement(command(why).setLead(
                TransferGroupLeadership.newBuilder().setGroupId(group.id()).setNewLeader(to))).build(),
                "hand the leadership of group " + group.id() + " (" + count + " shards) from "
                        + (group.hasLeader() ? group.leader() : "no one") + " to " + to, why, true);
    }

    /** Of these healthy members, the one leading the least; ties to the smaller id. */
    Optional<String> leastLeading(Collection<String> candidates) {
        String best = null;
        for (String candidate : candidates) {
            if (!isHealthy(candidate)) {
                continue;
            }
            if (best == null || leading.getOrDefault(candidate, 0L) < leading.getOrDefault(best, 0L)) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A reason within the bytes a placement command's reason may take (ASCII text). */
    private static String clip(String text) {
        return text.length() <= Validation.MAX_TEXT_BYTES ? text : text.substring(0, Validation.MAX_TEXT_BYTES);
    }

    static String percent(long bps) {
        return String.format(Locale.ROOT, "%.1f%%", bps / 100.0);
    }
}
