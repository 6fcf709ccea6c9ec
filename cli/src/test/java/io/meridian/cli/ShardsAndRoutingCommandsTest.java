package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.proto.ListShardsReply;
import io.meridian.proto.LocateKeyReply;
import io.meridian.proto.RoutingReply;
import io.meridian.proto.ShardRecord;
import io.meridian.proto.WriteReply;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** `meridian shards ...` and `meridian routing ...`. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardsAndRoutingCommandsTest extends CliTestBase {

    @Test
    @Order(1)
    void splitListLocateAndMerge() {
        Result split = run("shards", "split", "1", "--at", "m").ok();
        assertThat(split.lines()).containsExactly(split.lines().get(0),
                "  shard 1: split at 'm' into 1 ['', 'm') and 2 ['m', end)");
        assertThat(split.lines().get(0)).matches("applied at index \\d+");
        run("shards", "split", "2", "--hex", "--at", "7400").ok();

        Result list = run("shards", "list").ok();
        assertThat(list.lines()).containsExactly(
                "SHARD  RANGE          GROUP  REPLICAS  LEADER  EPOCH  SIZE  QPS",
                list.lines().get(1), list.lines().get(2), list.lines().get(3));
        assertThat(list.lines().get(1)).startsWith("1      ['', 'm')");
        assertThat(list.lines().get(2)).startsWith("2      ['m', 0x7400)");
        assertThat(list.lines().get(3)).startsWith("3      [0x7400, end)");
        ListShardsReply json = run("shards", "list", "-o", "json").ok().json(ListShardsReply.getDefaultInstance());
        assertThat(json.getShardsList()).extracting(ShardRecord::getShardId).containsExactly(1L, 2L, 3L);
        assertThat(run("shards", "list", "--limit", "1").ok().out()).contains("more: meridian shards list --after 1");

        assertThat(run("shards", "locate", "order/42").ok().out()).startsWith("shard 2 ['m', 0x7400), group 1");
        LocateKeyReply located = run("shards", "locate", "--hex", "00ff", "-o", "json").ok()
                .json(LocateKeyReply.getDefaultInstance());
        assertThat(located.getShard().getShardId()).isEqualTo(1);

        WriteReply merged = run("shards", "merge", "2", "3", "-o", "json").ok().json(WriteReply.getDefaultInstance());
        assertThat(merged.getChangesList()).anySatisfy(change -> assertThat(change.getDescription())
                .contains("merged with shard 3"));
    }

    @Test
    @Order(2)
    void shardErrorsNameTheProblem() {
        run("shards", "split", "99", "--at", "x").refused("NOT_FOUND");
        run("shards", "split", "1", "--at", "m").refused("KEY_OUT_OF_RANGE");
        run("shards", "merge", "2", "1").refused("NOT_ADJACENT");
        run("shards", "transfer", "1", "--from", "n1", "--to", "n2").refused("ALREADY_MEMBER");
        run("shards", "split", "abc", "--at", "x").usage("'abc' is not a whole number from 1");
        run("shards", "split", "-3", "--at", "x").usage("'-3' is not a whole number from 1");
        run("shards", "split", "1").usage("Missing required option: '--at=KEY'");
        run("shards", "locate", "--hex", "zz").usage("'zz' is not a hex key");
        run("shards", "list", "--limit", "-1").usage("'-1' is not a whole number from 0");
    }

    @Test
    @Order(3)
    void groupsAreCreatedAndChanged() {
        Result created = run("routing", "create-group", "--members", "n1,n2", "--leader", "n2").ok();
        assertThat(created.out()).contains("group 2: created with members n1,n2 and leader n2");
        assertThat(run("routing", "reassign", "2", "--group", "2", "--leaseholder", "n2").ok().out())
                .contains("shard 2: reassigned from group 1 to group 2 with leaseholder n2");
        assertThat(run("routing", "transfer-leadership", "--group", "2", "--to", "n1").ok().out())
                .contains("group 2: leadership moved from n2 to n1");
        assertThat(run("routing", "remove-member", "--group", "2", "--node", "n2").refused("UNDER_REPLICATED").err())
                .contains("below a majority (2) of its target of 3 replicas");
        assertThat(run("routing", "remove-member", "--group", "2", "--node", "n2", "--force").ok().out())
                .contains("group 2: removed member n2");
        assertThat(run("routing", "replicas", "--group", "2", "1").ok().out()).contains("group 2");

        Result show = run("routing", "show").ok();
        assertThat(show.lines().get(0)).matches("routing version \\d+, 2 shards, 2 groups");
        assertThat(show.lines()).contains("GROUP  MEMBERS   LEADER  SHARDS  TARGET",
                "1      n1,n2,n3  n1      1       default", "2      n1        n1      1       1");
        assertThat(run("routing", "check").ok().out()).isEqualTo("every group holding shards has its 3 replicas "
                + "(or its own target) and a leader that can serve\n");
        run("routing", "replicas", "--group", "2", "8").usage("a group has 1-7 replicas");
        RoutingReply json = run("routing", "show", "-o", "json").ok().json(RoutingReply.getDefaultInstance());
        assertThat(json.getGroupsList()).hasSize(2);
        assertThat(json.getGroups(1).getShardCount()).isEqualTo(1);
        assertThat(json.getGroups(1).getGroup().getMembersList()).containsExactly("n1");
    }

    @Test
    @Order(4)
    void routingErrorsNameTheProblem() {
        run("routing", "create-group", "--members", "n1,n9").refused("NOT_FOUND");
        run("routing", "remove-member", "--group", "2", "--node", "n1").refused("LAST_MEMBER");
        run("routing", "remove-member", "--group", "2", "--node", "n3").refused("NOT_A_MEMBER");
        run("routing", "reassign", "1", "--group", "7", "--leaseholder", "n1").refused("NOT_FOUND");
        run("routing", "reassign", "1", "--group", "2").usage("Missing required option: '--leaseholder=NODE'");
    }

    @Test
    @Order(5)
    void aTransferStartsAMigration() {
        Result transfer = run("shards", "transfer", "1", "--from", "n3", "--to", "n1");
        // n1 already holds shard 1's group: moving onto it is refused; moving shard 2 (group 2 = n1) works.
        transfer.refused("ALREADY_MEMBER");
        Result moved = run("shards", "transfer", "2", "--from", "n1", "--to", "n3").ok();
        assertThat(moved.out()).contains("migration 1: started: shard 2 from n1 to n3");
    }
}
