package io.meridian.core.snapshot;

import static io.meridian.core.testing.Entries.advertiseCapabilities;
import static io.meridian.core.testing.Entries.capabilities;
import static io.meridian.core.testing.Entries.catalogDdl;
import static io.meridian.core.testing.Entries.checkpoint;
import static io.meridian.core.testing.Entries.enableEdgeCache;
import static io.meridian.core.testing.Entries.edgeStats;
import static io.meridian.core.testing.Entries.insertGhost;
import static io.meridian.core.testing.Entries.issueToken;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.pauseScheduler;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.setScheduler;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.sweep;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.proto.MigrationPhaseProto.MIGRATION_PHASE_COPYING;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_DOWN;
import static io.meridian.proto.NodeHealthProto.NODE_HEALTH_UP;
import static io.meridian.proto.SweepVerdictProto.SWEEP_VERDICT_KEEP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.Provenance;
import io.meridian.core.access.AccessBinding;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeHealth;
import io.meridian.core.topology.RaftRole;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.RejectCode;
import io.meridian.proto.SnapshotRecord;
import io.meridian.proto.SnapshotTrailer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {

    /** A state with something in every area. */
    static MetadataImage everyArea() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(join("n5", "zone", "c", "geo", "eu"));
        replay.applied(split(1, "g"));
        replay.applied(split(2, "p"));
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 1, "copied"));
        replay.applied(issueToken("secret-token", replay.clockMs() + 60_000));
        replay.applied(insertGhost(2, "entity-9", 3, 2));
        replay.applied(sweep(2, "entity-9", SWEEP_VERDICT_KEEP));
        replay.applied(enableEdgeCache("n2", 4, 1024, 2048, "eu"));
        replay.applied(edgeStats("n2", 10, 4));
        replay.applied(advertiseCapabilities("n1", capabilities("meridian.entry-format", new long[] {1, 2})));
        replay.applied(pauseScheduler("testing"));
        replay.applied(setScheduler("tick-interval", "3s"));
        replay.applied(catalogDdl("CREATE TABLE t (k TEXT)"));
        return replay.image();
    }

    private static String readError(byte[] bytes) {
        try {
            SnapshotCodec.fromBytes(bytes);
            throw new AssertionError("read a damaged snapshot");
        } catch (SnapshotFormatException e) {
            return e.getMessage();
        }
    }

    @Test
    void aRoundTripPreservesTheImage() throws Exception {
        MetadataImage image = everyArea();

        MetadataImage back = SnapshotCodec.read(new ByteArrayInputStream(SnapshotCodec.toBytes(image)));

        assertThat(back).isEqualTo(image);
        assertThat(back.capabilities().negotiated()).isEqualTo(image.capabilities().negotiated());
        assertThat(back.routing().shardsByStart()).isEqualTo(image.routing().shardsByStart());
        assertThat(back.migrations().activeByShard()).isEqualTo(image.migrations().activeByShard());
    }

    @Test
    void theSameImageAlwaysGivesTheSameBytesAndDigest() {
        MetadataImage image = everyArea();

        byte[] first = SnapshotCodec.toBytes(image);
        byte[] second = SnapshotCodec.toBytes(everyArea());

        assertThat(first).isEqualTo(second);
        assertThat(SnapshotCodec.digest(image)).isEqualTo(SnapshotCodec.digest(everyArea()));
        assertThat(SnapshotCodec.digest(image).hex()).hasSize(64);
    }

    @Test
    void differentStatesHaveDifferentDigests() {
        Replay replay = Replay.bootstrapped("n1");
        StateDigest before = SnapshotCodec.digest(replay.image());
        replay.applied(Entries.catalogDdl("x"));

        assertThat(SnapshotCodec.digest(replay.image())).isNotEqualTo(before);
    }

    @Test
    void anEmptyImageRoundTrips() throws Exception {
        assertThat(SnapshotCodec.fromBytes(SnapshotCodec.toBytes(MetadataImage.EMPTY))).isEqualTo(MetadataImage.EMPTY);
    }

    @Test
    void everyTruncationIsRejectedAsTruncatedOrCorrupt() {
        byte[] full = SnapshotCodec.toBytes(everyArea());
        for (int length = 0; length < full.length; length++) {
            assertThat(readError(Arrays.copyOf(full, length))).as("prefix of %d bytes", length)
                    .containsAnyOf("truncated", "not a Meridian snapshot");
        }
    }

    @Test
    void everyFlippedByteIsDetected() {
        byte[] full = SnapshotCodec.toBytes(everyArea());
        for (int i = 0; i < full.length; i++) {
            byte[] damaged = full.clone();
            damaged[i] ^= 0x20;
            assertThat(readError(damaged)).as("byte %d flipped", i).isNotBlank();
        }
    }

    @Test
    void badMagicVersionAndTrailingBytesAreNamed() {
        byte[] full = SnapshotCodec.toBytes(everyArea());

        byte[] magic = full.clone();
        magic[0] = 'X';
        assertThat(readError(magic)).contains("not a Meridian snapshot");

        byte[] version = full.clone();
        ByteBuffer.wrap(version).putInt(8, 7);
        assertThat(readError(version)).contains("format version 7 is not supported");

        byte[] trailing = Arrays.copyOf(full, full.length + 3);
        assertThat(readError(trailing)).contains("bytes follow the trailer");

        assertThat(readError(new byte[0])).contains("truncated");
    }

    @Test
    void aCorruptRecordIsNamedByItsOffset() {
        byte[] full = SnapshotCodec.toBytes(everyArea());
        byte[] damaged = full.clone();
        damaged[40] ^= 0x01;

        assertThatThrownBy(() -> SnapshotCodec.fromBytes(damaged)).isInstanceOf(SnapshotFormatException.class)
                .hasMessageContaining("at offset").hasMessageContaining("corrupt");
    }

    @Test
    void aSnapshotWrittenBeforeTheLoaderWasReworkedStillLoadsAndWritesTheSameBytes() throws Exception {
        // Written by the codec as of commit 205e6c9 from everyArea(); format version 1.
        byte[] stored;
        try (InputStream in = SnapshotCodecTest.class.getResourceAsStream("/snapshots/every-area-v1.snapshot")) {
            stored = in.readAllBytes();
        }

        MetadataImage loaded = SnapshotCodec.fromBytes(stored);

        assertThat(loaded).isEqualTo(everyArea());
        assertThat(SnapshotCodec.toBytes(loaded)).isEqualTo(stored);
    }

    @Test
    void shardsWhoseIdsAreNotInKeyOrderRoundTripWithTheirIndexes() throws Exception {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(Entries.createGroup("n2", "n2", "n3"));
        for (String key : new String[] {"m", "g", "c", "t", "j", "e"}) {
            long owner = replay.image().routing().locate(Entries.key(key)).orElseThrow().id();
            replay.applied(split(owner, key));
        }
        replay.applied(Entries.reassign(3, 2, "n2"));
        replay.applied(Entries.reassign(6, 2, "n2"));
        replay.applied(Entries.merge(1, 4));
        MetadataImage image = replay.image();

        MetadataImage back = SnapshotCodec.fromBytes(SnapshotCodec.toBytes(image));

        assertThat(back).isEqualTo(image);
        assertThat(back.routing().shardsByStart()).isEqualTo(image.routing().shardsByStart());
        assertThat(back.routing().shardCountByGroup()).isEqualTo(image.routing().shardCountByGroup())
                .containsEntry(1L, 4).containsEntry(2L, 2);
        assertThat(back.routing().locate(Entries.key("h")).orElseThrow().id()).isEqualTo(3);
    }

    @Test
    void aLargeImageStreamsRecordByRecord() throws Exception {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        for (int i = 1; i < 20_000; i++) {
            replay.applied(split(i, String.format("k%08d", i)));
        }
        MetadataImage image = replay.image();

        byte[] bytes = SnapshotCodec.toBytes(image);
        MetadataImage back = SnapshotCodec.fromBytes(bytes);

        assertThat(back.routing().shards()).hasSize(20_000);
        assertThat(back).isEqualTo(image);
        assertThat(SnapshotCodec.digest(back)).isEqualTo(SnapshotCodec.digest(image));
    }

    /**
     * A state holding what entry-format 5 added: a DOWN node and one back UP with their times, a
     * demoted voter, a group's own replica target, repair migrations (one adding a replica, so with
     * no source), and every new scheduler parameter set.
     */
    static MetadataImage entryFormat5State() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4", "zone", "d"));
        replay.applied(Entries.activate("n4"));
        replay.applied(join("n5"));
        replay.atEntryFormat(5);
        replay.applied(Entries.markHealth("n3", NODE_HEALTH_DOWN, replay.clockMs() - 1_800_000, "silent"));
        replay.applied(Entries.markHealth("n5", NODE_HEALTH_DOWN, replay.clockMs() - 40_000, "silent"));
        replay.advance(60_000);
        replay.applied(Entries.markHealth("n5", NODE_HEALTH_UP, replay.clockMs() - 10, "back"));
        replay.applied(Entries.demote("n3"));
        replay.applied(Entries.setReplicas(1, 5));
        replay.applied(split(1, "m"));
        replay.applied(Entries.repair(1, "", "n4"));
        replay.applied(checkpoint(1, MIGRATION_PHASE_COPYING, 1, "copied"));
        replay.applied(Entries.repair(2, "n3", "n4"));
        for (String[] kv : new String[][] {{"replicas", "5"}, {"down-after", "2m"}, {"suspect-after", "20s"},
            {"max-moves-per-node", "2"}, {"repair-limit", "3"}, {"leader-limit", "5"}, {"split-limit", "6"},
            {"merge-limit", "7"}, {"balance-limit", "8"}}) {
            replay.applied(setScheduler(kv[0], kv[1]));
        }
        return replay.image();
    }

    @Test
    void aRoundTripPreservesWhatEntryFormat5Added() throws Exception {
        MetadataImage image = entryFormat5State();
        byte[] bytes = SnapshotCodec.toBytes(image);

        MetadataImage back = SnapshotCodec.fromBytes(bytes);

        assertThat(back).isEqualTo(image);
        assertThat(SnapshotCodec.digest(back)).isEqualTo(SnapshotCodec.digest(image));
        assertThat(SnapshotCodec.toBytes(back)).isEqualTo(bytes);
        // What there was to carry:
        Node down = back.topology().node("n3").orElseThrow();
        assertThat(down.health()).isEqualTo(NodeHealth.DOWN);
        assertThat(down.lastSeenMs()).isPositive();
        assertThat(down.healthChangedAtMs()).isPositive();
        assertThat(down.role()).isEqualTo(RaftRole.LEARNER);
        Node backUp = back.topology().node("n5").orElseThrow();
        assertThat(backUp.health()).isEqualTo(NodeHealth.UP);
        assertThat(backUp.healthChangedAtMs()).isPositive();
        assertThat(backUp.lastSeenMs()).isPositive();
        assertThat(back.routing().group(1).orElseThrow().targetReplicas()).isEqualTo(5);
        Migration added = back.migrations().migration(1).orElseThrow();
        assertThat(added.repair()).isTrue();
        assertThat(added.fromNode()).isEmpty();
        assertThat(back.migrations().migration(2).orElseThrow().repair()).isTrue();
        assertThat(back.scheduler().value(SchedulerParameter.DOWN_AFTER)).isEqualTo(120_000);
        assertThat(back.scheduler().value(SchedulerParameter.BALANCE_LIMIT)).isEqualTo(8);
    }

    @Test
    void theSameEntryFormat5StateAlwaysGivesTheSameBytes() {
        assertThat(SnapshotCodec.toBytes(entryFormat5State())).isEqualTo(SnapshotCodec.toBytes(entryFormat5State()));
    }

    @Test
    void eachThingEntryFormat5AddedChangesTheDigest() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(5);
        java.util.List<StateDigest> digests = new java.util.ArrayList<>();
        digests.add(SnapshotCodec.digest(replay.image().withProvenance(Provenance.INITIAL)));
        for (MetadataEntry entry : new MetadataEntry[] {
            Entries.markHealth("n3", NODE_HEALTH_DOWN, 5, ""), Entries.setReplicas(1, 4),
            setScheduler("balance-limit", "9"), Entries.demote("n3")}) {
            replay.applied(entry);
            digests.add(SnapshotCodec.digest(replay.image().withProvenance(Provenance.INITIAL)));
        }

        assertThat(digests).doesNotHaveDuplicates();
    }

    @Test
    void aMigrationWithoutASourceLoadsOnlyAsARepair() {
        MigrationRecord repair = RecordCodec.toProto(entryFormat5State().migrations().migration(1).orElseThrow());
        assertThat(repair.getFromNode()).isEmpty();
        assertThat(RecordCodec.fromProto(repair).repair()).isTrue();

        assertThatThrownBy(() -> RecordCodec.fromProto(repair.toBuilder().setRepair(false).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source node");
        assertThatThrownBy(() -> RecordCodec.fromProto(RecordCodec.toProto(
                entryFormat5State().routing().group(1).orElseThrow()).toBuilder().setTargetReplicas(8).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target replicas 8");
        assertThatThrownBy(() -> RecordCodec.fromProto(RecordCodec.toProto(
                entryFormat5State().topology().node("n3").orElseThrow()).toBuilder().setHealthValue(9).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("health");
    }

    @Test
    void aNodeNeverJudgedIsWrittenAsAnOlderVersionWroteIt() {
        NodeRecord record = RecordCodec.toProto(Replay.bootstrapped("n1").image().topology().node("n1").orElseThrow());

        assertThat(record.getHealth()).isEqualTo(NodeHealthProto.NODE_HEALTH_UNSPECIFIED);
        assertThat(record.getHealthChangedAtMs()).isZero();
        assertThat(record.getLastSeenMs()).isZero();
        assertThat(RecordCodec.toProto(Replay.bootstrapped("n1").image().routing().group(1).orElseThrow())
                .getTargetReplicas()).isZero();
    }

    /**
     * A state holding what entry-format 6 added: bindings granted and revoked, by a caller and by the
     * node itself, and an audit trail of applied and refused entries.
     */
    static MetadataImage entryFormat6State() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        replay.applied(Entries.grant("alice", AccessRole.ACCESS_ROLE_ADMIN));
        replay.applied(Entries.by("alice", AccessRole.ACCESS_ROLE_ADMIN,
                Entries.grant("olga", AccessRole.ACCESS_ROLE_OPERATOR)));
        replay.applied(Entries.by("alice", AccessRole.ACCESS_ROLE_ADMIN, Entries.revoke("bob", "left the team")));
        replay.applied(Entries.by("olga", AccessRole.ACCESS_ROLE_READER, split(1, "m")));
        replay.rejected(Entries.by("bob", AccessRole.ACCESS_ROLE_ADMIN, catalogDdl("x")),
                RejectCode.REJECT_PERMISSION_DENIED);
        replay.rejected(Entries.by("olga", AccessRole.ACCESS_ROLE_OPERATOR, split(9, "x")),
                RejectCode.REJECT_NOT_FOUND);
        return replay.image();
    }

    @Test
    void aRoundTripPreservesAccessBindingsAndTheAuditTrail() throws Exception {
        MetadataImage image = entryFormat6State();
        byte[] bytes = SnapshotCodec.toBytes(image);

        MetadataImage back = SnapshotCodec.fromBytes(bytes);

        assertThat(back).isEqualTo(image);
        assertThat(SnapshotCodec.toBytes(back)).isEqualTo(bytes);
        assertThat(back.access().bindings().keySet()).containsExactly("alice", "bob", "olga");
        AccessBinding bob = back.access().binding("bob").orElseThrow();
        assertThat(bob.revoked()).isTrue();
        assertThat(bob.reason()).isEqualTo("left the team");
        assertThat(bob.changedBy()).isEqualTo("alice");
        assertThat(back.audit().records()).hasSize(5);
        assertThat(back.audit().verify()).isEmpty();
        // The sections come after the existing ones, bindings by identity, the trail oldest first.
        List<SnapshotRecord> records = records(bytes);
        List<SnapshotRecord.RecordCase> cases = records.stream().map(SnapshotRecord::getRecordCase).toList();
        int firstBinding = cases.indexOf(SnapshotRecord.RecordCase.ACCESS_BINDING);
        assertThat(cases.subList(firstBinding, cases.size())).containsExactly(
                SnapshotRecord.RecordCase.ACCESS_BINDING, SnapshotRecord.RecordCase.ACCESS_BINDING,
                SnapshotRecord.RecordCase.ACCESS_BINDING, SnapshotRecord.RecordCase.AUDIT_ANCHOR,
                SnapshotRecord.RecordCase.AUDIT_RECORD, SnapshotRecord.RecordCase.AUDIT_RECORD,
                SnapshotRecord.RecordCase.AUDIT_RECORD, SnapshotRecord.RecordCase.AUDIT_RECORD,
                SnapshotRecord.RecordCase.AUDIT_RECORD);
    }

    @Test
    void aStateWithoutBindingsOrAuditRecordsWritesNoneOfTheirSections() {
        // So its bytes are what a release before entry-format 6 wrote (see the stored every-area snapshot).
        for (SnapshotRecord record : records(SnapshotCodec.toBytes(everyArea()))) {
            assertThat(record.getRecordCase()).isNotIn(SnapshotRecord.RecordCase.ACCESS_BINDING,
                    SnapshotRecord.RecordCase.AUDIT_ANCHOR, SnapshotRecord.RecordCase.AUDIT_RECORD);
        }
    }

    @Test
    void eachThingEntryFormat6AddedChangesTheDigest() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        List<StateDigest> digests = new ArrayList<>();
        digests.add(SnapshotCodec.digest(replay.image().withProvenance(Provenance.INITIAL)));
        for (MetadataEntry entry : new MetadataEntry[] {
            Entries.grant("alice", AccessRole.ACCESS_ROLE_ADMIN), Entries.revoke("bob", ""),
            Entries.by("alice", AccessRole.ACCESS_ROLE_ADMIN, catalogDdl("x")),
            Entries.by("alice", AccessRole.ACCESS_ROLE_ADMIN, Entries.grant("bob", AccessRole.ACCESS_ROLE_READER))}) {
            replay.applied(entry);
            digests.add(SnapshotCodec.digest(replay.image().withProvenance(Provenance.INITIAL)));
        }

        assertThat(digests).doesNotHaveDuplicates();
    }

    @Test
    void aTrailThatDroppedRecordsRoundTripsWithItsAnchor() throws Exception {
        AuditTrail trail = AuditTrail.EMPTY;
        for (int i = 1; i <= AuditTrail.MAX_RECORDS + 3; i++) {
            trail = trail.appended(i, i, "alice", "catalog_ddl", AuditTrail.APPLIED);
        }
        MetadataImage image = MetadataImage.EMPTY.withProvenance(new Provenance(1, AuditTrail.MAX_RECORDS + 3, 9))
                .withAudit(trail);

        MetadataImage back = SnapshotCodec.fromBytes(SnapshotCodec.toBytes(image));

        assertThat(back.audit()).isEqualTo(trail);
        assertThat(back.audit().dropped()).isEqualTo(3);
        assertThat(back.audit().anchor()).isNotEqualTo(io.meridian.wire.AuditChain.ZERO);
    }

    @Test
    void anEditedAuditRecordOrAMisplacedOneIsRefused() {
        List<SnapshotRecord> records = records(SnapshotCodec.toBytes(entryFormat6State()));
        int firstAudit = records.indexOf(records.stream()
                .filter(r -> r.getRecordCase() == SnapshotRecord.RecordCase.AUDIT_RECORD).findFirst().orElseThrow());

        List<SnapshotRecord> edited = new ArrayList<>(records);
        AuditRecord record = edited.get(firstAudit + 1).getAuditRecord();
        edited.set(firstAudit + 1, SnapshotRecord.newBuilder().setAuditRecord(record.toBuilder()
                .setIdentity("mallory")).build());
        assertThat(readError(forge(edited))).contains("impossible state").contains("record at index "
                + record.getIndex() + " does not chain to the one before it");

        List<SnapshotRecord> noAnchor = new ArrayList<>(records);
        noAnchor.remove(firstAudit - 1);
        assertThat(readError(forge(noAnchor))).contains("audit record before the audit anchor");

        List<SnapshotRecord> twoAnchors = new ArrayList<>(records);
        twoAnchors.add(firstAudit, records.get(firstAudit - 1));
        assertThat(readError(forge(twoAnchors))).contains("AUDIT_ANCHOR record out of order");

        List<SnapshotRecord> badHash = new ArrayList<>(records);
        badHash.set(firstAudit, SnapshotRecord.newBuilder().setAuditRecord(badHash.get(firstAudit).getAuditRecord()
                .toBuilder().setHash(ByteString.copyFrom(new byte[5]))).build());
        assertThat(readError(forge(badHash))).contains("5 bytes, not 32");

        List<SnapshotRecord> anchorOnly = new ArrayList<>(records.subList(0, firstAudit));
        assertThat(readError(forge(anchorOnly))).contains("audit anchor but no audit records");

        List<SnapshotRecord> revokedWithRole = new ArrayList<>(records);
        int bob = records.indexOf(records.stream().filter(r -> r.getAccessBinding().getIdentity().equals("bob"))
                .findFirst().orElseThrow());
        revokedWithRole.set(bob, SnapshotRecord.newBuilder().setAccessBinding(records.get(bob).getAccessBinding()
                .toBuilder().setRole(AccessRole.ACCESS_ROLE_ADMIN)).build());
        assertThat(readError(forge(revokedWithRole))).contains("a revoked binding has no role");

        // Untouched, the same records read back.
        assertThat(SnapshotCodec.toBytes(entryFormat6State())).isEqualTo(forge(records));
    }

    /** The records of a snapshot, trailer left out. */
    private static List<SnapshotRecord> records(byte[] snapshot) {
        ByteBuffer buffer = ByteBuffer.wrap(snapshot);
        buffer.position(12);
        List<SnapshotRecord> out = new ArrayList<>();
        while (buffer.hasRemaining()) {
            byte[] record = new byte[buffer.getInt()];
            buffer.get(record);
            buffer.getInt();
            try {
                SnapshotRecord parsed = SnapshotRecord.parseFrom(record);
                if (!parsed.hasTrailer()) {
                    out.add(parsed);
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** A well-framed snapshot of these records, with a trailer that matches them. */
    private static byte[] forge(List<SnapshotRecord> records) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write("MRDNSNAP".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(ByteBuffer.allocate(4).putInt(SnapshotCodec.FORMAT_VERSION).array());
            for (SnapshotRecord record : records) {
                frame(out, record.toByteArray());
            }
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(out.toByteArray());
            frame(out, SnapshotRecord.newBuilder().setTrailer(SnapshotTrailer.newBuilder()
                    .setRecordCount(records.size()).setSha256(ByteString.copyFrom(hash))).build().toByteArray());
            return out.toByteArray();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void frame(ByteArrayOutputStream out, byte[] record) {
        CRC32C crc = new CRC32C();
        crc.update(record);
        out.writeBytes(ByteBuffer.allocate(4).putInt(record.length).array());
        out.writeBytes(record);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
