package io.meridian.core.token;

import static io.meridian.core.testing.Entries.batch;
import static io.meridian.core.testing.Entries.consumeToken;
import static io.meridian.core.testing.Entries.expireToken;
import static io.meridian.core.testing.Entries.issueToken;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.labels;
import static io.meridian.core.testing.Entries.revokeToken;
import static io.meridian.core.testing.Entries.tokenHash;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS;
import static io.meridian.proto.RejectCode.REJECT_ILLEGAL_TRANSITION;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_BINDING;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_EXPIRED;
import static io.meridian.proto.RejectCode.REJECT_TOKEN_USED;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.core.Rejection;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.RaftRole;
import io.meridian.proto.JoinTokenTransition;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.TokenConsumed;
import io.meridian.proto.TokenIssued;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JoinTokenApplierTest {

    private static final String TOKEN = "mrdn_3f9a1c77e2b04d58a6c1b2d3e4f50617283940a1b2c3d4e5f60718293a4b5c6d";
    private static final long HOUR = 3_600_000L;

    private static Replay withToken() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(issueToken(TOKEN, replay.clockMs() + HOUR));
        return replay;
    }

    private static JoinToken token(Replay replay) {
        return replay.image().joinTokens().token(TokenHash.of(tokenHash(TOKEN))).orElseThrow();
    }

    @Test
    void onlyTheHashOfATokenIsEverHeld() {
        Replay replay = withToken();

        assertThat(token(replay).state()).isEqualTo(TokenState.ISSUED);
        String snapshot = new String(SnapshotCodec.toBytes(replay.image()), StandardCharsets.ISO_8859_1);
        assertThat(snapshot).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(5, 30));
        for (MetadataEntry entry : replay.log()) {
            assertThat(new String(entry.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN);
        }
    }

    @Test
    void consumingATokenJoinsTheNodeInOneBatch() {
        Replay replay = withToken();

        replay.applied(batch(consumeToken(TOKEN, "n4"), join("n4")));

        assertThat(token(replay).state()).isEqualTo(TokenState.CONSUMED);
        assertThat(token(replay).consumedBy()).isEqualTo("n4");
        assertThat(replay.image().topology().node("n4")).isPresent();
    }

    @Test
    void aBatchThatCannotJoinTheNodeDoesNotConsumeTheToken() {
        Replay replay = withToken();

        replay.rejected(batch(consumeToken(TOKEN, "n2"), join("n2")),
                io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS);

        assertThat(token(replay).state()).isEqualTo(TokenState.ISSUED);
    }

    @Test
    void aConsumedTokenCannotBeReplayed() {
        Replay replay = withToken();
        replay.applied(batch(consumeToken(TOKEN, "n4"), join("n4")));

        Rejection rejection = replay.rejected(batch(consumeToken(TOKEN, "n5"), join("n5")), REJECT_TOKEN_USED);

        assertThat(rejection.message()).contains("CONSUMED").doesNotContain(TOKEN);
        assertThat(replay.image().topology().node("n5")).isEmpty();
    }

    @Test
    void anExpiredTokenIsRefusedByLogicalTime() {
        Replay replay = withToken();
        replay.advance(HOUR);

        assertThat(replay.rejected(consumeToken(TOKEN, "n4"), REJECT_TOKEN_EXPIRED).message()).contains("expired at");
    }

    @Test
    void expiryIsRecordedOnlyOnceTheExpiryHasPassed() {
        Replay replay = withToken();

        replay.rejected(expireToken(TOKEN), REJECT_ILLEGAL_TRANSITION);
        replay.advance(HOUR);
        replay.applied(expireToken(TOKEN));

        assertThat(token(replay).state()).isEqualTo(TokenState.EXPIRED);
        replay.rejected(consumeToken(TOKEN, "n4"), REJECT_TOKEN_USED);
    }

    @Test
    void aRevokedTokenIsRefused() {
        Replay replay = withToken();
        replay.applied(revokeToken(TOKEN));

        assertThat(token(replay).state()).isEqualTo(TokenState.REVOKED);
        assertThat(token(replay).revokeReason()).isEqualTo("operator revoked it");
        replay.rejected(consumeToken(TOKEN, "n4"), REJECT_TOKEN_USED);
        replay.rejected(revokeToken(TOKEN), REJECT_TOKEN_USED);
    }

    @Test
    void anUnknownTokenIsRefused() {
        withToken().rejected(consumeToken("never-issued", "n4"), REJECT_NOT_FOUND);
    }

    @Test
    void aBoundTokenIsConsumedOnlyByANodePresentingItsRoleAndLabels() {
        Replay replay = Replay.bootstrapped("n1");
        replay.applied(issueToken(TOKEN, TokenIssued.newBuilder().setExpiresAtMs(replay.clockMs() + HOUR)
                .setBoundRole(RaftRoleProto.RAFT_ROLE_LEARNER).addAllBoundLabels(labels("geo", "eu"))));
        assertThat(token(replay).boundRole()).contains(RaftRole.LEARNER);

        Rejection role = replay.rejected(consumeToken(TOKEN, TokenConsumed.newBuilder().setNodeId("n4")
                .setPresentedRole(RaftRoleProto.RAFT_ROLE_VOTER).addAllPresentedLabels(labels("geo", "eu"))),
                REJECT_TOKEN_BINDING);
        assertThat(role.message()).contains("bound to role LEARNER");
        Rejection label = replay.rejected(consumeToken(TOKEN, TokenConsumed.newBuilder().setNodeId("n4")
                .setPresentedRole(RaftRoleProto.RAFT_ROLE_LEARNER).addAllPresentedLabels(labels("geo", "us"))),
                REJECT_TOKEN_BINDING);
        assertThat(label.message()).contains("geo=eu").contains("geo=us");

        replay.applied(consumeToken(TOKEN, TokenConsumed.newBuilder().setNodeId("n4")
                .setPresentedRole(RaftRoleProto.RAFT_ROLE_LEARNER).addAllPresentedLabels(labels("geo", "eu", "zone",
                        "a"))));
        assertThat(token(replay).state()).isEqualTo(TokenState.CONSUMED);
    }

    @Test
    void issuingChecksTheHashAndTheExpiry() {
        Replay replay = withToken();

        replay.rejected(issueToken(TOKEN, replay.clockMs() + HOUR), REJECT_ALREADY_EXISTS);
        replay.rejected(issueToken("other", replay.clockMs() - 1), REJECT_INVALID_ARGUMENT);
        replay.rejected(MetadataEntry.newBuilder().setJoinToken(JoinTokenTransition.newBuilder()
                .setTokenHash(ByteString.copyFromUtf8("plaintext-token")).setIssued(TokenIssued.newBuilder()
                        .setExpiresAtMs(replay.clockMs() + HOUR))).build(), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void tokensAreFoundByHexPrefix() {
        Replay replay = withToken();
        String hex = TokenHash.of(tokenHash(TOKEN)).hex();

        assertThat(replay.image().joinTokens().withHexPrefix(hex.substring(0, 6))).hasSize(1);
        assertThat(replay.image().joinTokens().withHexPrefix("zz")).isEmpty();
        assertThat(token(replay).hash().shortHex()).isEqualTo(hex.substring(0, 12));
    }
}
