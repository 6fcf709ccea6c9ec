package io.meridian.node.statemachine;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.Rejection;
import io.meridian.core.apply.ApplyResult;
import io.meridian.core.apply.EntryCodec;
import io.meridian.core.apply.EntryContext;
import io.meridian.core.apply.EntryDecodeException;
import io.meridian.core.apply.MetadataApplier;
import io.meridian.core.apply.Outcome;
import io.meridian.core.apply.Outcomes;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.snapshot.StateDigest;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import io.meridian.proto.WatchEvent;
import java.io.File;
import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata group's state machine: a thin adapter between Ratis and cluster-core.
 *
 * <ul>
 *   <li>{@link #startTransaction} (leader): decodes the request, admits it (the stateless checks,
 *       the request identity, the capability gate) and runs the leader's guard, adapts it to the
 *       cluster's entry format and stamps the leader's time into it. A refused entry never reaches
 *       the log; the submitter gets the reason.</li>
 *   <li>{@link #applyTransaction} (every replica, in log order): applies through cluster-core,
 *       publishes the new image, and replies with the outcome; another copy of a request applied
 *       before is answered with the first copy's outcome. An entry that does not decode, one this
 *       version cannot apply, or one whose checksum fails stops the replica: it must never apply a
 *       guess.</li>
 *   <li>Snapshots are written from the published image and loaded on start and after the leader
 *       installs one.</li>
 * </ul>
 *
 * <p>The current image is one volatile reference: reads, snapshots and status take it without
 * locks while apply goes on. Thread-safe.
 */
public final class MetadataStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final String prefix;
    private final MetadataApplier applier = new MetadataApplier();
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ChangeFeed feed;
    private final Clock clock;
    private final AtomicReference<LeaderHooks> hooks = new AtomicReference<>(LeaderHooks.NONE);
    private final AtomicReference<EntryGuard> guard = new AtomicReference<>(EntryGuard.NONE);
    private final AtomicReference<DigestedImage> digested = new AtomicReference<>();
    private final AtomicLong snapshotsInstalled = new AtomicLong();
    private final AtomicLong snapshotsTaken = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ConcurrentSkipListMap<Long, Checkpoint> checkpoints = new ConcurrentSkipListMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /**
     * Images are kept at every index that is a multiple of this, the last {@value #CHECKPOINTS_KEPT}
     * of them, so that replicas can compare their states at the same indexes.
     */
    public static final long CHECKPOINT_INTERVAL = 256;
    private static final int CHECKPOINTS_KEPT = 8;

    /** The image at a checkpoint index, and its digest once asked for. */
    private static final class Checkpoint {
        private final MetadataImage image;
        private volatile StateDigest digest;

        Checkpoint(MetadataImage image) {
            this.image = image;
        }

        StateDigest digest() {
            StateDigest known = digest;
            if (known == null) {
                known = SnapshotCodec.digest(image);
                digest = known;
            }
            return known;
        }
    }

    private record DigestedImage(MetadataImage image, StateDigest digest) {
    }

    public MetadataStateMachine(String nodeId, ChangeFeed feed, Clock clock) {
        this.prefix = nodeId;
        this.feed = Objects.requireNonNull(feed, "feed");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public void setHooks(LeaderHooks value) {
        hooks.set(Objects.requireNonNull(value, "hooks"));
    }

    /** The leader's check on what only it knows, run after the stateless checks and the gate. */
    public void setGuard(EntryGuard value) {
        guard.set(Objects.requireNonNull(value, "guard"));
    }

    /** Makes the image the current one, and keeps it when its index is a checkpoint. */
    private void publish(MetadataImage next) {
        image = next;
        if (next.index() > 0 && next.index() % CHECKPOINT_INTERVAL == 0) {
            checkpoints.put(next.index(), new Checkpoint(next));
            while (checkpoints.size() > CHECKPOINTS_KEPT) {
                checkpoints.pollFirstEntry();
            }
        }
    }

    /**
     * The digests of this replica's state at its recent checkpoint indexes (multiples of
     * {@value #CHECKPOINT_INTERVAL}), computed once each; every replica that applied the same log
     * has the same digest at the same index.
     */
    public SortedMap<Long, StateDigest> checkpointDigests() {
        SortedMap<Long, StateDigest> out = new TreeMap<>();
        checkpoints.forEach((index, checkpoint) -> out.put(index, checkpoint.digest()));
        return out;
    }

    /** The state as last applied. */
    public MetadataImage image() {
        return image;
    }

    /** The state as last applied with its digest, computed once per state. */
    public DigestedState digestedState() {
        MetadataImage current = image;
        DigestedImage cached = digested.get();
        if (cached == null || cached.image() != current) {
            cached = new DigestedImage(current, SnapshotCodec.digest(current));
            digested.set(cached);
        }
        return new DigestedState(cached.image(), cached.digest());
    }

    /** A state and its digest, taken together. */
    public record DigestedState(MetadataImage image, StateDigest digest) {
    }

    public ChangeFeed feed() {
        return feed;
    }

    /** How many snapshots the leader installed on this replica since it started. */
    public long snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    /** How many snapshots this replica wrote since it started. */
    public long snapshotsTaken() {
        return snapshotsTaken.get();
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.getLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        snapshotsInstalled.incrementAndGet();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            feed.restartAfter(image.index());
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        MetadataImage loaded = SnapshotFiles.read(file, snapshot.getFile().getFileDigest(), snapshot.getTermIndex());
        publish(loaded);
        setLastAppliedTermIndex(snapshot.getTermIndex());
        feed.restartAfter(loaded.index());
        LOG.info("{}: Loaded snapshot {} at index {} ({} nodes, {} shards).", prefix, file.getName(), loaded.index(),
                loaded.topology().nodes().size(), loaded.routing().shards().size());
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext.Builder context = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request);
        MetadataEntry entry;
        try {
            entry = EntryCodec.decode(ByteString.copyFrom(request.getMessage().getContent().asReadOnlyByteBuffer()));
        } catch (EntryDecodeException e) {
            return refused(context, new Rejection(RejectCode.REJECT_INVALID_ARGUMENT, e.getMessage()));
        }
        MetadataImage current = image;
        Optional<Rejection> refusal = MetadataApplier.admit(current, entry)
                .or(() -> guard.get().check(current, entry));
        if (refusal.isPresent()) {
            return refused(context, refusal.get());
        }
        long now = clock.millis();
        MetadataEntry stamped = CapabilityGate.adapt(current.capabilities(), entry, now).toBuilder()
                .setProposedAtMs(now).build();
        return context.setLogData(UnsafeByteOperations.unsafeWrap(stamped.toByteArray())).build();
    }

    private static TransactionContext refused(TransactionContext.Builder context, Rejection rejection) {
        TransactionContext transaction = context.build();
        transaction.setException(EntryRefusedException.of(rejection));
        return transaction;
    }

    /** What stopped this replica, when apply or the Raft log failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    @Override
    public void notifyLogFailed(Throwable cause, RaftProtos.LogEntryProto failedEntry) {
        failure.compareAndSet(null, cause);
        LOG.error("{}: The Raft log failed{}.", prefix, failedEntry == null ? ""
                : " at index " + failedEntry.getIndex(), cause);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        try {
            return apply(transaction);
        } catch (RuntimeException e) {
            // Ratis stops this replica's server: say why when the node stops.
            failure.compareAndSet(null, e);
            throw e;
        }
    }

    private CompletableFuture<Message> apply(TransactionContext transaction) {
        RaftProtos.LogEntryProto logEntry = transaction.getLogEntry();
        long term = logEntry.getTerm();
        long index = logEntry.getIndex();
        MetadataEntry entry;
        try {
            entry = EntryCodec.decode(ByteString.copyFrom(
                    logEntry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer()));
        } catch (EntryDecodeException e) {
            throw new IllegalStateException(prefix + ": the committed entry at index " + index + " does not decode ("
                    + e.getMessage() + "); the log is corrupt or was written by another program. This replica "
                    + "stops rather than diverge.", e);
        }
        ApplyResult result = applier.apply(image, new EntryContext(term, index), entry);
        EntryOutcome outcome;
        if (result.outcome() instanceof Outcome.Skipped) {
            outcome = Outcomes.rejected(term, index, new Rejection(RejectCode.REJECT_INVALID_ARGUMENT,
                    "entry at index " + index + " was applied before"));
        } else {
            if (result.outcome() instanceof Outcome.Rejected rejected
                    && rejected.rejection().code() == RejectCode.REJECT_CHECKSUM_MISMATCH) {
                throw new IllegalStateException(prefix + ": the committed entry at index " + index + " fails its "
                        + "CRC32C check although the leader checked it before the log: " + rejected.rejection()
                        + ". The log is corrupt; this replica stops rather than apply it.");
            }
            outcome = Outcomes.of(term, index, result.outcome());
            publish(result.image());
            updateLastAppliedTermIndex(term, index);
            if (result.outcome() instanceof Outcome.Applied) {
                feed.append(WatchEvent.newBuilder().setIndex(index).setTerm(term).setEntry(entry)
                        .addAllChanges(outcome.getApplied().getChangesList()).build());
            } else {
                feed.advanceTo(index);
            }
            LOG.debug("{}: {} {} at index {}.", prefix, result.outcome().getClass().getSimpleName(),
                    entry.getKindCase(), index);
        }
        return CompletableFuture.completedFuture(
                Message.valueOf(UnsafeByteOperations.unsafeWrap(outcome.toByteArray())));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        publish(applier.advance(image, term, index));
        feed.advanceTo(index);
        super.notifyTermIndexUpdated(term, index);
    }

    /** Reads do not go through here: the node confirms a read index with this no-op, then reads its image. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snapshot = image;
        long term = snapshot.provenance().term();
        long index = snapshot.index();
        if (index == 0) {
            return index;
        }
        File file = storage.getSnapshotFile(term, index);
        if (!file.exists()) {
            long started = System.nanoTime();
            MD5Hash md5 = SnapshotFiles.write(snapshot, file);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5),
                    TermIndex.valueOf(term, index)));
            snapshotsTaken.incrementAndGet();
            LOG.info("{}: Wrote snapshot {} ({} bytes, {} shards) in {} ms.", prefix, file.getName(), file.length(),
                    snapshot.routing().shards().size(), (System.nanoTime() - started) / 1_000_000);
        }
        return index;
    }

    @Override
    public void notifyLeaderReady() {
        hooks.get().leaderReady();
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pending) {
        hooks.get().notLeader();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId self, RaftPeerId newLeader) {
        if (newLeader == null || !newLeader.equals(self.getPeerId())) {
            hooks.get().notLeader();
        }
        if (newLeader != null) {
            hooks.get().leaderChanged(newLeader.toString());
        }
    }

    @Override
    public void notifyConfigurationChanged(long term, long index, RaftProtos.RaftConfigurationProto configuration) {
        hooks.get().configurationChanged();
    }

    @Override
    public void notifyServerShutdown(RaftProtos.RoleInfoProto roleInfo, boolean allServer) {
        hooks.get().notLeader();
    }

    /** Events since an index, for tests and the API; see {@link ChangeFeed#read}. */
    public List<WatchEvent> changesSince(long fromIndex, int max) throws ChangeFeed.CompactedException,
            InterruptedException {
        return feed.read(fromIndex, max, 0);
    }
}
