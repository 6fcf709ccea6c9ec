package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.proto.CapabilitiesReply;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.RaftRoleProto;
import io.meridian.proto.SchedulerStatusReply;
import io.meridian.proto.TokenStateProto;
import io.meridian.proto.WatchEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Tokens, the scheduler's settings, the catalog, capabilities and the change stream. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCommandsTest extends CliTestBase {

    @TempDir
    Path files;

    @Test
    @Order(1)
    void tokensAreShownOnceListedByHashAndRevoked() {
        Result issued = run("token", "issue", "--ttl", "30m", "--role", "learner", "--labels", "zone=b").ok();
        String token = issued.lines().get(0);
        assertThat(token).startsWith("mrdn.");
        assertThat(issued.lines().get(1)).matches("hash [0-9a-f]{12}, expires .*; the token is shown this once");

        IssueTokenReply second = run("token", "issue", "-o", "json").ok().json(IssueTokenReply.getDefaultInstance());
        assertThat(second.getToken()).startsWith("mrdn.").isNotEqualTo(token);

        Result list = run("token", "list").ok();
        assertThat(list.out()).doesNotContain(token.substring(5, 20)).doesNotContain(second.getToken().substring(5));
        assertThat(list.lines().get(0)).isEqualTo("HASH          STATE   EXPIRES               ROLE     LABELS  "
                + "CONSUMED BY");
        ListTokensReply json = run("token", "list", "-o", "json").ok().json(ListTokensReply.getDefaultInstance());
        assertThat(json.getTokensList()).hasSize(2).anySatisfy(info -> {
            assertThat(info.getBoundRole()).isEqualTo(RaftRoleProto.RAFT_ROLE_LEARNER);
            assertThat(info.getBoundLabels(0).getValue()).isEqualTo("b");
        });

        assertThat(run("token", "revoke", second.getHashPrefix()).ok().out()).contains("revoked");
        ListTokensReply after = run("token", "list", "-o", "json").ok().json(ListTokensReply.getDefaultInstance());
        assertThat(after.getTokensList()).anySatisfy(info -> {
            assertThat(info.getHashPrefix()).isEqualTo(second.getHashPrefix());
            assertThat(info.getState()).isEqualTo(TokenStateProto.TOKEN_STATE_REVOKED);
        });

        run("token", "revoke", "ffffffffffff").refused("NOT_FOUND");
        run("token", "revoke", "ab").refused("INVALID_ARGUMENT");
        run("token", "issue", "--ttl", "forever").usage("'forever' is not a duration");
        run("token", "issue", "--role", "admin").usage("Invalid value for option '--role'");
    }

    @Test
    @Order(2)
    void schedulerIsPausedSetAndResumed() {
        assertThat(run("scheduler", "pause", "--reason", "maintenance window").ok().out())
                .contains("scheduler: paused: maintenance window");
        assertThat(run("scheduler", "set", "split-size", "256MiB").ok().out())
                .contains("scheduler: split-size set from 96MiB to 256MiB");
        Result status = run("scheduler", "status").ok();
        assertThat(status.lines().get(0)).isEqualTo("paused: maintenance window");
        assertThat(status.lines()).contains("SETTING                VALUE   DEFAULT",
                "split-size             256MiB  96MiB");
        SchedulerStatusReply json = run("scheduler", "status", "-o", "json").ok()
                .json(SchedulerStatusReply.getDefaultInstance());
        assertThat(json.getConfig().getSplitSizeBytes()).isEqualTo(256L << 20);
        assertThat(json.getConfig().getPaused()).isTrue();
        assertThat(json.getLeaderId()).isNotEmpty();

        run("scheduler", "set", "split-size", "lots").refused("INVALID_ARGUMENT");
        Result unknown = run("scheduler", "set", "bogus", "1").refused("INVALID_ARGUMENT");
        assertThat(unknown.err()).contains("tick-interval, max-actions-per-tick");
        run("scheduler", "set", "split-size").usage("Missing required parameter: 'VALUE'");

        assertThat(run("scheduler", "resume").ok().out()).contains("scheduler: resumed");
        assertThat(run("scheduler", "status").ok().lines().get(0)).isEqualTo("running");
    }

    @Test
    @Order(3)
    void catalogDdlIsAppliedInVersionOrder() throws IOException {
        Path ddl = Files.writeString(files.resolve("orders.sql"), "CREATE TABLE orders (id bigint)",
                StandardCharsets.UTF_8);
        assertThat(run("catalog", "apply", "--payload-file", ddl.toString(), "--description", "orders").ok().out())
                .contains("catalog: version 1: 31-byte DDL (orders)");
        Result list = run("catalog", "list").ok();
        assertThat(list.lines().get(0)).isEqualTo("catalog version 1");
        assertThat(list.lines().get(2)).startsWith("1        ").endsWith("31     orders");
        GetCatalogReply json = run("catalog", "list", "-o", "json").ok().json(GetCatalogReply.getDefaultInstance());
        assertThat(json.getEntries(0).getPayload().toStringUtf8()).isEqualTo("CREATE TABLE orders (id bigint)");

        Path empty = Files.writeString(files.resolve("empty.sql"), "", StandardCharsets.UTF_8);
        run("catalog", "apply", "--payload-file", empty.toString()).refused("INVALID_ARGUMENT");
        Path big = Files.write(files.resolve("big.sql"), new byte[(1 << 20) + 1]);
        run("catalog", "apply", "--payload-file", big.toString()).usage("a payload is at most 1048576 bytes");
        run("catalog", "apply").usage("Missing required option: '--payload-file=F'");
    }

    @Test
    @Order(4)
    void capabilitiesShowEachNodeAndTheClusterValue() {
        Result table = run("capabilities", "show").ok();
        assertThat(table.lines()).containsExactly(
                "CAPABILITY                VALUE  FLOOR  n1           n2           n3",
                "meridian.entry-format     6      1      1,2,3,4,5,6  1,2,3,4,5,6  1,2,3,4,5,6",
                "meridian.snapshot-format  1      1      1            1            1");
        CapabilitiesReply json = run("capabilities", "show", "-o", "json").ok()
                .json(CapabilitiesReply.getDefaultInstance());
        assertThat(json.getNodesList()).hasSize(3);
        assertThat(json.getNegotiatedList()).hasSize(2);
    }

    @Test
    @Order(5)
    void watchStreamsAppliedChangesFromAnIndex() throws Exception {
        Result table = run("watch", "--from", "1", "--count", "3").ok();
        assertThat(table.lines().get(0)).isEqualTo("watching from index 1 (Ctrl-C to stop)");
        assertThat(table.lines()).contains("1  topology  shard 1: created covering the whole keyspace in group 1")
                .anySatisfy(line -> assertThat(line).matches("\\d+  topology  node n\\d: advertised api .*"));

        Result json = run("watch", "--from", "1", "--count", "5", "-o", "json").ok();
        List<String> lines = json.lines();
        assertThat(lines).hasSize(5);
        long previous = 0;
        for (String line : lines) {
            WatchEvent event = new Result(0, line, "").json(WatchEvent.getDefaultInstance());
            assertThat(event.getIndex()).isGreaterThan(previous);
            previous = event.getIndex();
        }
        run("watch", "--count", "0").usage("'0' is not a whole number from 1");
    }
}
