package io.meridian.core.apply;

import static io.meridian.core.testing.Entries.batch;
import static io.meridian.core.testing.Entries.bootstrap;
import static io.meridian.core.testing.Entries.catalogDdl;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.startDecommission;
import static io.meridian.proto.RejectCode.REJECT_ALREADY_EXISTS;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnknownFieldSet;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.testing.Effort;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.NodeState;
import io.meridian.proto.Batch;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.TopologyChange;
import org.junit.jupiter.api.Test;

class MetadataApplierTest {

    private final MetadataApplier applier = new MetadataApplier();

    @Test
    void entriesAtOrBelowTheAppliedIndexAreIgnored() {
        ApplyResult five = applier.apply(MetadataImage.EMPTY, new EntryContext(1, 5), catalogDdl("v1"));
        ApplyResult three = applier.apply(five.image(), new EntryContext(1, 3), catalogDdl("v1"));
        ApplyResult againFive = applier.apply(three.image(), new EntryContext(1, 5), catalogDdl("v1"));

        assertThat(three.outcome()).isEqualTo(new Outcome.Skipped(5));
        assertThat(againFive.outcome()).isEqualTo(new Outcome.Skipped(5));
        assertThat(againFive.image()).isSameAs(five.image());
        assertThat(againFive.image().catalog().version()).isEqualTo(1);
        assertThat(againFive.image().index()).isEqualTo(5);
    }

    @Test
    void logicalTimeIsTheMaximumOfEveryStampedTime() {
        MetadataEntry late = catalogDdl("a").toBuilder().setProposedAtMs(5_000).build();
        MetadataEntry skewed = catalogDdl("b").toBuilder().setProposedAtMs(4_000).build();

        MetadataImage first = applier.apply(MetadataImage.EMPTY, new EntryContext(1, 1), late).image();
        MetadataImage second = applier.apply(first, new EntryContext(2, 2), skewed).image();

        assertThat(first.logicalTimeMs()).isEqualTo(5_000);
        assertThat(second.logicalTimeMs()).isEqualTo(5_000);
        assertThat(second.provenance().term()).isEqualTo(2);
    }

    @Test
    void aBatchAppliesAllOrNothing() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(batch(join("n4"), split(1, "m"), catalogDdl("ddl")));
        assertThat(replay.image().topology().nodes()).containsKey("n4");
        assertThat(replay.image().routing().shards()).hasSize(2);

        MetadataImage before = replay.image();
        Rejection rejection = replay.rejected(batch(join("n5"), split(2, "t"), join("n1")), REJECT_ALREADY_EXISTS);
        assertThat(rejection.message()).startsWith("batch entry 2 of 3: node n1 already exists");
        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
        assertThat(replay.image().index()).isEqualTo(before.index() + 1);
    }

    @Test
    void batchesAreFlatAndNotEmpty() {
        Replay replay = Replay.bootstrapped("n1");

        assertThat(replay.rejected(batch(batch(join("n4"))),
                REJECT_INVALID_ARGUMENT).message()).contains("another batch");
        replay.rejected(MetadataEntry.newBuilder().setBatch(Batch.getDefaultInstance()).build(),
                REJECT_INVALID_ARGUMENT);
    }

    @Test
    void aRejectedEntryChangesNothingButTheProvenance() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        MetadataImage before = replay.image();

        replay.rejected(startDecommission("n1", false), io.meridian.proto.RejectCode.REJECT_MIN_VOTERS);

        assertThat(replay.image().withProvenance(before.provenance())).isEqualTo(before);
        assertThat(replay.image().topology().node("n1").orElseThrow().state()).isEqualTo(NodeState.ACTIVE);
    }

    @Test
    void anEntryWithoutAKindIsRefused() {
        new Replay().rejected(MetadataEntry.getDefaultInstance(), REJECT_INVALID_ARGUMENT);
        new Replay().rejected(MetadataEntry.newBuilder().setTopology(TopologyChange.getDefaultInstance()).build(),
                REJECT_INVALID_ARGUMENT);
    }

    @Test
    void anEntryFromANewerVersionIsRefusedBeforeTheLogAndStopsTheReplicaAfterIt() {
        MetadataEntry fromTheFuture = bootstrap("n1").toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();

        assertThat(EntryValidator.validate(fromTheFuture)).get().extracting(Rejection::code)
                .isEqualTo(REJECT_INVALID_ARGUMENT);
        assertThatThrownBy(() -> applier.apply(MetadataImage.EMPTY, new EntryContext(1, 1), fromTheFuture))
                .isInstanceOf(UnsupportedEntryException.class).hasMessageContaining("index 1");
    }

    @Test
    void aNonMetadataLogEntryOnlyMovesTheProvenance() {
        MetadataImage image = Replay.bootstrapped("n1").image();

        MetadataImage advanced = applier.advance(image, 3, image.index() + 1);

        assertThat(advanced.index()).isEqualTo(image.index() + 1);
        assertThat(advanced.provenance().term()).isEqualTo(3);
        assertThat(advanced.withProvenance(image.provenance())).isEqualTo(image);
        assertThat(applier.advance(advanced, 3, 1)).isSameAs(advanced);
    }

    @Test
    void appliedEntriesSayWhatChanged() {
        Replay replay = Replay.bootstrapped("n1", "n2");

        Outcome.Applied applied = replay.applied(split(1, "m"));

        assertThat(applied.changes()).singleElement().hasToString("ROUTING shard 1: split at 'm' into 1 ['', 'm') "
                + "and 2 ['m', end)");
    }

    @Test
    void aChangeNamingAnUnknownNodeIsRejectedAndStillAdvancesTheAppliedIndex() {
        Replay replay = new Replay();

        replay.rejected(startDecommission("n5", false), io.meridian.proto.RejectCode.REJECT_NOT_FOUND);

        assertThat(replay.image().index()).isEqualTo(1);
    }

    @Test
    void everyKindOfEntryRoundTripsThroughTheCodec() throws Exception {
        for (MetadataEntry entry : new MetadataEntry[] {split(7, "k"), Entries.merge(3, 4),
                Entries.transfer(99, "n1", "n2"), batch(join("n4"), catalogDdl("x"))}) {
            assertThat(EntryCodec.decode(EntryCodec.encode(entry))).isEqualTo(entry);
        }
        org.quicktheories.QuickTheory.qt().withExamples(Effort.examples(500))
                .forAll(io.meridian.core.testing.EntryGen.entry())
                .checkAssert(entry -> {
                    try {
                        assertThat(EntryCodec.decode(EntryCodec.encode(entry))).isEqualTo(entry);
                    } catch (EntryDecodeException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void decodingGarbageGivesATypedError() {
        assertThatThrownBy(() -> EntryCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(EntryDecodeException.class).hasMessageContaining("not a metadata entry");
    }
}
