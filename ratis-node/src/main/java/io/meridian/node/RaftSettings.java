package io.meridian.node;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis server properties a Meridian node runs with, from its {@link RaftTuning}. One place,
 * so that the benchmarks' bare-Ratis baseline runs with exactly the node's settings.
 *
 * <p>Two settings work around faults of Ratis 3.3.0 (the newest release; master has the same
 * code), found by the fault suite:
 * <ul>
 *   <li>Follower appends are not composed ({@code raft.server.log.append-entries.compose.enabled}
 *       false). Composed, a follower checks an AppendEntries under the server's lock but appends it
 *       later, behind earlier flushes: a snapshot installed in between resets the log under the
 *       pending append, whose metadata entry then fails the log worker's index assertion and closes
 *       the server; and a retried AppendEntries that starts where a pending one starts is answered
 *       SUCCESS without its extra entries being appended, so the leader believes the follower
 *       holds entries it does not, and on an idle cluster never sends them.</li>
 *   <li>The log keeps at least a snapshot threshold's worth of entries behind the snapshot
 *       ({@code raft.server.log.purge.preservation.log.num}), so a follower cut off for a short
 *       while catches up from the log instead of through a snapshot install.</li>
 * </ul>
 */
public final class RaftSettings {

    private RaftSettings() {
    }

    /** The properties of a server storing its log under {@code raftDir} and serving Raft on {@code address}. */
    public static RaftProperties properties(RaftTuning tuning, Path raftDir, HostPort address) {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
        GrpcConfigKeys.Server.setHost(properties, address.host());
        GrpcConfigKeys.Server.setPort(properties, address.port());
        TimeDuration min = millis(tuning.electionTimeoutMin());
        TimeDuration max = millis(tuning.electionTimeoutMax());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, min);
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, max);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, min);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, max);
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, millis(tuning.requestTimeout()));
        // A leader that stepped down for lost heartbeats sits out elections this long (Ratis: 10 s),
        // and a leader whose JVM paused longer steps down. Two election timeouts instead: the fault
        // suite's leader partitions ended with no leader elected on the majority side in 4 of 31
        // faults with Ratis' 10 s, and in none of 23 with this.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(properties,
                TimeDuration.valueOf(2 * tuning.electionTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, tuning.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, tuning.snapshotsRetained());
        RaftServerConfigKeys.Snapshot.setCreationGap(properties, 1);
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(tuning.logSegmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(properties,
                SizeInBytes.valueOf(Math.min(tuning.logSegmentBytes(), 4L << 20)));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(1024, tuning.snapshotThreshold()));
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(properties, tuning.snapshotThreshold());
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(properties, false);
        return properties;
    }

    /** The effective settings that shape write performance and failover, by Ratis key, for reports. */
    public static SortedMap<String, String> describe(RaftTuning tuning) {
        RaftProperties p = properties(tuning, Path.of(File.separator), new HostPort("127.0.0.1", 0));
        SortedMap<String, String> out = new TreeMap<>();
        out.put(RaftServerConfigKeys.Rpc.TIMEOUT_MIN_KEY, RaftServerConfigKeys.Rpc.timeoutMin(p).toString());
        out.put(RaftServerConfigKeys.Rpc.TIMEOUT_MAX_KEY, RaftServerConfigKeys.Rpc.timeoutMax(p).toString());
        out.put(RaftServerConfigKeys.Rpc.REQUEST_TIMEOUT_KEY, RaftServerConfigKeys.Rpc.requestTimeout(p).toString());
        out.put(RaftServerConfigKeys.LeaderElection.LEADER_STEP_DOWN_WAIT_TIME_KEY,
                RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(p).toString());
        out.put(RaftServerConfigKeys.Read.OPTION_KEY, RaftServerConfigKeys.Read.option(p).toString());
        out.put(RaftServerConfigKeys.Snapshot.AUTO_TRIGGER_THRESHOLD_KEY,
                String.valueOf(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(p)));
        out.put(RaftServerConfigKeys.Log.SEGMENT_SIZE_MAX_KEY, RaftServerConfigKeys.Log.segmentSizeMax(p).toString());
        out.put(RaftServerConfigKeys.Log.FORCE_SYNC_NUM_KEY, String.valueOf(RaftServerConfigKeys.Log.forceSyncNum(p)));
        out.put(RaftServerConfigKeys.Log.ASYNC_FLUSH_ENABLED_KEY,
                String.valueOf(RaftServerConfigKeys.Log.asyncFlushEnabled(p)));
        out.put(RaftServerConfigKeys.Log.UNSAFE_FLUSH_ENABLED_KEY,
                String.valueOf(RaftServerConfigKeys.Log.unsafeFlushEnabled(p)));
        out.put(RaftServerConfigKeys.Log.LOG_METADATA_ENABLED_KEY,
                String.valueOf(RaftServerConfigKeys.Log.logMetadataEnabled(p)));
        out.put(RaftServerConfigKeys.Log.APPEND_ENTRIES_COMPOSE_ENABLED_KEY,
                String.valueOf(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(p)));
        out.put(RaftServerConfigKeys.Log.PURGE_PRESERVATION_LOG_NUM_KEY,
                String.valueOf(RaftServerConfigKeys.Log.purgePreservationLogNum(p)));
        return out;
    }

    private static TimeDuration millis(Duration duration) {
        return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
    }
}
