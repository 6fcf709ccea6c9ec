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

import io.meridian.core.MetadataImage;
import io.meridian.core.Provenance;
import io.meridian.core.migration.Migration;
import io.meridian.core.placement.SchedulerParameter;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.NodeHealth;
import io.meridian.core.topology.RaftRole;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.MigrationRecord;
import io.meridian.proto.NodeHealthProto;
import io.meridian.proto.NodeRecord;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
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
}
