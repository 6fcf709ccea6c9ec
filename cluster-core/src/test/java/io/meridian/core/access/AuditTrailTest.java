package io.meridian.core.access;

import static io.meridian.core.testing.Entries.by;
import static io.meridian.core.testing.Entries.grant;
import static io.meridian.core.testing.Entries.revoke;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_ADMIN;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_NODE;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_OPERATOR;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.Provenance;
import io.meridian.core.apply.InvariantViolation;
import io.meridian.core.apply.Invariants;
import io.meridian.core.session.ClientId;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RequestId;
import io.meridian.proto.SweepVerdictProto;
import io.meridian.wire.AuditChain;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The audit trail: what it records, its hash chain, and its bound. */
@Timeout(60)
class AuditTrailTest {

    private static Replay trusted() {
        return AccessApplierTest.trusted();
    }

    private static AuditRecord newest(Replay replay) {
        return replay.image().audit().records().lastEntry().getValue();
    }

    @Test
    void everyEntryWithACallerAppliedOrRefusedAtApplyAppendsOneRecord() {
        Replay replay = trusted();
        long time = replay.clockMs();

        replay.applied(by("olga", ACCESS_ROLE_OPERATOR, Entries.split(1, "m")));
        AuditRecord applied = newest(replay);
        replay.rejected(by("olga", ACCESS_ROLE_OPERATOR, Entries.split(42, "x")), RejectCode.REJECT_NOT_FOUND);
        AuditRecord refused = newest(replay);
        replay.rejected(by("rita", ACCESS_ROLE_READER, Entries.catalogDdl("x")), RejectCode.REJECT_PERMISSION_DENIED);
        AuditRecord denied = newest(replay);

        assertThat(applied.toBuilder().clearHash().build()).isEqualTo(AuditRecord.newBuilder().setIndex(
                denied.getIndex() - 2).setTimeMs(time).setIdentity("olga").setOperation("placement.split")
                .setOutcome("applied").build());
        assertThat(refused.getOutcome()).isEqualTo("REJECT_NOT_FOUND");
        assertThat(refused.getTimeMs()).isEqualTo(time + 1);
        assertThat(denied.getIdentity()).isEqualTo("rita");
        assertThat(denied.getOperation()).isEqualTo("catalog_ddl");
        assertThat(denied.getOutcome()).isEqualTo("REJECT_PERMISSION_DENIED");
        assertThat(denied.getIndex()).isEqualTo(replay.image().index());
        assertThat(replay.image().audit().records()).hasSize(3);
    }

    @Test
    void entriesWithoutACallerAndEntriesRefusedBeforeTheLogAreNotRecorded() {
        Replay replay = trusted();

        replay.applied(Entries.split(1, "m"));
        replay.rejected(by("olga", ACCESS_ROLE_OPERATOR, Entries.split(1, "")), RejectCode.REJECT_INVALID_ARGUMENT);

        assertThat(replay.image().audit()).isEqualTo(AuditTrail.EMPTY);
    }

    @Test
    void aRecordTimeIsTheLogicalTimeAtApplyNotTheStampedOne() {
        Replay replay = trusted();
        replay.advance(10_000);
        replay.applied(Entries.catalogDdl("later"));
        long logical = replay.image().logicalTimeMs();
        replay.advance(-5_000);

        replay.applied(by("olga", ACCESS_ROLE_OPERATOR, Entries.catalogDdl("skewed clock")));

        assertThat(newest(replay).getTimeMs()).isEqualTo(logical);
    }

    @Test
    void aRequestRefusedByItsSessionIsRecordedButACopyAnsweredFromItIsNot() {
        Replay replay = trusted();
        byte[] client = new byte[ClientId.LENGTH];
        client[15] = 3;
        RequestId.Builder id = RequestId.newBuilder().setClientId(ByteString.copyFrom(client));
        MetadataEntry first = by("olga", ACCESS_ROLE_OPERATOR, Entries.catalogDdl("a")).toBuilder()
                .setRequest(id.setSequence(1).setLowestUnanswered(1)).build();
        MetadataEntry second = by("olga", ACCESS_ROLE_OPERATOR, Entries.catalogDdl("b")).toBuilder()
                .setRequest(id.setSequence(2).setLowestUnanswered(2)).build();
        replay.applied(first);
        replay.applied(second);
        assertThat(replay.image().audit().records()).hasSize(2);

        replay.apply(second); // a copy: answered from the session table
        assertThat(replay.image().audit().records()).hasSize(2);

        replay.rejected(first, RejectCode.REJECT_REQUEST_RETIRED);
        assertThat(replay.image().audit().records()).hasSize(3);
        assertThat(newest(replay).getOutcome()).isEqualTo("REJECT_REQUEST_RETIRED");
    }

