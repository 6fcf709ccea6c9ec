package io.meridian.core.apply;

import static io.meridian.core.testing.Entries.split;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.MetadataImage;
import io.meridian.core.routing.Key;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.testing.Replay;
import org.junit.jupiter.api.Test;
import org.pcollections.TreePMap;

/**
 * The routing rules are checked in one pass over the shards and one over the start-key index;
 * these images each break one rule, which no applier can do, so they are made by hand from a
 * replayed image.
 */
class InvariantsRoutingTest {

    /** Shards 1 [, g), 3 [g, m), 2 [m, ): the ids are not in key order. */
    private static MetadataImage threeShards() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(split(1, "m"));
        replay.applied(split(1, "g"));
        return replay.image();
    }

    private static MetadataImage withRouting(MetadataImage image, RoutingImage routing) {
        return image.withRouting(routing);
    }

    private static RoutingImage rebuilt(RoutingImage routing, TreePMap<Long, Shard> shards) {
        return RoutingImage.of(shards, routing.groups(), routing.version(), routing.nextShardId(),
                routing.nextGroupId());
    }

    @Test
    void aReplayedImageKeepsEveryRule() {
        assertThatCode(() -> Invariants.check(threeShards())).doesNotThrowAnyException();
    }

    @Test
    void aGapInTheKeyspaceIsNamed() {
        MetadataImage image = threeShards();
        Shard middle = image.routing().shards().get(3L);
        RoutingImage routing = rebuilt(image.routing(), image.routing().shards().plus(3L,
                middle.withRange(Key.utf8("h"), middle.end())));

        assertThatThrownBy(() -> Invariants.check(withRouting(image, routing)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("shard 3 starts at 'h' but the keyspace continues from 'g'");
    }

    @Test
    void twoShardsStartingAtOneKeyAreNamed() {
        MetadataImage image = threeShards();
        Shard middle = image.routing().shards().get(3L);
        RoutingImage routing = rebuilt(image.routing(), image.routing().shards().plus(3L,
                middle.withRange(Key.utf8("m"), Key.EMPTY)));

        assertThatThrownBy(() -> Invariants.check(withRouting(image, routing)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("two shards start at 'm'");
    }

    @Test
    void aStartIndexThatNamesTheWrongShardIsCaught() {
        MetadataImage image = threeShards();
        RoutingImage routing = image.routing();
        RoutingImage swapped = new RoutingImage(routing.shards(),
                routing.shardsByStart().plus(Key.utf8("g"), 2L).plus(Key.utf8("m"), 3L), routing.groups(),
                routing.shardCountByGroup(), routing.version(), routing.nextShardId(), routing.nextGroupId());

        assertThatThrownBy(() -> Invariants.check(withRouting(image, swapped)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("the start-key index does not match the shards: 'g' names shard 2");
    }

    @Test
    void aStaleShardCountIsCaught() {
        MetadataImage image = threeShards();
        RoutingImage routing = image.routing();
        RoutingImage stale = new RoutingImage(routing.shards(), routing.shardsByStart(), routing.groups(),
                routing.shardCountByGroup().plus(1L, 2), routing.version(), routing.nextShardId(),
                routing.nextGroupId());
        RoutingImage extra = new RoutingImage(routing.shards(), routing.shardsByStart(), routing.groups(),
                routing.shardCountByGroup().plus(9L, 1), routing.version(), routing.nextShardId(),
                routing.nextGroupId());

        assertThatThrownBy(() -> Invariants.check(withRouting(image, stale)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("group 1 has 3 shards, counted 2");
        assertThatThrownBy(() -> Invariants.check(withRouting(image, extra)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("2 groups counted, 1 groups have shards");
    }

    @Test
    void aShardOfAMissingGroupIsNamed() {
        MetadataImage image = threeShards();
        RoutingImage routing = rebuilt(image.routing(), image.routing().shards().plus(2L,
                image.routing().shards().get(2L).withGroup(7)));

        assertThatThrownBy(() -> Invariants.check(withRouting(image, routing)))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("shard 2 belongs to missing group 7");
    }
}
