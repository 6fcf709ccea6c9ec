package io.meridian.core.placement;

import static io.meridian.core.testing.Entries.activate;
import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.createGroup;
import static io.meridian.core.testing.Entries.finishDecommission;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.reassign;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.startDecommission;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.BootstrapCluster;
import io.meridian.proto.InitialMember;
import io.meridian.proto.Label;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.NodeHealthProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster drawn as two ASCII tables, in the style of PD's scheduler tests, and built by replaying
 * real entries through the applier, so the drawing can only show a state the applier produces.
 *
 * <pre>
 *   node  zone  state     reported  replicas
 *   n1    a     ACTIVE    now       1* 2*
 *   n2    b     ACTIVE    now       1  2
 *   n3    c     DRAINING  never     1  2
 *   n4    d     ACTIVE    101s-ago  -
 *
 *   shard  start  group  size    qps  split-key
 *   1      -      A      200MiB  10   c
 *   2      m      B      10MiB   10   -
 * </pre>
 *
 * <p>Nodes: {@code zone} is the zone label ({@code -} for none); {@code state} is ACTIVE, DRAINING,
 * JOINING or DECOMMISSIONED; the optional {@code reported} column says when the node's load report
 * came ({@code now}, the default; {@code never}; or a duration such as {@code 101s-ago});
 * {@code replicas}, the last column, lists the shards the node holds a replica of, {@code *} marking
 * the group leader, or {@code -}.
 *
 * <p>Shards: ids run 1, 2, 3, ... in key order; {@code start} is the first key of the range
 * ({@code -}, the start of the keyspace, for shard 1), the range ending where the next shard starts.
 * The optional {@code group} column names the replica group, so two groups may have the same
 * members; without it the shards with the same members and leader share a group. {@code size}
 * ({@code 30MiB}; {@code -}: the shard reported nothing), {@code qps} and {@code split-key} (the
 * key the data node suggests, {@code -} for none) make up the shard's load report.
 *
 * <p>The replay: the first ACTIVE node bootstraps the cluster, the others join (and are activated
 * unless JOINING) in table order; shard i-1 is split at the start of shard i; each group is created
 * (the bootstrap group is reused when it matches) and its shards reassigned to it; then DRAINING
 * nodes start their decommission and DECOMMISSIONED nodes finish it.
 *
 * <p>Not thread-safe: a test's own fixture.
 */
final class ClusterTable {

    /** Every node reports this capacity. */
    static final long CAPACITY = 1L << 40;

    private static final Pattern SIZE = Pattern.compile("([0-9]+)(B|KiB|MiB|GiB)?");
    private static final Pattern AGE = Pattern.compile("([0-9]+)(ms|s|m|h)-ago");

    private record NodeRow(String id, String zone, NodeState state, Long reportAgeMs, TreeMap<Long, Boolean> leads) {
    }

    private record ShardRow(long id, String start, String group, Long sizeBytes, long qps, Optional<Key> splitKey) {
    }

    private final List<NodeRow> nodes;
    private final List<ShardRow> shards;
    private final Replay replay;
    private final TreeMap<String, Long> groupIds = new TreeMap<>();
    private final TreeSet<String> suspects = new TreeSet<>();

    private ClusterTable(List<NodeRow> nodes, List<ShardRow> shards) {
        this.nodes = nodes;
        this.shards = shards;
        NodeRow founder = nodes.stream().filter(n -> n.state() == NodeState.ACTIVE).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the table needs an ACTIVE node to bootstrap"));
        this.replay = new Replay();
        build(founder);
    }

    /** The cluster the tables draw; see the class comment for the format. */
    static ClusterTable parse(String text) {
        List<NodeRow> nodes = new ArrayList<>();
        List<ShardRow> shards = new ArrayList<>();
        List<String> header = null;
        for (String raw : text.strip().split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            List<String> cells = List.of(line.split("\\s+"));
            if (cells.get(0).equals("node") || cells.get(0).equals("shard")) {
                header = cells;
                continue;
            }
            if (header == null) {
                throw new IllegalArgumentException("a table starts with a header line: " + line);
            }
            if (header.get(0).equals("node")) {
                nodes.add(nodeRow(header, cells));
            } else {
                shards.add(shardRow(header, cells, shards.size() + 1));
            }
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("the table draws no shard");
        }
        return new ClusterTable(nodes, shards);
    }

