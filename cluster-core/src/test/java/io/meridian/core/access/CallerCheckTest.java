package io.meridian.core.access;

import static io.meridian.core.testing.Entries.by;
import static io.meridian.core.testing.Entries.grant;
import static io.meridian.core.testing.Entries.revoke;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_ADMIN;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_NODE;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_OPERATOR;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_READER;
import static io.meridian.proto.AccessRole.ACCESS_ROLE_UNSPECIFIED;
import static io.meridian.proto.RejectCode.REJECT_PERMISSION_DENIED;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.Outcome;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.session.ClientId;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Caller;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationPhaseProto;
import io.meridian.proto.RequestId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The check of an entry's caller at apply (entry-format 6), and the policy it applies. */
@Timeout(60)
class CallerCheckTest {

    private static final byte[] FORMAT_6 = Entries.capabilities("meridian.entry-format",
            new long[] {1, 2, 3, 4, 5, 6});

    private static Replay trusted() {
        return AccessApplierTest.trusted();
    }

    private static Caller caller(String identity, AccessRole certificateRole) {
        return Caller.newBuilder().setIdentity(identity).setCertificateRole(certificateRole).build();
    }

    @Test
    void aRevokedIdentityIsRefusedWhateverItsCertificateSaysAndNothingChanges() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, revoke("bob", "left the team")));
        long revokedAt = replay.image().index();
        MetadataImage before = replay.image();

        Rejection refused = replay.rejected(by("bob", ACCESS_ROLE_ADMIN, Entries.split(1, "m")),
                REJECT_PERMISSION_DENIED);

        assertThat(refused.message()).isEqualTo("identity bob was revoked at index " + revokedAt
                + " (left the team)");
        assertThat(replay.image().routing()).isEqualTo(before.routing());
        assertThat(replay.image().withProvenance(before.provenance()).withAudit(before.audit())).isEqualTo(before);
    }

    @Test
    void aRevocationWithoutAReasonSaysSo() {
        Replay replay = trusted();
        replay.applied(revoke("bob", ""));

        assertThat(replay.rejected(by("bob", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")), REJECT_PERMISSION_DENIED)
                .message()).endsWith("(no reason given)");
    }

    @Test
    void anIdentityDemotedBelowWhatTheEntryNeedsIsRefused() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("bob", ACCESS_ROLE_READER)));

        Rejection refused = replay.rejected(by("bob", ACCESS_ROLE_OPERATOR, Entries.startDecommission("n3", false)),
                REJECT_PERMISSION_DENIED);

        assertThat(refused.message()).isEqualTo("identity bob has role READER; topology.start_decommission needs "
                + "OPERATOR");
        assertThat(replay.image().topology().node("n3").orElseThrow().state().name()).isEqualTo("ACTIVE");
    }

    @Test
    void withoutABindingTheCertificatesRoleCounts() {
        Replay replay = trusted();

        // NODE: a node's own reports, nothing more.
        replay.applied(by("n1", ACCESS_ROLE_NODE, Entries.advertiseCapabilities("n1", FORMAT_6)));
        replay.applied(by("n1", ACCESS_ROLE_NODE, Entries.advertise("n1", "0.1.0", FORMAT_6)));
        assertThat(replay.rejected(by("n1", ACCESS_ROLE_NODE, Entries.split(1, "m")), REJECT_PERMISSION_DENIED)
                .message()).isEqualTo("identity n1 has role NODE; placement.split needs OPERATOR");
        // OPERATOR: the rest, but not access.
        replay.applied(by("olga", ACCESS_ROLE_OPERATOR, Entries.split(1, "m")));
        assertThat(replay.rejected(by("olga", ACCESS_ROLE_OPERATOR, grant("olga", ACCESS_ROLE_ADMIN)),
                REJECT_PERMISSION_DENIED).message()).isEqualTo("identity olga has role OPERATOR; access.grant needs "
                        + "ADMIN");
        // A certificate that names no role allows nothing.
        assertThat(replay.rejected(by("anon", ACCESS_ROLE_UNSPECIFIED, Entries.advertiseCapabilities("n1", FORMAT_6)),
                REJECT_PERMISSION_DENIED).message()).isEqualTo("identity anon has no role; capability_advertisement "
                        + "needs NODE");
        // READER writes nothing.
        assertThat(replay.rejected(by("rita", ACCESS_ROLE_READER, Entries.catalogDdl("x")), REJECT_PERMISSION_DENIED)
                .message()).isEqualTo("identity rita has role READER; catalog_ddl needs OPERATOR");
    }

    @Test
    void aBindingOverridesTheCertificatesRoleUpwardToo() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("rita", ACCESS_ROLE_OPERATOR)));

        replay.applied(by("rita", ACCESS_ROLE_READER, Entries.split(1, "m")));

        assertThat(replay.image().routing().shards()).hasSize(2);
        assertThat(AccessPolicy.effectiveRole(replay.image().access(), caller("rita", ACCESS_ROLE_READER)))
                .isEqualTo(new AccessPolicy.Held(ACCESS_ROLE_OPERATOR, true));
    }

    @Test
    void entriesWithoutACallerAreTheNodesOwnAndAreNotChecked() {
        Replay replay = trusted();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("carol", ACCESS_ROLE_ADMIN)));
        replay.applied(by("carol", ACCESS_ROLE_ADMIN, revoke("alice", "")));

        replay.applied(Entries.split(1, "m"));
        replay.applied(Entries.catalogDdl("x"));

        assertThat(replay.image().routing().shards()).hasSize(2);
    }

    @Test
    void aBatchNeedsTheMostAnyOfItsEntriesNeeds() {
        Replay replay = trusted();
        MetadataEntry nodeReports = Entries.batch(Entries.advertiseCapabilities("n1", FORMAT_6),
                Entries.edgeStats("n1", 0, 0));
        MetadataEntry withAccess = Entries.batch(Entries.catalogDdl("x"), grant("olga", ACCESS_ROLE_ADMIN));

        assertThat(AccessPolicy.required(nodeReports)).isEqualTo(ACCESS_ROLE_NODE);
        assertThat(AccessPolicy.required(withAccess)).isEqualTo(ACCESS_ROLE_ADMIN);
        assertThat(replay.rejected(by("olga", ACCESS_ROLE_OPERATOR, withAccess), REJECT_PERMISSION_DENIED).message())
                .isEqualTo("identity olga has role OPERATOR; batch (entry 1: access.grant) needs ADMIN");
        assertThat(replay.image().catalog().version()).isZero();
        assertThat(replay.rejected(by("n1", ACCESS_ROLE_NODE, Entries.batch(Entries.edgeStats("n1", 0, 0),
                Entries.catalogDdl("x"))), REJECT_PERMISSION_DENIED).message())
                .isEqualTo("identity n1 has role NODE; batch (entry 1: catalog_ddl) needs OPERATOR");
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, withAccess));
        assertThat(replay.image().access().binding("olga")).isPresent();
    }

    @Test
    void theCheckIsKeyedOnTheStampedFormatNotTheClusters() {
        // Admitted at 6, applied after a member without 6 joined: still checked, as on every replica.
        Replay replay = trusted();
        replay.applied(revoke("bob", "gone"));
        replay.applied(Entries.join("n4"));
        assertThat(CapabilityGate.value(replay.image().capabilities(), "meridian.entry-format")).isLessThan(6);
        MetadataEntry stamped = by("bob", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x")).toBuilder().setEntryFormat(6)
                .build();

        ApplyResult result = replay.logged(stamped);

        assertThat(((Outcome.Rejected) result.outcome()).rejection().code()).isEqualTo(REJECT_PERMISSION_DENIED);
    }

    private static MetadataEntry request(MetadataEntry entry, long sequence) {
        byte[] client = new byte[ClientId.LENGTH];
        client[15] = 7;
        return entry.toBuilder().setRequest(RequestId.newBuilder().setClientId(ByteString.copyFrom(client))
                .setSequence(sequence).setLowestUnanswered(1)).build();
    }

    @Test
    void aCopyOfAnAppliedRequestGetsItsFirstOutcomeEvenAfterItsCallerWasRevoked() {
        Replay replay = trusted();
        MetadataEntry split = request(by("bob", ACCESS_ROLE_OPERATOR, Entries.split(1, "m")), 1);
        Outcome first = replay.apply(split).outcome();
        long appliedAt = replay.image().index();
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, revoke("bob", "left")));
        int records = replay.image().audit().records().size();

        Outcome again = replay.apply(split).outcome();

        assertThat(first).isInstanceOf(Outcome.Applied.class);
        assertThat(again).isInstanceOfSatisfying(Outcome.Repeated.class, repeated -> {
            assertThat(repeated.first().hasApplied()).isTrue();
            assertThat(repeated.first().getIndex()).isEqualTo(appliedAt);
        });
        assertThat(replay.image().routing().shards()).hasSize(2);
        // Answered from the session table: not recorded again.
        assertThat(replay.image().audit().records()).hasSize(records);
    }

    @Test
    void aRefusalIsTheFirstOutcomeThatCopiesOfTheRequestGet() {
        Replay replay = trusted();
        MetadataEntry split = request(by("bob", ACCESS_ROLE_READER, Entries.split(1, "m")), 1);
        replay.rejected(split, REJECT_PERMISSION_DENIED);
        replay.applied(by("alice", ACCESS_ROLE_ADMIN, grant("bob", ACCESS_ROLE_OPERATOR)));

        Outcome again = replay.apply(split).outcome();

        // Exactly once: the request was answered, and is not applied later by a copy.
        assertThat(again).isInstanceOfSatisfying(Outcome.Repeated.class, repeated ->
                assertThat(repeated.first().getRejection().getCode()).isEqualTo(REJECT_PERMISSION_DENIED));
        assertThat(replay.image().routing().shards()).hasSize(1);
    }

    @Test
    void rolesAreOrderedAndUnspecifiedAllowsNothing() {
        AccessRole[] order = {ACCESS_ROLE_READER, ACCESS_ROLE_NODE, ACCESS_ROLE_OPERATOR, ACCESS_ROLE_ADMIN};
        for (int have = 0; have < order.length; have++) {
            for (int need = 0; need < order.length; need++) {
                assertThat(AccessPolicy.allows(order[have], order[need])).as("%s for %s", order[have], order[need])
                        .isEqualTo(have >= need);
            }
            assertThat(AccessPolicy.allows(ACCESS_ROLE_UNSPECIFIED, order[have])).isFalse();
            assertThat(AccessPolicy.allows(AccessRole.UNRECOGNIZED, order[have])).isFalse();
            assertThat(AccessPolicy.allows(order[have], ACCESS_ROLE_UNSPECIFIED)).isFalse();
        }
    }

    @Test
    void eachKindOfEntryNeedsItsRole() {
        assertThat(AccessPolicy.required(grant("x", ACCESS_ROLE_READER))).isEqualTo(ACCESS_ROLE_ADMIN);
        assertThat(AccessPolicy.required(revoke("x", ""))).isEqualTo(ACCESS_ROLE_ADMIN);
        assertThat(AccessPolicy.required(Entries.checkpoint(1, MigrationPhaseProto.MIGRATION_PHASE_COPYING, 0, "")))
                .isEqualTo(ACCESS_ROLE_NODE);
        assertThat(AccessPolicy.required(Entries.advertiseCapabilities("n1", FORMAT_6))).isEqualTo(ACCESS_ROLE_NODE);
        assertThat(AccessPolicy.required(Entries.advertise("n1", "0.1.0", FORMAT_6))).isEqualTo(ACCESS_ROLE_NODE);
        assertThat(AccessPolicy.required(Entries.edgeStats("n1", 1, 1))).isEqualTo(ACCESS_ROLE_NODE);
        for (MetadataEntry entry : new MetadataEntry[] {Entries.enableEdgeCache("n1", 1, 1, 1, "eu"),
            Entries.join("n4"), Entries.startDecommission("n1", false), Entries.split(1, "m"),
            Entries.reassign(1, 1, "n1"), Entries.abort(1, "x"), Entries.issueToken("t", 1), Entries.incref(1, "e"),
            Entries.pauseScheduler("p"), Entries.catalogDdl("x"), MetadataEntry.getDefaultInstance()}) {
            assertThat(AccessPolicy.required(entry)).as(entry.toString()).isEqualTo(ACCESS_ROLE_OPERATOR);
        }
    }

    @Test
    void theEffectiveRoleIsTheBindingsElseTheCertificates() {
        AccessTable table = AccessTable.EMPTY
                .with(AccessBinding.granted("rita", ACCESS_ROLE_OPERATOR, 3, 10, "alice"))
                .with(AccessBinding.revoked("bob", "left", 4, 11, "alice"));

        assertThat(AccessPolicy.effectiveRole(table, caller("carl", ACCESS_ROLE_NODE)))
                .isEqualTo(new AccessPolicy.Held(ACCESS_ROLE_NODE, false));
        assertThat(AccessPolicy.effectiveRole(table, caller("rita", ACCESS_ROLE_ADMIN)))
                .isEqualTo(new AccessPolicy.Held(ACCESS_ROLE_OPERATOR, true));
        assertThat(AccessPolicy.effectiveRole(table, caller("bob", ACCESS_ROLE_ADMIN)))
                .isEqualTo(new AccessPolicy.Revoked(table.binding("bob").orElseThrow()));
        assertThat(AccessPolicy.check(table, caller("rita", ACCESS_ROLE_READER), Entries.split(1, "m"))).isEmpty();
    }

    @Test
    void theApplierAndThePolicyAgree() {
        // The API layer calls AccessPolicy.check before the log: the same answer as apply's.
        Replay replay = trusted();
        replay.applied(revoke("bob", "left"));
        MetadataEntry entry = by("bob", ACCESS_ROLE_ADMIN, Entries.catalogDdl("x"));
        java.util.Optional<Rejection> before = AccessPolicy.check(replay.image().access(), entry.getCaller(), entry);

        Rejection atApply = replay.rejected(entry, REJECT_PERMISSION_DENIED);

        assertThat(before).contains(atApply);
    }
}