    @Test
    void operationsAreNamedByKindAndChange() {
        assertThat(AuditTrail.operation(Entries.startDecommission("n1", false))).isEqualTo(
                "topology.start_decommission");
        assertThat(AuditTrail.operation(grant("x", ACCESS_ROLE_READER))).isEqualTo("access.grant");
        assertThat(AuditTrail.operation(revoke("x", ""))).isEqualTo("access.revoke");
        assertThat(AuditTrail.operation(Entries.split(1, "m"))).isEqualTo("placement.split");
        assertThat(AuditTrail.operation(Entries.issueToken("t", 1))).isEqualTo("join_token.issued");
        assertThat(AuditTrail.operation(Entries.reassign(1, 1, "n1"))).isEqualTo("routing.reassign_shard");
        assertThat(AuditTrail.operation(Entries.sweep(1, "e", SweepVerdictProto.SWEEP_VERDICT_KEEP)))
                .isEqualTo("ghost.sweep");
        assertThat(AuditTrail.operation(Entries.edgeStats("n1", 1, 1))).isEqualTo("edge_cache.stats");
        assertThat(AuditTrail.operation(Entries.pauseScheduler("p"))).isEqualTo("scheduler_control.pause");
        assertThat(AuditTrail.operation(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 0, "")))
                .isEqualTo("migration_checkpoint");
        assertThat(AuditTrail.operation(Entries.abort(1, "x"))).isEqualTo("migration_abort");
        assertThat(AuditTrail.operation(Entries.catalogDdl("x"))).isEqualTo("catalog_ddl");
        assertThat(AuditTrail.operation(Entries.advertiseCapabilities("n1", new byte[0])))
                .isEqualTo("capability_advertisement");
        assertThat(AuditTrail.operation(Entries.batch(Entries.catalogDdl("x")))).isEqualTo("batch");
    }

    /** The hash as access.proto defines it, computed here independently of AuditChain. */
    private static ByteString expectedHash(ByteString previous, AuditRecord record) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(previous.toByteArray());
        sha.update(ByteBuffer.allocate(8).putLong(record.getIndex()).array());
        sha.update(ByteBuffer.allocate(8).putLong(record.getTimeMs()).array());
        for (String s : new String[] {record.getIdentity(), record.getOperation(), record.getOutcome()}) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
            sha.update(bytes);
        }
        return ByteString.copyFrom(sha.digest());
    }

    private static Replay withRecords() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("olga", ACCESS_ROLE_OPERATOR)));
        replay.applied(by("olga", ACCESS_ROLE_OPERATOR, Entries.split(1, "m")));
        replay.rejected(by("n1", ACCESS_ROLE_NODE, Entries.split(2, "t")), RejectCode.REJECT_PERMISSION_DENIED);
        replay.applied(by("zoë", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")));
        return replay;
    }

    @Test
    void theTrailChainsAsAccessProtoSaysAndVerifies() throws Exception {
        AuditTrail trail = withRecords().image().audit();
        List<AuditRecord> records = trail.list();

        assertThat(records).hasSize(4);
        ByteString previous = AuditChain.ZERO;
        for (AuditRecord record : records) {
            assertThat(record.getHash()).isEqualTo(expectedHash(previous, record));
            previous = record.getHash();
        }
        assertThat(trail.anchor()).isEqualTo(ByteString.copyFrom(new byte[32]));
        assertThat(trail.head()).isEqualTo(previous);
        assertThat(AuditChain.verify(trail.anchor(), records)).isEmpty();
        assertThat(trail.verify()).isEmpty();
        assertThat(trail.chainedTo(records.get(2).getIndex())).contains(records.get(1).getHash());
        assertThat(trail.chainedTo(records.get(0).getIndex())).contains(AuditChain.ZERO);
        assertThat(trail.since(records.get(2).getIndex())).containsExactly(records.get(2), records.get(3));
    }

    @Test
    void anEditedRecordBreaksTheChain() {
        List<AuditRecord> records = withRecords().image().audit().list();
        List<AuditRecord> tampered = new ArrayList<>(records);
        tampered.set(2, records.get(2).toBuilder().setIdentity("alice").build());

        assertThat(AuditChain.verify(AuditChain.ZERO, tampered)).contains("record at index "
                + records.get(2).getIndex() + " does not chain to the one before it");

        // Re-hashing the edited record only moves the break to the next one.
        tampered.set(2, AuditChain.chained(records.get(1).getHash(), tampered.get(2)));
        assertThat(AuditChain.verify(AuditChain.ZERO, tampered)).contains("record at index "
                + records.get(3).getIndex() + " does not chain to the one before it");

        List<AuditRecord> firstEdited = new ArrayList<>(records);
        firstEdited.set(0, records.get(0).toBuilder().setOutcome("REJECT_NOT_FOUND").build());
        assertThat(AuditChain.verify(AuditChain.ZERO, firstEdited)).contains("record at index "
                + records.get(0).getIndex() + " does not chain to the anchor");
    }

    @Test
    void aRecordDroppedFromTheMiddleOrMovedBreaksTheChain() {
        List<AuditRecord> records = withRecords().image().audit().list();

        List<AuditRecord> gap = new ArrayList<>(records);
        gap.remove(1);
        assertThat(AuditChain.verify(AuditChain.ZERO, gap)).contains("record at index "
                + records.get(2).getIndex() + " does not chain to the one before it");

        List<AuditRecord> swapped = new ArrayList<>(records);
        swapped.set(1, records.get(2));
        swapped.set(2, records.get(1));
        assertThat(AuditChain.verify(AuditChain.ZERO, swapped)).hasValueSatisfying(problem ->
                assertThat(problem).contains("record at index " + records.get(2).getIndex()));

        assertThat(AuditChain.verify(ByteString.copyFrom(new byte[31]), records))
                .contains("the anchor is 31 bytes; a hash of the audit chain is 32");
        assertThat(AuditChain.verify(records.get(0).getHash(), records.subList(1, 4))).isEmpty();
    }

    @Test
    void invariantsRefuseATrailThatDoesNotChain() {
        MetadataImage image = withRecords().image();
        AuditTrail trail = image.audit();
        List<AuditRecord> tampered = trail.list();
        tampered.set(1, tampered.get(1).toBuilder().setIdentity("mallory").build());

        Invariants.check(image);
        assertThatThrownBy(() -> Invariants.check(image.withAudit(AuditTrail.of(trail.anchor(), 0, tampered))))
                .isInstanceOf(InvariantViolation.class).hasMessageContaining("does not chain");
    }

    /** A trail of {@code count} records appended one by one, at indexes 1..count. */
    static AuditTrail appended(int count) {
        AuditTrail trail = AuditTrail.EMPTY;
        for (int i = 1; i <= count; i++) {
            trail = trail.appended(i, 1_000L + i, i % 3 == 0 ? "alice" : "n" + (i % 5), "placement.split",
                    i % 7 == 0 ? "REJECT_NOT_FOUND" : AuditTrail.APPLIED);
        }
        return trail;
    }

    @Test
    void theTrailKeepsTheNewest4096RecordsAndStillVerifiesFromItsAnchor() {
        AuditTrail full = appended(AuditTrail.MAX_RECORDS);
        AuditTrail over = appended(AuditTrail.MAX_RECORDS + 5);

        assertThat(full.records()).hasSize(AuditTrail.MAX_RECORDS);
        assertThat(full.dropped()).isZero();
        assertThat(full.anchor()).isEqualTo(AuditChain.ZERO);
        assertThat(over.records()).hasSize(AuditTrail.MAX_RECORDS);
        assertThat(over.dropped()).isEqualTo(5);
        assertThat(over.records().firstKey()).isEqualTo(6L);
        assertThat(over.records().lastKey()).isEqualTo(AuditTrail.MAX_RECORDS + 5L);
        // The anchor is the hash of the newest record dropped: record 5, as the full trail had it.
        assertThat(over.anchor()).isEqualTo(appended(5).head());
        assertThat(over.verify()).isEmpty();
        assertThat(AuditChain.verify(over.anchor(), over.list())).isEmpty();
        assertThat(over.records().get(6L)).isEqualTo(full.records().get(6L));
        // What the trail holds is what an unbounded chain holds from the anchor on.
        assertThat(over.chainedTo(6)).contains(over.anchor());

        MetadataImage image = MetadataImage.EMPTY.withProvenance(new Provenance(1, AuditTrail.MAX_RECORDS + 5, 0))
                .withAudit(over);
        Invariants.check(image);
    }

    @Test
    void recordsAreAppendedInLogOrderOnly() {
        AuditTrail trail = appended(3);

        assertThatThrownBy(() -> trail.appended(3, 0, "alice", "batch", AuditTrail.APPLIED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 3");
    }
}