    private static NodeRow nodeRow(List<String> header, List<String> cells) {
        if (!header.get(header.size() - 1).equals("replicas")) {
            throw new IllegalArgumentException("replicas must be the last column of the node table");
        }
        int fixed = header.size() - 1;
        if (cells.size() <= fixed) {
            throw new IllegalArgumentException("node row has too few cells: " + cells);
        }
        String id = cell(header, cells, "node", null);
        String zone = cell(header, cells, "zone", "-");
        NodeState state = NodeState.valueOf(cell(header, cells, "state", "ACTIVE"));
        String reported = cell(header, cells, "reported", "now");
        Long age;
        if (reported.equals("now")) {
            age = 0L;
        } else if (reported.equals("never")) {
            age = null;
        } else {
            Matcher m = AGE.matcher(reported);
            if (!m.matches()) {
                throw new IllegalArgumentException("reported is now, never or like 101s-ago, got " + reported);
            }
            long unit = switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                default -> 3_600_000L;
            };
            age = Long.parseLong(m.group(1)) * unit;
        }
        TreeMap<Long, Boolean> leads = new TreeMap<>();
        for (String replica : cells.subList(fixed, cells.size())) {
            if (replica.equals("-")) {
                continue;
            }
            boolean leader = replica.endsWith("*");
            long shard = Long.parseLong(leader ? replica.substring(0, replica.length() - 1) : replica);
            if (leads.put(shard, leader) != null) {
                throw new IllegalArgumentException(id + " lists shard " + shard + " twice");
            }
        }
        if (state != NodeState.ACTIVE && state != NodeState.DRAINING && !leads.isEmpty()) {
            throw new IllegalArgumentException(id + " is " + state + "; only ACTIVE and DRAINING nodes hold replicas");
        }
        return new NodeRow(id, zone.equals("-") ? "" : zone, state, age, leads);
    }

    private static ShardRow shardRow(List<String> header, List<String> cells, long expectedId) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("shard row " + cells + " does not match the header " + header);
        }
        long id = Long.parseLong(cell(header, cells, "shard", null));
        if (id != expectedId) {
            throw new IllegalArgumentException("shard ids run 1, 2, 3, ... in key order; expected " + expectedId
                    + ", got " + id);
        }
        String start = cell(header, cells, "start", null);
        if ((id == 1) != start.equals("-")) {
            throw new IllegalArgumentException("shard 1, and only shard 1, starts at the start of the keyspace (-)");
        }
        String size = cell(header, cells, "size", "-");
        String splitKey = cell(header, cells, "split-key", "-");
        return new ShardRow(id, start, cell(header, cells, "group", ""),
                size.equals("-") ? null : bytes(size), Long.parseLong(cell(header, cells, "qps", "0")),
                splitKey.equals("-") ? Optional.empty() : Optional.of(Key.utf8(splitKey)));
    }

    private static String cell(List<String> header, List<String> cells, String column, String missing) {
        int at = header.indexOf(column);
        if (at < 0) {
            if (missing == null) {
                throw new IllegalArgumentException("the table needs a " + column + " column: " + header);
            }
            return missing;
        }
        return cells.get(at);
    }

    static long bytes(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("a size is like 30MiB, got " + text);
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "B" -> 0;
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    // ---- Building the image. ----

    private void build(NodeRow founder) {
        replay.applied(Entries.bootstrap(BootstrapCluster.newBuilder().addMembers(InitialMember.newBuilder()
                .setNodeId(founder.id()).setRaftAddress(Entries.raft(founder.id()))
                .addAllLabels(zoneLabels(founder)))));
        for (NodeRow node : nodes) {
            if (node == founder) {
                continue;
            }
            replay.applied(node.zone().isEmpty() ? join(node.id()) : join(node.id(), Node.ZONE, node.zone()));
            if (node.state() != NodeState.JOINING) {
                replay.applied(activate(node.id()));
            }
        }
        for (int i = 1; i < shards.size(); i++) {
            ShardRow previous = shards.get(i - 1);
            ShardRow next = shards.get(i);
            if (i > 1 && Key.utf8(next.start()).compareTo(Key.utf8(previous.start())) <= 0) {
                throw new IllegalArgumentException("shard " + next.id() + " must start after shard " + previous.id());
            }
            replay.applied(split(previous.id(), next.start()));
        }
        placeGroups(founder);
        for (NodeRow node : nodes) {
            if (node.state() == NodeState.DRAINING || node.state() == NodeState.DECOMMISSIONED) {
                replay.applied(startDecommission(node.id(), false));
            }
            if (node.state() == NodeState.DECOMMISSIONED) {
                replay.applied(finishDecommission(node.id(), false));
            }
        }
    }

    private static List<Label> zoneLabels(NodeRow node) {
        return node.zone().isEmpty() ? List.of() : Entries.labels(Node.ZONE, node.zone());
    }

    /** Creates the groups of the table and moves each shard into its group. */
    private void placeGroups(NodeRow founder) {
        TreeMap<String, TreeSet<String>> members = new TreeMap<>();
        TreeMap<String, String> leaders = new TreeMap<>();
        List<String> order = new ArrayList<>();
        TreeMap<Long, String> groupOf = new TreeMap<>();
        for (ShardRow shard : shards) {
            TreeSet<String> holders = new TreeSet<>();
            List<String> leading = new ArrayList<>();
            for (NodeRow node : nodes) {
                Boolean leads = node.leads().get(shard.id());
                if (leads != null) {
                    holders.add(node.id());
                    if (leads) {
                        leading.add(node.id());
                    }
                }
            }
            if (holders.isEmpty() || leading.size() != 1) {
                throw new IllegalArgumentException("shard " + shard.id() + " needs replicas and exactly one leader (*), "
                        + "has " + holders + " led by " + leading);
            }
            String label = shard.group().isEmpty() ? holders + "@" + leading.get(0) : shard.group();
            TreeSet<String> known = members.putIfAbsent(label, holders);
            String knownLeader = leaders.putIfAbsent(label, leading.get(0));
            if (known != null && (!known.equals(holders) || !knownLeader.equals(leading.get(0)))) {
                throw new IllegalArgumentException("the shards of group " + label + " must have the same replicas "
                        + "and leader; shard " + shard.id() + " has " + holders + " led by " + leading.get(0));
            }
            if (known == null) {
                order.add(label);
            }
            groupOf.put(shard.id(), label);
        }
        for (String label : order) {
            String leader = leaders.get(label);
            if (members.get(label).equals(new TreeSet<>(List.of(founder.id()))) && leader.equals(founder.id())
                    && !groupIds.containsValue(1L)) {
                groupIds.put(label, 1L);
                continue;
            }
            long id = replay.image().routing().nextGroupId();
            replay.applied(createGroup(leader, members.get(label).toArray(new String[0])));
            groupIds.put(label, id);
        }
        for (Map.Entry<Long, String> entry : groupOf.entrySet()) {
            long group = groupIds.get(entry.getValue());
            if (group != 1L) {
                replay.applied(reassign(entry.getKey(), group, leaders.get(entry.getValue())));
            }
        }
    }

    // ---- What tests use. ----

    Replay replay() {
        return replay;
    }

    MetadataImage image() {
        return replay.image();
    }

    long now() {
        return replay.clockMs();
    }

    /** The id of the group the table names with this label. */
    long group(String label) {
        Long id = groupIds.get(label);
        if (id == null) {
            throw new IllegalArgumentException("no group " + label + " in the table; groups: " + groupIds.keySet());
        }
        return id;
    }

    Shard shard(long id) {
        return image().routing().shard(id).orElseThrow();
    }

    /** The group that holds the shard now. */
    ReplicaGroup groupOf(long shard) {
        return image().routing().group(shard(shard).groupId()).orElseThrow();
    }

    /** Sets a scheduler parameter through the log. */
    ClusterTable set(String key, String value) {
        replay.applied(Entries.setScheduler(key, value));
        return this;
    }

    /** Has every member advertise entry-format 1..value, so the cluster negotiates value. */
    ClusterTable entryFormat(long value) {
        long[] supported = new long[(int) value];
        for (int i = 0; i < supported.length; i++) {
            supported[i] = i + 1;
        }
        for (Node node : image().topology().nodes().values()) {
            if (node.state().isMember()) {
                replay.applied(advertiseCapabilities(node.id(),
                        capabilities(CapabilityCatalog.ENTRY_FORMAT.name(), supported)));
            }
        }
        assertThat(CapabilityGate.value(image().capabilities(), CapabilityCatalog.ENTRY_FORMAT.name()))
                .as("negotiated entry-format").isEqualTo(value);
        return this;
    }

    /**
     * The load as the leader would hold it now: a report at the replay clock (less the table's age)
     * from every ACTIVE or DRAINING node that reports, and the table's shard reports for the shards
     * that still exist.
     */
    LoadView load() {
        MetadataImage image = image();
        TreeMap<String, LoadView.NodeReport> nodeReports = new TreeMap<>();
        for (NodeRow row : nodes) {
            Optional<Node> node = image.topology().node(row.id());
            if (row.reportAgeMs() == null || node.isEmpty()
                    || node.get().state() != NodeState.ACTIVE && node.get().state() != NodeState.DRAINING) {
                continue;
            }
            long used = 0;
            for (ShardRow shard : shards) {
                Optional<Shard> present = image.routing().shard(shard.id());
                if (present.isPresent() && shard.sizeBytes() != null
                        && image.routing().group(present.get().groupId()).orElseThrow().isMember(row.id())) {
                    used += shard.sizeBytes();
                }
            }
            nodeReports.put(row.id(), new LoadView.NodeReport(row.id(), CAPACITY, used,
                    now() - row.reportAgeMs()));
        }
        TreeMap<Long, LoadView.ShardReport> shardReports = new TreeMap<>();
        for (ShardRow shard : shards) {
            if (shard.sizeBytes() != null && image.routing().shard(shard.id()).isPresent()) {
                shardReports.put(shard.id(), new LoadView.ShardReport(shard.id(), shard.sizeBytes(),
                        shard.sizeBytes() / 1024, shard.qps(), 0, shard.splitKey(),
                        image.routing().shard(shard.id()).orElseThrow().epoch()));
            }
        }
        return new LoadView(nodeReports, shardReports);
    }

    Plan plan() {
        return plan(Map.of());
    }

    Plan plan(Map<Long, Integer> stallTicks) {
        return Planner.plan(image(), load(), liveness(), stallTicks, now());
    }

    /** The leader's view of liveness: the nodes marked SUSPECT. */
    Liveness liveness() {
        return new Liveness(suspects);
    }

    /** Marks nodes SUSPECT in the leader's view (soft state, not in the log). */
    ClusterTable suspect(String... ids) {
        suspects.addAll(List.of(ids));
        return this;
    }

    /** Records a node's health through the log, as the leader does after down-after (entry-format 5). */
    ClusterTable health(String id, NodeHealthProto health) {
        replay.applied(Entries.markHealth(id, health));
        suspects.remove(id);
        return this;
    }

    /** Starts a real move of a replica: a transfer, left in PLANNED. Returns the migration id. */
    long startMove(long shard, String from, String to) {
        long id = image().migrations().nextMigrationId();
        replay.applied(Entries.transfer(shard, from, to));
        return id;
    }

    /** Reports a migration's progress into the phase. */
    void checkpoint(long migration, MigrationPhaseProto phase) {
        replay.applied(Entries.checkpoint(migration, phase, 0, phase.name()));
    }

    /** Moves the migration through the phases up to and including this one. */
    void advanceTo(long migration, MigrationPhaseProto last) {
        for (MigrationPhaseProto phase : List.of(MigrationPhaseProto.MIGRATION_PHASE_COPYING,
                MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP, MigrationPhaseProto.MIGRATION_PHASE_CUTOVER,
                MigrationPhaseProto.MIGRATION_PHASE_COMPLETED)) {
            checkpoint(migration, phase);
            if (phase == last) {
                return;
            }
        }
    }

    /** A real, completed move of a replica: transfer, then checkpoints through CUTOVER to COMPLETED. */
    void move(long shard, String from, String to) {
        advanceTo(startMove(shard, from, to), MigrationPhaseProto.MIGRATION_PHASE_COMPLETED);
    }

    /**
     * Applies the plan's actions one after another, as the scheduler proposes them, and fails unless
     * each placement command finds the routing version it was planned against and each entry applies.
     */
    void applyInOrder(Plan plan) {
        for (Plan.Action action : plan.actions()) {
            MetadataEntry entry = action.entry();
            if (entry.hasPlacement()) {
                assertThat(entry.getPlacement().getPlannedRoutingVersion())
                        .as("planned routing version of: %s", action.description())
                        .isEqualTo(image().routing().version());
            }
            ApplyResult result = replay.apply(entry);
            assertThat(result.outcome()).as("outcome of: %s", action.description())
                    .isInstanceOf(Outcome.Applied.class);
        }
    }
}
