package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** With two of three nodes down, a write cannot commit: the CLI says so and exits 3. */
class NoQuorumCommandsTest extends CliTestBase {

    @Test
    void aWriteWithoutQuorumIsUnavailableAndSaysWhetherItMayApplyLater() {
        String leader = cluster.awaitLeader().nodeId();
        String survivor = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        for (String id : cluster.ids()) {
            if (!id.equals(survivor)) {
                cluster.kill(id);
            }
        }
        Result write = raw("shards", "split", "1", "--at", "m", "--endpoints", cluster.endpoint(survivor),
                "--timeout", "3s");
        assertThat(write.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(write.err()).matches("(?s)error: (unavailable|outcome unknown): .*")
                .doesNotContain("\tat ");
        if (write.err().startsWith("error: outcome unknown")) {
            assertThat(write.err()).contains("the write may still be applied: check before retrying");
        }
        cluster.restartAll();
    }
}
