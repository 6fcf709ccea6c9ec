package io.meridian.core.catalog;

import static io.meridian.core.testing.Entries.catalogDdl;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.testing.Replay;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.MetadataEntry;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CatalogApplierTest {

    @Test
    void catalogDdlIsKeptInOrderAlongsideTopologyChanges() {
        Replay replay = Replay.bootstrapped("n1");

        replay.applied(catalogDdl("CREATE TABLE users (id INT)"));
        replay.applied(join("n7"));
        replay.applied(catalogDdl("CREATE INDEX users_id ON users (id)"));

        CatalogImage catalog = replay.image().catalog();
        assertThat(catalog.version()).isEqualTo(2);
        assertThat(catalog.entry(1).orElseThrow().payload().toString(StandardCharsets.UTF_8))
                .isEqualTo("CREATE TABLE users (id INT)");
        assertThat(catalog.entry(1).orElseThrow().appliedIndex()).isEqualTo(2);
        assertThat(catalog.entry(2).orElseThrow().appliedIndex()).isEqualTo(4);
        assertThat(replay.image().topology().nodes()).containsKey("n7");
    }

    @Test
    void emptyOrOversizedDdlIsRefused() {
        Replay replay = new Replay();

        replay.rejected(catalogDdl(""), REJECT_INVALID_ARGUMENT);
        replay.rejected(MetadataEntry.newBuilder().setCatalogDdl(CatalogDdl.newBuilder()
                .setPayload(ByteString.copyFrom(new byte[CatalogApplier.MAX_PAYLOAD_BYTES + 1]))).build(),
                REJECT_INVALID_ARGUMENT);
    }

    @Test
    void thePluggedHandlerJudgesTheDdl() {
        MetadataApplier applier = new MetadataApplier((catalog, payload) ->
                payload.toStringUtf8().startsWith("DROP") ? Optional.of("drops are not allowed") : Optional.empty());

        ApplyResult refused = applier.apply(MetadataImage.EMPTY, new EntryContext(1, 1), catalogDdl("DROP TABLE x"));
        ApplyResult accepted = applier.apply(refused.image(), new EntryContext(1, 2), catalogDdl("CREATE TABLE x"));

        assertThat(refused.rejected()).isTrue();
        assertThat(refused.outcome().toString()).contains("drops are not allowed");
        assertThat(accepted.image().catalog().version()).isEqualTo(1);
    }
}
