package io.meridian.core.access;

import static io.meridian.core.testing.Entries.by;
import static io.meridian.core.testing.Entries.grant;
import static io.meridian.core.testing.Entries.revoke;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_ADMIN;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_OPERATOR;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_READER;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_UNSPECIFIED;
import static io.meridian.proto.RejectCode.REJECT_CAPABILITY_GATED;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Area;
import io.meridian.core.Change;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryValidator;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessGrant;
import io.meridian.proto.MetadataEntry;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Access changes through the real applier: grants, revocations, self-lockout, validation, gating. */
@Timeout(60)
class AccessApplierTest {

    /** A three-node cluster at entry-format 6 whose administrator "alice" is bound to ADMIN. */
    static Replay trusted() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        replay.applied(grant("alice", ACCESS_ROLE_ADMIN));
        return replay;
    }

    private static AccessBinding binding(Replay replay, String identity) {
        return replay.image().access().binding(identity).orElseThrow();
    }

    @Test
    void aGrantBindsTheRoleAndRecordsTheIndexTimeAndCaller() {
        Replay replay = trusted();
        long time = replay.clockMs();

        Outcome.Applied applied = replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("bob", ACCESS_ROLE_OPERATOR)));

        assertThat(binding(replay, "bob")).isEqualTo(new AccessBinding("bob", ACCESS_ROLE_OPERATOR, false, "",
                replay.image().index(), time, "alice"));
        assertThat(applied.changes()).containsExactly(new Change(Area.ACCESS, "identity bob", "granted OPERATOR"));
    }

    @Test
    void aChangeWithoutACallerRecordsNoneAsItsAuthor() {
        Replay replay = trusted();

        assertThat(binding(replay, "alice").changedBy()).isEmpty();
        assertThat(binding(replay, "alice").role()).isEqualTo(ACCESS_ROLE_ADMIN);
    }

    @Test
    void aRevocationMarksTheIdentityRevokedAndALaterGrantClearsIt() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("bob", ACCESS_ROLE_OPERATOR)));

        Outcome.Applied revoked = replay.applied(by("alice", ACCESS_ROLE_ADMIN, revoke("bob", "left the team")));
        long revokedAt = replay.image().index();

        assertThat(binding(replay, "bob")).satisfies(b -> {
            assertThat(b.revoked()).isTrue();
            assertThat(b.role()).isEqualTo(ACCESS_ROLE_UNSPECIFIED);
            assertThat(b.reason()).isEqualTo("left the team");
            assertThat(b.index()).isEqualTo(revokedAt);
            assertThat(b.changedBy()).isEqualTo("alice");
        });
        assertThat(revoked.changes()).containsExactly(new Change(Area.ACCESS, "identity bob",
                "revoked (was OPERATOR): left the team"));

        Outcome.Applied granted = replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("bob", ACCESS_ROLE_READER)));

        assertThat(binding(replay, "bob")).satisfies(b -> {
            assertThat(b.revoked()).isFalse();
            assertThat(b.role()).isEqualTo(ACCESS_ROLE_READER);
            assertThat(b.reason()).isEmpty();
        });
        assertThat(granted.changes()).containsExactly(new Change(Area.ACCESS, "identity bob",
                "granted READER (was revoked)"));
    }

    @Test
    void anIdentityWithoutABindingCanBeRevoked() {
        // Revoking a certificate's identity cluster-wide is the point: no revocation list needed.
        Replay replay = trusted();

        replay.applied(by("alice", ACCESS_ROLE_ADMIN, revoke("mallory", "")));

        assertThat(binding(replay, "mallory").revoked()).isTrue();
        assertThat(replay.image().access().bindings().keySet()).containsExactly("alice", "mallory");
    }

    @Test
    void anAdministratorCannotRevokeOrDemoteItself() {
        Replay replay = trusted();
        MetadataImage before = replay.image();

        Rejection revokeSelf = replay.rejected(by("alice", ACCESS_ROLE_ADMIN, revoke("alice", "oops")),
                REJECT_INVALID_ARGUMENT);
        Rejection demoteSelf = replay.rejected(by("alice", ACCESS_ROLE_ADMIN, grant("alice", ACCESS_ROLE_OPERATOR)),
                REJECT_INVALID_ARGUMENT);

        assertThat(revokeSelf.message()).isEqualTo("identity alice cannot revoke or demote itself; another "
                + "administrator can");
        assertThat(demoteSelf.message()).isEqualTo(revokeSelf.message());
        assertThat(replay.image().access()).isEqualTo(before.access());
        // Granting itself ADMIN again demotes nothing.
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("alice", ACCESS_ROLE_ADMIN)));
    }

    @Test
    void anotherAdministratorCanDemoteOrRevokeAnAdministrator() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("carol", ACCESS_ROLE_ADMIN)));

        replay.applied(by("carol", ACCESS_ROLE_OPERATOR, grant("alice", ACCESS_ROLE_READER)));
        assertThat(binding(replay, "alice").role()).isEqualTo(ACCESS_ROLE_READER);

        replay.applied(by("carol", ACCESS_ROLE_OPERATOR, revoke("alice", "rotated")));
        assertThat(binding(replay, "alice").revoked()).isTrue();
    }

    @Test
    void theNodesOwnAccessChangesAreNotSelfChanges() {
        // Without a caller there is no "itself": the change is the node's, not an identity's.
        Replay replay = trusted();

        replay.applied(revoke("alice", "by the operator's console"));

        assertThat(binding(replay, "alice").revoked()).isTrue();
    }

    private static Optional<Rejection> validated(MetadataEntry entry) {
        return EntryValidator.validate(entry);
    }

    @Test
    void malformedAccessChangesAreRefusedBeforeTheLog() {
        assertThat(validated(grant("", ACCESS_ROLE_READER))).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("identity must be 1-128 characters, got 0"));
        assertThat(validated(grant("x".repeat(129), ACCESS_ROLE_READER))).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("identity must be 1-128 characters, got 129"));
        assertThat(validated(grant("x".repeat(128), ACCESS_ROLE_READER))).isEmpty();
        assertThat(validated(grant("bob\n", ACCESS_ROLE_READER))).hasValueSatisfying(r ->
                assertThat(r.message()).contains("'bob\\u000a'").contains("not printable (U+000A)"));
        assertThat(validated(grant("bob\u202e", ACCESS_ROLE_READER))).isPresent();
        assertThat(validated(grant(" bob", ACCESS_ROLE_READER))).hasValueSatisfying(r ->
                assertThat(r.message()).contains("starts or ends with a space"));
        assertThat(validated(grant("Zoë O'Brien (ops)", ACCESS_ROLE_READER))).isEmpty();
        assertThat(validated(grant("bob", ACCESS_ROLE_UNSPECIFIED))).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("a grant to bob names role ACCESS_ROLE_UNSPECIFIED; use READER, "
                        + "NODE, OPERATOR or ADMIN"));
        assertThat(validated(MetadataEntry.newBuilder().setAccess(AccessChange.newBuilder().setIdentity("bob")
                .setGrant(AccessGrant.newBuilder().setRoleValue(9))).build())).hasValueSatisfying(r ->
                assertThat(r.message()).contains("names role 9"));
        assertThat(validated(MetadataEntry.newBuilder().setAccess(AccessChange.newBuilder().setIdentity("bob"))
                .build())).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("access change for bob names neither a grant nor a revocation"));
        assertThat(validated(revoke("bob", "r".repeat(1025)))).isPresent();
        assertThat(validated(Entries.batch(Entries.catalogDdl("x"), grant("", ACCESS_ROLE_READER))))
                .hasValueSatisfying(r -> assertThat(r.batchEntry()).isEqualTo(1));
    }

    @Test
    void malformedCallersAreRefusedBeforeTheLog() {
        assertThat(validated(by("", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")))).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("caller identity must be 1-128 characters, got 0"));
        assertThat(validated(by("a\u0000b", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")))).isPresent();
        assertThat(validated(Entries.catalogDdl("x").toBuilder().setCaller(io.meridian.proto.Caller.newBuilder()
                .setIdentity("bob").setCertificateRoleValue(7)).build())).hasValueSatisfying(r ->
                assertThat(r.message()).isEqualTo("caller bob has certificate role 7, which is not a role"));
        // A certificate naming no role is a caller with no rights, not a malformed one.
        assertThat(validated(by("bob", ACCESS_ROLE_UNSPECIFIED, Entries.catalogDdl("x")))).isEmpty();
        assertThat(validated(Entries.batch(by("bob", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")))))
                .hasValueSatisfying(r -> assertThat(r.message()).isEqualTo("batch entry 0 of 1: a caller is named on "
                        + "the batch, never on the entries inside it"));
        assertThat(validated(by("bob", ACCESS_ROLE_ADMIN, Entries.batch(Entries.catalogDdl("x"))))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 5})
    void accessChangesAreRefusedBeforeTheLogBelowEntryFormat6(long format) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        int logged = replay.log().size();

        Rejection gated = replay.rejected(grant("alice", ACCESS_ROLE_ADMIN), REJECT_CAPABILITY_GATED);

        assertThat(gated.message()).startsWith("access bindings, callers checked at apply and the audit trail need "
                + "meridian.entry-format >= 6; the cluster is at " + format);
        assertThat(replay.log()).hasSize(logged);
        assertThat(replay.image().access().isEmpty()).isTrue();
        assertThat(CapabilityGate.requirement(grant("alice", ACCESS_ROLE_ADMIN))).isEqualTo(CapabilityGate.TRUST);
        assertThat(CapabilityGate.requirement(Entries.batch(Entries.catalogDdl("x"), revoke("bob", ""))))
                .isEqualTo(CapabilityGate.TRUST);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void anAccessChangeStampedBelowEntryFormat6IsRefusedAtApplyOnEveryReplica(int stamped) {
        // Written by another release's leader, or forged: the log holds it, and every replica refuses it alike.
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        MetadataImage before = replay.image();

        ApplyResult result = replay.logged(grant("alice", ACCESS_ROLE_ADMIN).toBuilder().setEntryFormat(stamped)
                .build());

        assertThat(result.rejected()).isTrue();
        Rejection rejection = ((Outcome.Rejected) result.outcome()).rejection();
        assertThat(rejection.code()).isEqualTo(REJECT_CAPABILITY_GATED);
        assertThat(rejection.message()).isEqualTo("access bindings, callers checked at apply and the audit trail "
                + "need meridian.entry-format >= 6; the entry was admitted below it");
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 5})
    void belowEntryFormat6TheLeaderLeavesTheCallerOut(long format) {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        if (format > 1) {
            replay.atEntryFormat(format);
        }
        MetadataEntry entry = by("bob", ACCESS_ROLE_READER, Entries.catalogDdl("x"));

        assertThat(CapabilityGate.adapt(replay.image().capabilities(), entry, Replay.START_MS).hasCaller()).isFalse();

        // Applied unchecked, as the node's own proposals are: a READER could not have written it at 6.
        replay.applied(entry);
        assertThat(replay.log().get(replay.log().size() - 1).hasCaller()).isFalse();
        assertThat(replay.image().audit().isEmpty()).isTrue();
    }

    @Test
    void fromEntryFormat6TheLeaderKeepsTheCaller() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        MetadataEntry entry = by("bob", ACCESS_ROLE_OPERATOR, Entries.catalogDdl("x"));

        MetadataEntry adapted = CapabilityGate.adapt(replay.image().capabilities(), entry, Replay.START_MS);

        assertThat(adapted.getCaller()).isEqualTo(entry.getCaller());
        assertThat(adapted.getEntryFormat()).isEqualTo(6);
    }

    @Test
    void aCallerOnAnEntryStampedBelowEntryFormat6IsIgnoredAtApply() {
        Replay replay = trusted();
        replay.applied(revoke("bob", "gone"));
        // Stamped 5 (admitted before the upgrade): the rules of 5 have no callers.
        MetadataEntry stamped5 = by("bob", ACCESS_ROLE_OPERATOR, Entries.catalogDdl("x")).toBuilder()
                .setEntryFormat(5).build();

        assertThat(replay.logged(stamped5).applied()).isTrue();
        assertThat(replay.image().audit().isEmpty()).isTrue();
    }
}
