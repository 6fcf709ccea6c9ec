package io.meridian.core.testing;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import io.meridian.proto.AccessRole;
import io.meridian.proto.JoinNode;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SetGroupReplicas;
import io.meridian.proto.SweepVerdictProto;
import io.meridian.proto.TokenConsumed;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generators of entries over a small universe of ids (six nodes, a dozen shards, a few groups,
 * migrations, tokens and entities), so that random logs are mostly entries that apply, with
 * rejections mixed in, rather than noise. Logs are applied after {@link #start()}.
 */
public final class EntryGen {

    public static final List<String> NODES = List.of("n1", "n2", "n3", "n4", "n5", "n6");

    private EntryGen() {
    }

    /**
     * Where generated logs start: n1, n2, n3 bootstrapped, n4 and n5 joined and active (so they can
     * take replicas), shard 1 split at "m".
     */
    public static Replay start() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(Entries.join("n4", "zone", "b"));
        replay.applied(Entries.join("n5", "zone", "c"));
        replay.applied(Entries.activate("n4"));
        replay.applied(Entries.activate("n5"));
        replay.applied(Entries.split(1, "m"));
        return replay;
    }

    static Gen<String> node() {
        return Generate.pick(NODES);
    }

    /** Mostly the shards that exist early in a log; sometimes later or missing ones. */
    static Gen<Long> shard() {
        return Generate.frequency(weight(6, Generate.longRange(1, 3)), weight(1, Generate.longRange(4, 12)));
    }

    static Gen<Long> group() {
        return Generate.longRange(1, 6);
    }

    static Gen<Long> migration() {
        return Generate.frequency(weight(6, Generate.longRange(1, 3)), weight(1, Generate.longRange(4, 8)));
    }

    static Gen<String> key() {
        return strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 2);
    }

    static Gen<String> token() {
        return Generate.pick(List.of("t1", "t2", "t3"));
    }

    static Gen<String> entity() {
        return Generate.pick(List.of("e1", "e2", "e3", "e4"));
    }

    static Gen<String> zone() {
        return Generate.pick(List.of("a", "b", "c"));
    }

    /** A node, or none: a repair without a source adds a replica. */
    static Gen<String> source() {
        return Generate.frequency(weight(3, node()), weight(1, Generate.constant("")));
    }

    static Gen<NodeHealthProto> health() {
        return Generate.frequency(
                weight(3, Generate.constant(NodeHealthProto.NODE_HEALTH_DOWN)),
                weight(3, Generate.constant(NodeHealthProto.NODE_HEALTH_UP)),
                weight(1, Generate.constant(NodeHealthProto.NODE_HEALTH_UNSPECIFIED)));
    }

    /** Identities of callers and access changes: a few people, and a node speaking for itself. */
    static Gen<String> identity() {
        return Generate.pick(List.of("alice", "bob", "olga", "n1"));
    }

    /** Mostly roles; sometimes none (a certificate that names no role, or a grant refused before the log). */
    static Gen<AccessRole> role() {
        return Generate.frequency(
                weight(2, Generate.constant(AccessRole.ACCESS_ROLE_READER)),
                weight(2, Generate.constant(AccessRole.ACCESS_ROLE_NODE)),
                weight(3, Generate.constant(AccessRole.ACCESS_ROLE_OPERATOR)),
                weight(4, Generate.constant(AccessRole.ACCESS_ROLE_ADMIN)),
                weight(1, Generate.constant(AccessRole.ACCESS_ROLE_UNSPECIFIED)));
    }

    /** The role a caller's certificate names: mostly one that may write, so most entries get past the check. */
    static Gen<AccessRole> certificateRole() {
        return Generate.frequency(
                weight(1, Generate.constant(AccessRole.ACCESS_ROLE_READER)),
                weight(1, Generate.constant(AccessRole.ACCESS_ROLE_NODE)),
                weight(4, Generate.constant(AccessRole.ACCESS_ROLE_OPERATOR)),
                weight(4, Generate.constant(AccessRole.ACCESS_ROLE_ADMIN)),
                weight(1, Generate.constant(AccessRole.ACCESS_ROLE_UNSPECIFIED)));
    }

    static Gen<MigrationPhaseProto> phase() {
        return Generate.frequency(
                weight(3, Generate.constant(MigrationPhaseProto.MIGRATION_PHASE_COPYING)),
                weight(2, Generate.constant(MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP)),
                weight(2, Generate.constant(MigrationPhaseProto.MIGRATION_PHASE_CUTOVER)),
                weight(2, Generate.constant(MigrationPhaseProto.MIGRATION_PHASE_COMPLETED)));
    }

    private static <T> Pair<Integer, Gen<T>> weight(int weight, Gen<T> gen) {
        return Pair.of(weight, gen);
    }

    /** Any entry but a batch. */
    public static Gen<MetadataEntry> single() {
        List<Pair<Integer, Gen<MetadataEntry>>> kinds = new ArrayList<>();
        kinds.add(weight(4, node().zip(zone(), (n, z) -> Entries.join(n, "zone", z))));
        kinds.add(weight(4, node().map(Entries::activate)));
        kinds.add(weight(2, node().map(Entries::promote)));
        kinds.add(weight(2, node().zip(booleans().all(), Entries::startDecommission)));
        kinds.add(weight(3, node().zip(booleans().all(), Entries::finishDecommission)));
        kinds.add(weight(3, node().map(Entries::leave)));
        kinds.add(weight(1, node().map(n -> Entries.advertise(n, "0.1.0",
                Entries.capabilities("meridian.entry-format", new long[] {1, 2})))));
        kinds.add(weight(6, shard().zip(key(), Entries::split)));
        kinds.add(weight(3, shard().zip(shard(), Entries::merge)));
        kinds.add(weight(5, shard().zip(node(), node(), Entries::transfer)));
        kinds.add(weight(8, migration().zip(phase(), integers().between(0, 2),
                strings().basicLatinAlphabet().ofLengthBetween(0, 8), Entries::checkpoint)));
        kinds.add(weight(1, migration().zip(integers().all(), (m, crc) -> Entries.checkpoint(m,
                MigrationPhaseProto.MIGRATION_PHASE_COPYING, 0, "x".getBytes(StandardCharsets.UTF_8), crc))));
        kinds.add(weight(2, migration().zip(shard(), node(), (m, s, n) ->
                Entries.abort(m, "property test", Entries.reassignChange(s, 1, n)))));
        kinds.add(weight(1, migration().map(m -> Entries.abort(m, "no compensation"))));
        kinds.add(weight(3, shard().zip(group(), node(), Entries::reassign)));
        kinds.add(weight(2, group().zip(node(), Entries::transferLeadership)));
        kinds.add(weight(2, group().zip(node(), Entries::removeMember)));
        kinds.add(weight(2, lists().of(node()).ofSizeBetween(1, 3).zip(node(),
                (members, leader) -> Entries.createGroup(members.contains(leader) ? leader : "",
                        members.toArray(new String[0])))));
        kinds.add(weight(2, token().zip(integers().between(1, 200),
                (t, ttl) -> Entries.issueToken(t, Replay.START_MS + ttl))));
        kinds.add(weight(2, token().zip(node(), (t, n) -> Entries.batch(Entries.consumeToken(t,
                TokenConsumed.newBuilder().setNodeId(n).setPresentedRole(RaftRoleProto.RAFT_ROLE_VOTER)),
                Entries.join(JoinNode.newBuilder().setNodeId(n).setRaftAddress(Entries.raft(n)))))));
        kinds.add(weight(1, token().map(Entries::revokeToken)));
        kinds.add(weight(1, token().map(Entries::expireToken)));
        kinds.add(weight(3, shard().zip(entity(), shard(), integers().between(0, 3), Entries::insertGhost)));
        kinds.add(weight(2, shard().zip(entity(), Entries::incref)));
        kinds.add(weight(2, shard().zip(entity(), Entries::decref)));
        kinds.add(weight(1, shard().zip(entity(), Entries::purgeGhost)));
        kinds.add(weight(2, shard().zip(entity(), Generate.enumValues(SweepVerdictProto.class).assuming(
                v -> v != SweepVerdictProto.UNRECOGNIZED), (s, e, v) -> Entries.sweep(s, e, v))));
        kinds.add(weight(2, node().zip(integers().between(0, 8), zone(),
                (n, cpu, geo) -> Entries.enableEdgeCache(n, cpu, 64, 0, geo))));
        kinds.add(weight(1, node().map(Entries::disableEdgeCache)));
        kinds.add(weight(2, node().zip(integers().between(0, 100), integers().between(0, 100),
                (n, h, m) -> Entries.edgeStats(n, h, m))));
        kinds.add(weight(1, node().zip(integers().between(1, 5), (n, v) -> Entries.advertiseCapabilities(n,
                Entries.capabilities("meridian.entry-format", v == 1 ? new long[] {1} : new long[] {1, v})))));
        kinds.add(weight(1, booleans().all().map(p -> p ? Entries.pauseScheduler("p") : Entries.resumeScheduler())));
        kinds.add(weight(1, Generate.pick(List.of("tick-interval=5s", "split-size=1MiB", "merge-size=2GiB",
                "imbalance-threshold=0.5", "cooldown=soon", "nope=1")).map(kv ->
                Entries.setScheduler(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)))));
        kinds.add(weight(1, strings().basicLatinAlphabet().ofLengthBetween(0, 12).map(Entries::catalogDdl)));
        kinds.add(weight(1, node().map(n -> Entries.join(JoinNode.newBuilder().setNodeId(n)
                .setRaftAddress("no-port")))));
        kinds.add(weight(1, integers().between(1, 5).zip(integers().between(1, 5),
                (min, target) -> Entries.configureMembership(min, target, null))));
        // Promotion criteria: applied only once the cluster negotiated entry-format 2, else ignored.
        kinds.add(weight(1, integers().between(0, 3).zip(integers().between(0, 3),
                (lag, after) -> Entries.promotionCriteria(lag * 40, after * 1_000L))));
        // Entry-format 5: applied once the cluster negotiated it (see log()), refused before the log below.
        kinds.add(weight(3, node().zip(health(), integers().between(-1, 100_000), (n, h, ago) ->
                Entries.markHealth(n, h, ago < 0 ? -1 : Replay.START_MS - ago, ago % 2 == 0 ? "" : "not heard from"))));
        kinds.add(weight(1, node().map(Entries::demote)));
        kinds.add(weight(2, group().zip(integers().between(0, 8), Entries::setReplicas)));
        kinds.add(weight(2, group().zip(node(), booleans().all(), Entries::removeMember)));
        kinds.add(weight(4, shard().zip(source(), node(), Entries::repair)));
        kinds.add(weight(1, migration().map(m -> Entries.abortKeepingRouting(m, "keep routing"))));
        kinds.add(weight(1, migration().zip(group(), integers().between(0, 7), (m, g, r) -> Entries.abort(m,
                "resized", RoutingChange.newBuilder().setSetReplicas(SetGroupReplicas.newBuilder().setGroupId(g)
                        .setReplicas(r))))));
        // A move that applies in the start state (shards 1 and 2 in group {n1,n2,n3}; n4, n5 ACTIVE).
        kinds.add(weight(2, Generate.longRange(1, 2).zip(Generate.pick(List.of("n1", "n2", "n3", "")),
                Generate.pick(List.of("n4", "n5")), booleans().all(), (shard, from, to, repair) -> repair
                        ? Entries.repair(shard, from, to)
                        : Entries.transfer(shard, from.isEmpty() ? "n1" : from, to))));
        kinds.add(weight(1, Generate.pick(List.of("replicas=5", "replicas=3", "replicas=1", "replicas=8",
                "suspect-after=20s", "suspect-after=2h", "down-after=1m", "down-after=5s", "max-moves-per-node=2",
                "repair-limit=3", "leader-limit=1", "split-limit=2", "merge-limit=3", "balance-limit=9")).map(kv ->
                Entries.setScheduler(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)))));
        // Entry-format 6: refused before the log below it.
        kinds.add(weight(3, identity().zip(role(), Entries::grant)));
        kinds.add(weight(2, identity().zip(Generate.pick(List.of("", "left the team")), Entries::revoke)));
        return Generate.frequency(kinds);
    }

    /**
     * The members of {@link #start()} upgraded together: n1-n5 advertise entry-format 1-5, so the
     * cluster negotiates 5 until a member joins or advertises less.
     */
    public static MetadataEntry upgradeToEntryFormat5() {
        byte[] five = Entries.capabilities("meridian.entry-format", new long[] {1, 2, 3, 4, 5});
        return Entries.batch(NODES.subList(0, 5).stream().map(n -> Entries.advertiseCapabilities(n, five))
                .toArray(MetadataEntry[]::new));
    }

    /**
     * The members of {@link #start()} upgraded together to entry-format 6: callers are checked and
     * audited, access changes applied.
     */
    public static MetadataEntry upgradeToEntryFormat6() {
        byte[] six = Entries.capabilities("meridian.entry-format", new long[] {1, 2, 3, 4, 5, 6});
        return Entries.batch(NODES.subList(0, 5).stream().map(n -> Entries.advertiseCapabilities(n, six))
                .toArray(MetadataEntry[]::new));
    }

    /**
     * Any entry: mostly single entries, sometimes a batch of two or three; a third of them from a
     * caller (kept from entry-format 6 on, left out by the leader below), the rest the node's own.
     */
    public static Gen<MetadataEntry> entry() {
        Gen<MetadataEntry> batch = lists().of(single()).ofSizeBetween(2, 3)
                .map(entries -> Entries.batch(entries.toArray(new MetadataEntry[0])));
        Gen<MetadataEntry> any = Generate.frequency(weight(9, single()), weight(1, batch));
        Gen<String> caller = Generate.frequency(weight(2, Generate.constant("")), weight(1, identity()));
        return any.zip(caller, certificateRole(), (entry, identity, role) -> identity.isEmpty() ? entry
                : Entries.by(identity, role, entry));
    }

    /** The checkpoints that take a PLANNED migration through to its cutover, all at once. */
    public static MetadataEntry toCutover(long migration) {
        return Entries.batch(Entries.checkpoint(migration, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 0, ""),
                Entries.checkpoint(migration, MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP, 0, ""),
                Entries.checkpoint(migration, MigrationPhaseProto.MIGRATION_PHASE_CUTOVER, 0, ""));
    }

    /**
     * How a log opens: mostly with nothing, sometimes with migration 1 of shard 1 (a transfer, a
     * repair that adds a replica, or one that replaces one) taken to its cutover, which random
     * entries seldom manage; the aborts, checkpoints and moves that follow then meet it there.
     */
    static Gen<List<MetadataEntry>> opening() {
        return Generate.frequency(
                weight(2, Generate.constant(List.of())),
                weight(1, Generate.pick(List.of(Entries.transfer(1, "n1", "n4"), Entries.repair(1, "", "n4"),
                        Entries.repair(1, "n3", "n5"))).map(move -> List.of(move, toCutover(1)))));
    }

    /**
     * A log of 1 to max entries. A third of the logs open with {@link #upgradeToEntryFormat5()} and a
     * third with {@link #upgradeToEntryFormat6()}, so that what those formats added is applied too
     * (and entries admitted at 5 or 6 meet a cluster whose format drops again when a node joins or
     * advertises less); then comes the {@link #opening()}.
     */
    public static Gen<List<MetadataEntry>> log(int max) {
        return lists().of(entry()).ofSizeBetween(1, max).zip(Generate.pick(List.of(0, 5, 6)), opening(),
                (entries, upgrade, opening) -> {
                    List<MetadataEntry> log = new ArrayList<>(max);
                    if (upgrade == 5) {
                        log.add(upgradeToEntryFormat5());
                    } else if (upgrade == 6) {
                        log.add(upgradeToEntryFormat6());
                    }
                    log.addAll(opening);
                    log.addAll(entries);
                    return List.copyOf(log.subList(0, Math.min(log.size(), max)));
                });
    }
}
