package io.meridian.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Ratis settings that work around Ratis 3.3.0's faults stay set: a change that drops one brings
 * back a crash after snapshot installs and followers stuck behind (see RaftSettings).
 */
@Timeout(10)
class RaftSettingsTest {

    private final RaftProperties properties = RaftSettings.properties(RaftTuning.DEFAULT.withSnapshotThreshold(200),
            Path.of("/tmp/unused"), new HostPort("127.0.0.1", 7000));

    @Test
    void followerAppendsAreNotComposed() {
        assertThat(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(properties)).isFalse();
    }

    @Test
    void theLogKeepsASnapshotThresholdOfEntriesBehindTheSnapshot() {
        assertThat(RaftServerConfigKeys.Log.purgePreservationLogNum(properties)).isEqualTo(200);
        assertThat(RaftServerConfigKeys.Log.purgeUptoSnapshotIndex(properties)).isTrue();
    }

    @Test
    void logMetadataStaysOnBecauseTurningItOffWedgesAFollowerInsteadOfFixingTheRace() {
        assertThat(RaftServerConfigKeys.Log.logMetadataEnabled(properties)).isTrue();
    }

    @Test
    void theSettingsReportNamesTheWorkarounds() {
        assertThat(RaftSettings.describe(RaftTuning.DEFAULT))
                .containsEntry(RaftServerConfigKeys.Log.APPEND_ENTRIES_COMPOSE_ENABLED_KEY, "false")
                .containsEntry(RaftServerConfigKeys.Log.PURGE_PRESERVATION_LOG_NUM_KEY, "10000");
    }
}
