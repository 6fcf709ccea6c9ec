package io.meridian.core.routing;

import static io.meridian.core.testing.Entries.createGroup;
import static io.meridian.core.testing.Entries.join;
import static io.meridian.core.testing.Entries.key;
import static io.meridian.core.testing.Entries.reassign;
import static io.meridian.core.testing.Entries.removeMember;
import static io.meridian.core.testing.Entries.split;
import static io.meridian.core.testing.Entries.transfer;
import static io.meridian.core.testing.Entries.transferLeadership;
import static io.meridian.proto.RejectCode.REJECT_INVALID_ARGUMENT;
import static io.meridian.proto.RejectCode.REJECT_LAST_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NODE_NOT_ELIGIBLE;
import static io.meridian.proto.RejectCode.REJECT_NOT_A_MEMBER;
import static io.meridian.proto.RejectCode.REJECT_NOT_FOUND;
import static io.meridian.proto.RejectCode.REJECT_SHARD_BUSY;
import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingApplierTest {

    @Test
    void everyRoutingChangeBumpsTheVersionByOne() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        long version = replay.image().routing().version();

        replay.applied(transferLeadership(1, "n2"));
        replay.applied(createGroup("n3", "n2", "n3"));
        replay.applied(reassign(1, 2, "n2"));
        replay.applied(removeMember(1, "n1"));

        assertThat(replay.image().routing().version()).isEqualTo(version + 4);
    }

    @Test
    void reassignMovesTheShardAndNamesTheLeaseholder() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(createGroup("", "n2", "n3"));

        replay.applied(reassign(1, 2, "n3"));

        Shard shard = replay.image().routing().shards().get(1L);
        assertThat(shard.groupId()).isEqualTo(2L);
        assertThat(replay.image().routing().groups().get(2L).leader()).isEqualTo("n3");
        assertThat(replay.image().routing().shardCount(2)).isEqualTo(1);
        assertThat(replay.image().routing().shardCount(1)).isZero();
    }

    @Test
    void aLeaseholderMustBeAnActiveMemberOfTheGroup() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));

        assertThat(replay.rejected(reassign(1, 1, "n4"), REJECT_NOT_A_MEMBER).message())
                .contains("leaseholder n4 is not a member of group 1");
        replay.rejected(reassign(1, 9, "n1"), REJECT_NOT_FOUND);
        replay.rejected(reassign(9, 1, "n1"), REJECT_NOT_FOUND);
        replay.applied(Entries.startDecommission("n3", true));
        assertThat(replay.rejected(transferLeadership(1, "n3"), REJECT_NODE_NOT_ELIGIBLE).message())
                .contains("DRAINING");
    }

    @Test
    void leadershipTransferNeedsAMember() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(transferLeadership(1, "n3"));
        assertThat(replay.image().routing().groups().get(1L).leader()).isEqualTo("n3");

        replay.rejected(transferLeadership(1, "n9"), REJECT_NOT_A_MEMBER);
    }

    @Test
    void removingAMemberTakesItOutAndClearsItsLeadership() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        replay.applied(removeMember(1, "n2"));
        assertThat(replay.image().routing().groups().get(1L).members()).containsExactly("n1", "n3");

        replay.applied(removeMember(1, "n1"));
        ReplicaGroup group = replay.image().routing().groups().get(1L);
        assertThat(group.members()).containsExactly("n3");
        assertThat(group.hasLeader()).isFalse();
    }

    @Test
    void theLastMemberCannotBeRemoved() {
        Replay replay = Replay.bootstrapped("n1");

        assertThat(replay.rejected(removeMember(1, "n1"), REJECT_LAST_MEMBER).message()).contains("last member");
        replay.rejected(removeMember(1, "n5"), REJECT_NOT_A_MEMBER);
    }

    @Test
    void createGroupAllocatesIdsAndChecksItsMembers() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");
        replay.applied(join("n4"));

        replay.applied(createGroup("n2", "n2", "n3"));
        replay.applied(createGroup("", "n1"));

        assertThat(replay.image().routing().groups().keySet()).containsExactly(1L, 2L, 3L);
        replay.rejected(createGroup("", "n1", "n9"), REJECT_NOT_FOUND);
        replay.rejected(createGroup("", "n1", "n4"), REJECT_NODE_NOT_ELIGIBLE);
        replay.rejected(createGroup("n3", "n1", "n2"), REJECT_NOT_A_MEMBER);
        replay.rejected(createGroup("", "n1", "n1"), REJECT_INVALID_ARGUMENT);
        replay.rejected(Entries.routing(io.meridian.proto.RoutingChange.newBuilder().setCreateGroup(
                io.meridian.proto.CreateGroup.getDefaultInstance())), REJECT_INVALID_ARGUMENT);
    }

    @Test
    void aShardWithAMigrationInFlightIsNotReassigned() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3", "n4");
        replay.applied(createGroup("n4", "n4"));
        replay.applied(removeMember(1, "n4"));
        replay.applied(transfer(1, "n1", "n4"));

        assertThat(replay.rejected(reassign(1, 2, "n4"), REJECT_SHARD_BUSY).message()).contains("migration 1");
    }

    @Test
    void locateFindsTheOwningShardLikeAScanDoes() {
        Replay replay = Replay.bootstrapped("n1");
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            String at = Integer.toString(random.nextInt(1_000_000), 36);
            Shard owner = replay.image().routing().locate(key(at)).orElseThrow();
            if (owner.strictlyInside(key(at))) {
                replay.applied(split(owner.id(), at));
            }
        }
        RoutingImage routing = replay.image().routing();
        assertThat(routing.shards().size()).isGreaterThan(250);
        for (int i = 0; i < 2_000; i++) {
            Key probe = key(Integer.toString(random.nextInt(1_000_000), 36));
            Shard scanned = routing.shards().values().stream().filter(s -> s.contains(probe)).findFirst().orElseThrow();
            assertThat(routing.locate(probe)).contains(scanned);
        }
        assertThat(routing.locate(Key.EMPTY).orElseThrow().start()).isEqualTo(Key.EMPTY);
    }
}
