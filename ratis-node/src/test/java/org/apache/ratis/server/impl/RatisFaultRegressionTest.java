package org.apache.ratis.server.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.meridian.node.HostPort;
import io.meridian.node.RaftSettings;
import io.meridian.node.RaftTuning;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.RaftTestUtil;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.MiniRaftClusterWithGrpc;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachine4Testing;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.CodeInjectionForTesting;
import org.apache.ratis.util.FileUtils;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Regression tests for two faults of Ratis 3.3.0's composed follower appends
 * ({@code raft.server.log.append-entries.compose.enabled}), which Meridian works around in
 * {@link RaftSettings}. Each test replays, on a three-server {@link MiniRaftClusterWithGrpc} with
 * the Ratis properties of {@link RaftSettings#properties}, the sequence that made a follower crash
 * or stick behind, and checks that with Meridian's settings it does neither. The tests tagged
 * {@value #RATIS_BUG_REPRO} replay the same sequence with composed appends, Ratis' default, and
 * check that the fault still happens: they prove the sequence reaches the fault, and they start
 * failing once a Ratis release fixes it (then the workaround can go). They are excluded from the
 * default build; run them with
 * {@code mvn -B -pl ratis-node -am test -Dtest=RatisFaultRegressionTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgroups=ratis-bug-repro -DexcludedGroups=}.
 *
 * <p>The race windows are widened by holding the follower's append futures open: the test state
 * machine's {@code write} (its state machine data) is blocked, and the data is not synced with
 * the log, so the log file itself is still written. Meridian's state machine has no state machine
 * data; in production the window is the follower's flush and executor latency. The leader's
 * AppendEntries and InstallSnapshot requests to the follower are dropped with Ratis' code
 * injection, and the test hands the follower AppendEntries built from the leader's own log. The
 * class lives in Ratis' package for that access.
 *
 * <p>Not thread-safe; the fault injection is process-wide, so these tests must not run in parallel
 * with other Ratis tests in the same JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisFaultRegressionTest {

    static final String RATIS_BUG_REPRO = "ratis-bug-repro";

    /** Call ids of the AppendEntries the test sends itself; the leader's own are far below. */
    private static final long TEST_CALL_ID_BASE = 1_000_000_000_000L;
    /** The smallest snapshot threshold (and so log preservation) Meridian's tuning allows. */
    private static final long SNAPSHOT_THRESHOLD = 100;
    /** The smallest log segment Meridian's tuning allows, so that segments close and can be purged. */
    private static final long SEGMENT_BYTES = 64 << 10;
    private static final String PAYLOAD = "x".repeat(1024);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    /** SegmentedRaftLogWorker's assertion on a metadata entry: its last written index, the entry's index. */
    private static final Pattern WORKER_ASSERTION =
            Pattern.compile("^lastWrittenIndex == (\\d+), entry == term: \\d+\\s+index: (\\d+)\\s+metadataEntry");
    /** The logger of Ratis' package-private SegmentedRaftLogWorker. */
    private static final String LOG_WORKER_LOGGER = "org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogWorker";

    private final Faults faults = new Faults();
    private final ListAppender<ILoggingEvent> logWorkerErrors = new ListAppender<>();
    private MiniRaftClusterWithGrpc cluster;
    private RaftClient client;

    @BeforeEach
    void injectFaults() {
        // Ratis' own blocking injection registers itself at the same points when first loaded;
        // load it now so that it cannot replace ours later.
        BlockRequestHandlingInjection.getInstance();
        CodeInjectionForTesting.put(RaftServerImpl.APPEND_ENTRIES, faults::onAppendEntries);
        CodeInjectionForTesting.put(RaftServerImpl.LOG_SYNC, faults::onAppendScheduled);
        CodeInjectionForTesting.put(RaftServerImpl.INSTALL_SNAPSHOT, faults::onInstallSnapshot);
        logWorkerErrors.start();
        logWorkerLogger().addAppender(logWorkerErrors);
    }

    @AfterEach
    void stopClusterAndRemoveFaults() throws IOException {
        faults.heal();
        try {
            if (client != null) {
                client.close();
            }
            if (cluster != null) {
                File root = cluster.getStorageDir(cluster.getGroup().getPeers().iterator().next().getId())
                        .getParentFile();
                cluster.shutdown();
                FileUtils.deleteFully(root);
            }
        } finally {
            CodeInjectionForTesting.remove(RaftServerImpl.APPEND_ENTRIES);
            CodeInjectionForTesting.remove(RaftServerImpl.LOG_SYNC);
            CodeInjectionForTesting.remove(RaftServerImpl.INSTALL_SNAPSHOT);
            logWorkerLogger().detachAppender(logWorkerErrors);
        }
    }

    // ---- Failure 1: a snapshot install overtakes a follower's pending append ----

    @Test
    void followerKeepsRunningWhenASnapshotInstallOvertakesItsPendingAppend() throws Exception {
        SnapshotRace race = raceSnapshotInstallAgainstPendingAppend(meridianProperties());

        // Everything the follower had pending has run, and the follower is still a working member.
        RaftServerImpl follower = race.follower();
        await("the follower's pending appends finish").atMost(CATCH_UP)
                .failFast("the follower's division closed", () -> !follower.getInfo().isAlive())
                .until(() -> race.first().isDone() && race.second().isDone());
        sendWrites(3);
        await("the follower catches up with the leader").atMost(CATCH_UP)
                .failFast("the follower's division closed", () -> !follower.getInfo().isAlive())
                .untilAsserted(() -> assertThat(lastIndex(follower)).as("the follower's last index")
                        .isEqualTo(lastIndex(race.leader())));
        assertThat(follower.getInfo().getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
        assertThat(logWorkerErrors()).isEmpty();
        assertLeaderMatchIndexWithinFollowerLog(race.leader(), race.follower());
        assertReplicasAppliedTheSameIndex();
    }

    @Test
    @Tag(RATIS_BUG_REPRO)
    void composedAppendsCloseTheFollowerWhenASnapshotInstallOvertakesThem() throws Exception {
        RaftProperties properties = meridianProperties();
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(properties, true);
        SnapshotRace race = raceSnapshotInstallAgainstPendingAppend(properties);

        // The deferred metadata entry reaches the log worker after the install reset it: the worker's
        // index assertion fails and the worker closes the division.
        await("the follower's division closes").atMost(CATCH_UP)
                .until(() -> !race.follower().getInfo().isAlive());
        assertThat(logWorkerErrors()).anySatisfy(event -> {
            IThrowableProxy thrown = event.getThrowableProxy();
            assertThat(thrown.getClassName()).isEqualTo(IllegalStateException.class.getName());
            Matcher message = WORKER_ASSERTION.matcher(thrown.getMessage());
            assertThat(message.find()).as("the log worker's index assertion: " + thrown.getMessage()).isTrue();
            assertThat(Long.parseLong(message.group(1))).as("the worker's last written index, reset by the install")
                    .isGreaterThanOrEqualTo(race.installedIndex());
            assertThat(Long.parseLong(message.group(2))).as("the deferred entry's index")
                    .isEqualTo(race.metadataIndex());
        });
    }

    /**
     * The follower holds appends A = [x+1 .. m-1] and B = [m ..] open, where m is a metadata entry;
     * meanwhile the leader snapshots and purges past x+1 and so must install its snapshot on the
     * follower; the install lands while A and B are still pending; then the appends are released.
     */
    private SnapshotRace raceSnapshotInstallAgainstPendingAppend(RaftProperties properties) throws Exception {
        startCluster(properties);
        RaftServerImpl leader = (RaftServerImpl) RaftTestUtil.waitForLeader(cluster);
        RaftServerImpl follower = (RaftServerImpl) cluster.getFollowers().get(0);
        faults.isolate(follower.getId());
        client = cluster.createClient(leader.getId());
        sendWrites(3);
        await("the follower has the leader's log").atMost(CATCH_UP)
                .until(() -> lastIndex(follower) == lastIndex(leader));

        long x = lastIndex(follower);
        faults.dropLeaderAppends(true);
        faults.dropInstalls(true);
        sendWrites(4);
        long m = firstMetadataEntryAfterAnotherEntry(leader, x + 2);

        SimpleStateMachine4Testing.get(follower).blockWriteStateMachineData();
        CompletableFuture<AppendEntriesReplyProto> first =
                follower.appendEntriesAsync(request(leader, follower, x, x + 1, m - 1, 1));
        await("the follower has appended A").atMost(CATCH_UP).until(() -> lastIndex(follower) >= m - 1);
        // B must hold an entry with state-machine data, which the blocked write holds open; the
        // leader's log may end at m, or go on with metadata entries only.
        long held = firstDataEntryAfter(leader, m);
        if (held < 0) {
            sendWrites(1);
            held = firstDataEntryAfter(leader, m);
        }
        assertThat(held).as("an entry with data after the metadata entry %d", m).isPositive();
        long lastPending = Math.max(held, Math.min(m + 2, lastIndex(leader)));
        CompletableFuture<AppendEntriesReplyProto> second =
                follower.appendEntriesAsync(request(leader, follower, m - 1, m, lastPending, 2));
        assertThat(first).as("A is held open").isNotDone();
        assertThat(second).as("B is held open").isNotDone();

        purgeLeaderLogPast(leader, x + 1);
        faults.dropInstalls(false);
        // The follower's own snapshots cannot pass the entries it holds; a later one is the leader's.
        await("the leader installs a snapshot past the pending appends on the follower").atMost(CATCH_UP)
                .until(() -> follower.getRaftLog().getSnapshotIndex() > lastPending);
        long installed = follower.getRaftLog().getSnapshotIndex();
        assertThat(first).as("A is still held open after the install").isNotDone();

        SimpleStateMachine4Testing.get(follower).unblockWriteStateMachineData();
        faults.dropLeaderAppends(false);
        return new SnapshotRace(leader, follower, m, installed, first, second);
    }

    private record SnapshotRace(RaftServerImpl leader, RaftServerImpl follower, long metadataIndex,
            long installedIndex, CompletableFuture<AppendEntriesReplyProto> first,
            CompletableFuture<AppendEntriesReplyProto> second) {
    }

    // ---- Failure 2: a retried AppendEntries is acknowledged without its extra entries ----

    @Test
    void followerCatchesUpWhenTheLeaderRetriesAnAppendItHasPending() throws Exception {
        RetryCollision collision = collideRetryWithPendingAppend(meridianProperties());

        RaftServerImpl leader = collision.leader();
        RaftServerImpl follower = collision.follower();
        await("the follower catches up with the leader").atMost(CATCH_UP).untilAsserted(() -> {
            long leaderLast = lastIndex(leader);
            assertThat(lastIndex(follower)).as("the follower's last index").isEqualTo(leaderLast);
            assertThat(matchIndex(leader, follower)).as("the leader's match index for the follower")
                    .isEqualTo(leaderLast);
        });
        assertLeaderMatchIndexWithinFollowerLog(leader, follower);
        assertReplicasAppliedTheSameIndex();
    }

    @Test
    @Tag(RATIS_BUG_REPRO)
    void composedAppendsLeaveTheFollowerBehindTheIndexTheLeaderBelievesItHolds() throws Exception {
        RaftProperties properties = meridianProperties();
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(properties, true);
        RetryCollision collision = collideRetryWithPendingAppend(properties);
        RaftServerImpl leader = collision.leader();
        RaftServerImpl follower = collision.follower();

        // The retry was answered SUCCESS for entries the follower never appended: the leader
        // believes the follower holds its whole log, and on an idle cluster never sends the rest.
        await("the leader believes the follower holds its log").atMost(CATCH_UP)
                .until(() -> matchIndex(leader, follower) >= collision.retryLastIndex());
        await("the follower stays behind what the leader believes it holds")
                .during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10))
                .until(() -> lastIndex(follower) < matchIndex(leader, follower)
                        && lastIndex(follower) < lastIndex(leader));
        assertThat(follower.getInfo().isAlive()).isTrue();
    }

    /**
     * The follower holds A = [x+1] open; the leader, whose AppendEntries were dropped and which
     * then falls idle, retries from x+1 with everything it has, [x+1 .. last]; the retry reaches
     * the follower while A is pending; then A is released.
     */
    private RetryCollision collideRetryWithPendingAppend(RaftProperties properties) throws Exception {
        startCluster(properties);
        RaftServerImpl leader = (RaftServerImpl) RaftTestUtil.waitForLeader(cluster);
        RaftServerImpl follower = (RaftServerImpl) cluster.getFollowers().get(0);
        faults.isolate(follower.getId());
        client = cluster.createClient(leader.getId());
        sendWrites(3);
        await("the follower has the leader's log").atMost(CATCH_UP)
                .until(() -> lastIndex(follower) == lastIndex(leader));

        long x = lastIndex(follower);
        faults.dropLeaderAppends(true);
        sendWrites(3);
        // Idle from here on, as after a restart: an entry appended after the retry would be sent on
        // its own, answered INCONSISTENCY and rewind the leader, hiding the fault.
        await("the leader's log is idle").atMost(CATCH_UP).until(() -> isIdle(leader));

        SimpleStateMachine4Testing.get(follower).blockWriteStateMachineData();
        CompletableFuture<AppendEntriesReplyProto> pending =
                follower.appendEntriesAsync(request(leader, follower, x, x + 1, x + 1, 1));
        assertThat(pending).as("A is held open").isNotDone();

        faults.watchForRetryFrom(x + 1);
        faults.dropLeaderAppends(false);
        await("the follower has taken the leader's retry from " + (x + 1)).atMost(CATCH_UP)
                .until(faults::retryScheduled);
        assertThat(pending).as("A is still held open when the retry arrives").isNotDone();

        SimpleStateMachine4Testing.get(follower).unblockWriteStateMachineData();
        assertThat(pending.get(CATCH_UP.toSeconds(), TimeUnit.SECONDS).getResult())
                .isEqualTo(AppendEntriesReplyProto.AppendResult.SUCCESS);
        return new RetryCollision(leader, follower, faults.retryLastIndex());
    }

    private record RetryCollision(RaftServerImpl leader, RaftServerImpl follower, long retryLastIndex) {
    }

    // ---- the cluster ----

    /**
     * Meridian's Ratis properties at the smallest snapshot threshold and segment size its tuning
     * allows, so that the leader purges its log within a few hundred entries. MiniRaftCluster gives
     * each server its own storage directory and port.
     */
    private static RaftProperties meridianProperties() {
        RaftTuning tuning = RaftTuning.DEFAULT.withSnapshotThreshold(SNAPSHOT_THRESHOLD)
                .withLogSegmentBytes(SEGMENT_BYTES);
        RaftProperties properties = RaftSettings.properties(tuning, Path.of("unused"), new HostPort("localhost", 0));
        properties.unset(GrpcConfigKeys.Server.HOST_KEY);
        properties.unset(GrpcConfigKeys.Server.PORT_KEY);
        properties.setClass(MiniRaftCluster.STATEMACHINE_CLASS_KEY, InstallingStateMachine.class, StateMachine.class);
        // Test harness only: the follower's append futures wait for the blocked state machine data,
        // the log file does not.
        RaftServerConfigKeys.Log.StateMachineData.setSync(properties, false);
        return properties;
    }

    private void startCluster(RaftProperties properties) throws IOException, InterruptedException {
        cluster = MiniRaftClusterWithGrpc.FACTORY.newCluster(3, properties);
        cluster.start();
    }

    private void sendWrites(int count) throws Exception {
        List<CompletableFuture<RaftClientReply>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            replies.add(client.async().send(new RaftTestUtil.SimpleMessage(PAYLOAD)));
        }
        for (CompletableFuture<RaftClientReply> reply : replies) {
            assertThat(reply.get(CATCH_UP.toSeconds(), TimeUnit.SECONDS).isSuccess()).isTrue();
        }
    }

    /**
     * Writes and snapshots until the leader's log starts after {@code index}; the log keeps a
     * snapshot threshold of entries behind the snapshot (Meridian's preservation), so it takes a
     * few hundred entries.
     */
    private void purgeLeaderLogPast(RaftServerImpl leader, long index) throws Exception {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (leader.getRaftLog().getStartIndex() <= index) {
            assertThat(System.nanoTime()).as("the leader purges its log past " + index).isLessThan(deadline);
            sendWrites(50);
            client.getSnapshotManagementApi(leader.getId()).create(true, CATCH_UP.toMillis());
        }
    }

    private void assertReplicasAppliedTheSameIndex() {
        await("every replica applies the same index").atMost(CATCH_UP).until(() -> cluster.getGroup().getPeers()
                .stream()
                .map(peer -> cluster.getDivision(peer.getId()).getInfo().getLastAppliedIndex())
                .distinct().count() == 1);
    }

    private static void assertLeaderMatchIndexWithinFollowerLog(RaftServerImpl leader, RaftServerImpl follower) {
        assertThat(matchIndex(leader, follower))
                .as("the leader's match index for the follower")
                .isLessThanOrEqualTo(lastIndex(follower));
    }

    // ---- reading the servers ----

    /** The index of the last entry the server holds, in its log or in its snapshot. */
    private static long lastIndex(RaftServer.Division server) {
        RaftLog log = server.getRaftLog();
        if (!log.isOpened()) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        TermIndex last = log.getLastEntryTermIndex();
        return Math.max(last == null ? RaftLog.INVALID_LOG_INDEX : last.getIndex(), log.getSnapshotIndex());
    }

    /** Everything is committed and the last entry records that: the leader appends nothing more. */
    private static boolean isIdle(RaftServerImpl leader) throws Exception {
        long last = lastIndex(leader);
        return leader.getRaftLog().getLastCommittedIndex() == last && leader.getRaftLog().get(last).hasMetadataEntry();
    }

    private static FollowerInfo leadersViewOf(RaftServerImpl leader, RaftServerImpl follower) {
        return leader.getRole().getLeaderState().orElseThrow()
                .getLogAppender(follower.getId()).orElseThrow()
                .getFollower();
    }

    private static long matchIndex(RaftServerImpl leader, RaftServerImpl follower) {
        return leadersViewOf(leader, follower).getMatchIndex();
    }

    private static long firstMetadataEntryAfterAnotherEntry(RaftServerImpl leader, long from) throws Exception {
        RaftLog log = leader.getRaftLog();
        for (long i = from; i <= lastIndex(leader); i++) {
            if (log.get(i).hasMetadataEntry() && !log.get(i - 1).hasMetadataEntry()) {
                return i;
            }
        }
        throw new AssertionError("no metadata entry after index " + from + " in " + log);
    }

    /** The first of the leader's entries after {@code from} that carries state-machine data; -1 if none. */
    private static long firstDataEntryAfter(RaftServerImpl leader, long from) throws Exception {
        RaftLog log = leader.getRaftLog();
        for (long i = from + 1; i <= lastIndex(leader); i++) {
            if (log.get(i).hasStateMachineLogEntry()) {
                return i;
            }
        }
        return -1;
    }

    /** An AppendEntries of the leader's entries [from .. to], as the leader would send it. */
    private static AppendEntriesRequestProto request(RaftServerImpl leader, RaftServerImpl follower,
            long previous, long from, long to, long callId) throws Exception {
        List<LogEntryProto> entries = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            entries.add(leader.getRaftLog().get(i));
        }
        return AppendEntriesRequestProto.newBuilder()
                .setServerRequest(ClientProtoUtils.toRaftRpcRequestProtoBuilder(leader.getMemberId(), follower.getId())
                        .setCallId(TEST_CALL_ID_BASE + callId))
                .setLeaderTerm(leader.getInfo().getCurrentTerm())
                .setLeaderCommit(leader.getRaftLog().getLastCommittedIndex())
                .setInitializing(false)
                .addAllEntries(entries)
                .setPreviousLog(leader.getRaftLog().getTermIndex(previous).toProto())
                .build();
    }

    /** The errors the follower's log worker logged; the appender adds under its own lock. */
    private List<ILoggingEvent> logWorkerErrors() {
        synchronized (logWorkerErrors) {
            return logWorkerErrors.list.stream().filter(event -> event.getLevel() == Level.ERROR).toList();
        }
    }

    private static Logger logWorkerLogger() {
        return (Logger) LoggerFactory.getLogger(LOG_WORKER_LOGGER);
    }

    /**
     * The faults injected into the isolated follower: the leader's AppendEntries with entries and
     * its InstallSnapshot requests are dropped (heartbeats pass, so the follower stays a
     * follower), and the leader's retry from a given index is noticed once the follower has
     * scheduled its append. Fields are read on gRPC threads.
     */
    private static final class Faults {
        private volatile RaftPeerId follower;
        private volatile boolean dropLeaderAppends;
        private volatile boolean dropInstalls;
        private volatile long retryFrom = RaftLog.INVALID_LOG_INDEX;
        private volatile long retryLastIndex = RaftLog.INVALID_LOG_INDEX;
        private final AtomicBoolean retryScheduled = new AtomicBoolean();
        /** Set between a handler thread's AppendEntries check and its append being scheduled. */
        private final ThreadLocal<Long> retryInFlight = new ThreadLocal<>();

        void isolate(RaftPeerId id) {
            follower = id;
        }

        void dropLeaderAppends(boolean drop) {
            dropLeaderAppends = drop;
        }

        void dropInstalls(boolean drop) {
            dropInstalls = drop;
        }

        void watchForRetryFrom(long index) {
            retryFrom = index;
        }

        boolean retryScheduled() {
            return retryScheduled.get();
        }

        long retryLastIndex() {
            return retryLastIndex;
        }

        void heal() {
            dropLeaderAppends = false;
            dropInstalls = false;
            retryFrom = RaftLog.INVALID_LOG_INDEX;
        }

        boolean onAppendEntries(Object localId, Object remoteId, Object... args) {
            retryInFlight.remove();
            if (!localId.equals(follower) || args.length < 2
                    || !(args[1] instanceof AppendEntriesRequestProto request)
                    || request.getEntriesCount() == 0
                    || request.getServerRequest().getCallId() >= TEST_CALL_ID_BASE) {
                return false;
            }
            if (dropLeaderAppends) {
                throw new IllegalStateException("test fault: dropped AppendEntries from " + remoteId);
            }
            if (request.getEntries(0).getIndex() == retryFrom && request.getEntriesCount() > 1) {
                retryInFlight.set(request.getEntries(request.getEntriesCount() - 1).getIndex());
            }
            return false;
        }

        /** Runs on the handler thread once the follower has scheduled (or skipped) the append. */
        boolean onAppendScheduled(Object localId, Object remoteId, Object... args) {
            Long last = retryInFlight.get();
            if (last != null && localId.equals(follower)) {
                retryInFlight.remove();
                retryLastIndex = last;
                retryScheduled.set(true);
            }
            return false;
        }

        boolean onInstallSnapshot(Object localId, Object remoteId, Object... args) {
            if (dropInstalls && localId.equals(follower)) {
                throw new IllegalStateException("test fault: dropped InstallSnapshot from " + remoteId);
            }
            return false;
        }
    }

    /**
     * Ratis' test state machine, able to reload a snapshot installed on a follower that has
     * already applied entries (the original replays the snapshot's entries over them and fails its
     * applied-index check). It keeps only the applied index, which is all these tests compare.
     */
    public static final class InstallingStateMachine extends SimpleStateMachine4Testing {
        @Override
        public synchronized void reinitialize() throws IOException {
            SingleFileSnapshotInfo snapshot = getStateMachineStorage().loadLatestSnapshot();
            if (snapshot != null) {
                setLastAppliedTermIndex(snapshot.getTermIndex());
            }
            if (getLifeCycleState() == LifeCycle.State.PAUSED) {
                getLifeCycle().transition(LifeCycle.State.STARTING);
                getLifeCycle().transition(LifeCycle.State.RUNNING);
            }
        }
    }
}
