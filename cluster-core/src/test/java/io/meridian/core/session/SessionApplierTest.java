package io.meridian.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RequestId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The exactly-once rules of client sessions, through the real applier. */
@Timeout(60)
class SessionApplierTest {

    private static final ByteString CLIENT_A = client(1);
    private static final ByteString CLIENT_B = client(2);

    private static ByteString client(int n) {
        byte[] id = new byte[ClientId.LENGTH];
        id[15] = (byte) n;
        return ByteString.copyFrom(id);
    }

    /** A cluster whose members all advertise this build's capabilities: entry-format 4. */
    static Replay atEntryFormat4() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        byte[] local = CapabilityCatalog.localAdvertisement().encode();
        for (String node : new String[] {"n1", "n2", "n3"}) {
            replay.applied(Entries.advertiseCapabilities(node, local));
        }
        return replay;
    }

    static MetadataEntry as(MetadataEntry entry, ByteString client, long sequence, long lowestUnanswered) {
        return entry.toBuilder().setRequest(RequestId.newBuilder().setClientId(client).setSequence(sequence)
                .setLowestUnanswered(lowestUnanswered)).build();
    }

    @Test
    void aRepeatedRequestIsAnsweredWithTheFirstOutcomeAndChangesNothing() {
        Replay replay = atEntryFormat4();
        ApplyResult first = replay.apply(as(Entries.catalogDdl("create table t"), CLIENT_A, 1, 1));
        long firstIndex = replay.image().index();
        replay.applied(Entries.catalogDdl("something else"));

        ApplyResult again = replay.apply(as(Entries.catalogDdl("create table t"), CLIENT_A, 1, 1));

        assertThat(first.outcome()).isInstanceOf(Outcome.Applied.class);
        assertThat(again.outcome()).isInstanceOf(Outcome.Repeated.class);
        EntryOutcome answer = ((Outcome.Repeated) again.outcome()).first();
        assertThat(answer.getIndex()).isEqualTo(firstIndex);
        assertThat(answer.getApplied().getChangesList()).singleElement()
                .satisfies(change -> assertThat(change.getDescription()).startsWith("version 1: "));
        assertThat(replay.image().catalog().version()).isEqualTo(2);
    }

    @Test
    void aRejectedRequestIsAnsweredWithTheSameRejectionWhenRepeated() {
        Replay replay = atEntryFormat4();
        Outcome first = replay.apply(as(Entries.split(42, "m"), CLIENT_A, 1, 1)).outcome();
        replay.applied(Entries.split(1, "m"));

        Outcome again = replay.apply(as(Entries.split(42, "m"), CLIENT_A, 1, 1)).outcome();

        assertThat(first).isInstanceOf(Outcome.Rejected.class);
        assertThat(((Outcome.Repeated) again).first().getRejection().getCode()).isEqualTo(RejectCode.REJECT_NOT_FOUND);
    }

    @Test
    void requestsOfOneSessionApplyInAnyOrderAndEachOnce() {
        Replay replay = atEntryFormat4();
        replay.applied(as(Entries.catalogDdl("b"), CLIENT_A, 2, 1));
        replay.applied(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1));
        replay.applied(as(Entries.catalogDdl("c"), CLIENT_B, 1, 1));

        assertThat(replay.apply(as(Entries.catalogDdl("b"), CLIENT_A, 2, 1)).outcome())
                .isInstanceOf(Outcome.Repeated.class);
        assertThat(replay.image().catalog().version()).isEqualTo(3);
        assertThat(replay.image().sessions().sessions()).hasSize(2);
    }

    @Test
    void requestsBelowTheLowestUnansweredAreRetiredAndTheirOutcomesForgotten() {
        Replay replay = atEntryFormat4();
        replay.applied(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1));
        replay.applied(as(Entries.catalogDdl("b"), CLIENT_A, 2, 2));

        Outcome late = replay.apply(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1)).outcome();

        assertThat(((Outcome.Rejected) late).rejection().code()).isEqualTo(RejectCode.REJECT_REQUEST_RETIRED);
        Session session = replay.image().sessions().session(ClientId.of(CLIENT_A).orElseThrow()).orElseThrow();
        assertThat(session.outcomes().keySet()).containsExactly(2L);
        assertThat(replay.image().catalog().version()).isEqualTo(2);
    }

    @Test
    void anUnknownSessionThatHadAnswersIsRefusedAsExpiredAndAFreshOneOpens() {
        Replay replay = atEntryFormat4();

        Outcome stale = replay.apply(as(Entries.catalogDdl("a"), CLIENT_A, 5, 5)).outcome();
        Outcome fresh = replay.apply(as(Entries.catalogDdl("a"), CLIENT_B, 5, 1)).outcome();

        assertThat(((Outcome.Rejected) stale).rejection().code()).isEqualTo(RejectCode.REJECT_SESSION_EXPIRED);
        assertThat(fresh).isInstanceOf(Outcome.Applied.class);
        assertThat(replay.image().catalog().version()).isEqualTo(1);
    }

    @Test
    void aSessionIdleForAnHourOfLogicalTimeExpires() {
        Replay replay = atEntryFormat4();
        replay.applied(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1));
        replay.advance(SessionsImage.SESSION_TTL_MS - 10);
        replay.applied(as(Entries.catalogDdl("b"), CLIENT_B, 1, 1));
        assertThat(replay.image().sessions().sessions()).hasSize(2);

        replay.advance(20);
        replay.applied(Entries.catalogDdl("c"));

        assertThat(replay.image().sessions().sessions().keySet()).containsExactly(ClientId.of(CLIENT_B).orElseThrow());
    }

    @Test
    void aSessionKeepsABoundedNumberOfOutcomesAndRetiresTheOldest() {
        Replay replay = atEntryFormat4();
        int count = SessionsImage.MAX_OUTCOMES_PER_SESSION + 3;
        for (int i = 1; i <= count; i++) {
            replay.applied(as(Entries.catalogDdl("x" + i), CLIENT_A, i, 1));
        }

        Session session = replay.image().sessions().session(ClientId.of(CLIENT_A).orElseThrow()).orElseThrow();
        assertThat(session.outcomes()).hasSize(SessionsImage.MAX_OUTCOMES_PER_SESSION);
        assertThat(session.lowestUnanswered()).isEqualTo(4);
        assertThat(((Outcome.Rejected) replay.apply(as(Entries.catalogDdl("x1"), CLIENT_A, 1, 1)).outcome())
                .rejection().code()).isEqualTo(RejectCode.REJECT_REQUEST_RETIRED);
    }

    @Test
    void theTableEvictsTheSessionsIdleTheLongestBeyondItsOutcomeBound() {
        SessionsImage table = SessionsImage.EMPTY;
        long now = 1_000;
        int sessions = (int) (SessionsImage.MAX_OUTCOMES / SessionsImage.MAX_OUTCOMES_PER_SESSION) + 2;
        EntryOutcome outcome = EntryOutcome.newBuilder().setIndex(1).setTerm(1).build();
        for (int s = 0; s < sessions; s++) {
            byte[] bytes = new byte[ClientId.LENGTH];
            bytes[0] = (byte) (s >> 8);
            bytes[1] = (byte) s;
            for (int q = 1; q <= SessionsImage.MAX_OUTCOMES_PER_SESSION; q++) {
                table = SessionApplier.recorded(table, RequestId.newBuilder().setClientId(ByteString.copyFrom(bytes))
                        .setSequence(q).setLowestUnanswered(1).build(), outcome, now + s);
            }
            table = SessionApplier.expired(table, now + s);
        }

        assertThat(table.outcomeCount()).isLessThanOrEqualTo(SessionsImage.MAX_OUTCOMES);
        assertThat(table.sessions()).hasSize(sessions - 2);
        assertThat(table.byActivity().first().lastActiveMs()).isEqualTo(now + 2);
    }

    @Test
    void aMalformedIdentityIsRefusedBeforeTheLog() {
        Replay replay = atEntryFormat4();
        int logged = replay.log().size();

        replay.rejected(as(Entries.catalogDdl("a"), ByteString.copyFromUtf8("short"), 1, 1),
                RejectCode.REJECT_INVALID_ARGUMENT);
        replay.rejected(as(Entries.catalogDdl("a"), CLIENT_A, 0, 0), RejectCode.REJECT_INVALID_ARGUMENT);
        replay.rejected(as(Entries.catalogDdl("a"), CLIENT_A, 3, 4), RejectCode.REJECT_INVALID_ARGUMENT);

        assertThat(replay.log()).hasSize(logged);
    }

    @Test
    void belowEntryFormat4TheLeaderLeavesTheIdentityOut() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1));
        Outcome again = replay.apply(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1)).outcome();

        assertThat(replay.log().get(replay.log().size() - 1).hasRequest()).isFalse();
        assertThat(again).isInstanceOf(Outcome.Applied.class);
        assertThat(replay.image().sessions().sessions()).isEmpty();
    }

    @Test
    void snapshotsKeepTheSessionTable() throws Exception {
        Replay replay = atEntryFormat4();
        replay.applied(as(Entries.catalogDdl("a"), CLIENT_A, 1, 1));
        replay.apply(as(Entries.split(42, "m"), CLIENT_B, 7, 1));

        MetadataImage restored = SnapshotCodec.fromBytes(SnapshotCodec.toBytes(replay.image()));

        assertThat(restored).isEqualTo(replay.image());
        assertThat(restored.sessions().outcomeCount()).isEqualTo(2);
    }
}
