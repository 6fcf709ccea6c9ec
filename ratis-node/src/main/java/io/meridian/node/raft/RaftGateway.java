package io.meridian.node.raft;

import io.meridian.core.Rejection;
import io.meridian.node.RaftTuning;
import io.meridian.node.statemachine.EntryRefusedException;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RejectCode;
import io.meridian.wire.RequestSession;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's way into the metadata group: submits entries (to whichever member leads; Ratis
 * finds it and retries across elections, its retry cache making a retry apply once) and confirms
 * linearizable reads with a read index. When the membership changes, a new Ratis client is built
 * for the new members; the old one is closed once its requests had time to finish. A node that
 * has not joined any configuration yet has no members to send to: its writes and reads fail at
 * once, saying so.
 *
 * <p>Every entry carries a request identity: the client's, when the write came with one, else one
 * of this node's own session ({@link RequestSession}), drawn once per write. Every copy the
 * gateway or Ratis sends of an entry carries the same identity, so the state machine applies it
 * at most once however many copies reach the log: a leader that steps down answers its pending
 * writes "not leader" although they may be committed by the next leader, and the copy sent again
 * is then answered with the first copy's outcome.
 *
 * <p>While this node leads, an entry goes straight to its own Raft server instead of through the
 * Ratis client and a loopback connection; when the server answers that it does not lead, the entry
 * takes the client's path, which finds the new leader.
 *
 * <p>Thread-safe.
 */
public final class RaftGateway implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftGateway.class);
    private static final Duration RETRY_SLEEP = Duration.ofMillis(100);
    private static final String NOT_A_MEMBER = "this node is not a member of the metadata group yet";

    private final String prefix;
    /** The transport's parameters: its TLS configuration, when the cluster runs with TLS. */
    private final Parameters transport;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final RaftTuning tuning;
    private final ScheduledExecutorService scheduler;
    private final Supplier<Optional<RaftServer.Division>> local;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private final RaftProperties properties = new RaftProperties();
    private final RequestSession session = new RequestSession();
    private volatile List<RaftPeer> peers;
    private volatile RaftClient client;
    /** The leader this node's replica last learned of; null before it learned any. */
    private RaftPeerId leader;
    private volatile boolean closed;

    /**
     * @param local this node's division of the group, when its server runs it (for the direct path
     *     while it leads); empty when not
     */
    public RaftGateway(String prefix, RaftGroupId groupId, RaftPeerId self, Collection<RaftPeer> peers,
            RaftTuning tuning, ScheduledExecutorService scheduler, Supplier<Optional<RaftServer.Division>> local,
            Parameters transport) {
        this.prefix = prefix;
        this.transport = transport;
        this.local = local;
        this.groupId = groupId;
        this.self = self;
        this.tuning = tuning;
        this.scheduler = scheduler;
        // One attempt waits no longer than it takes the group to replace a leader that went silent:
        // then the client tries another member, which names the new leader.
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(Math.min(
                tuning.requestTimeout().toMillis(), tuning.electionTimeoutMax().toMillis()), TimeUnit.MILLISECONDS));
        this.peers = sorted(peers);
        this.client = this.peers.isEmpty() ? null : newClient(this.peers, null);
    }

    private static List<RaftPeer> sorted(Collection<RaftPeer> peers) {
        List<RaftPeer> out = new ArrayList<>(peers);
        out.sort(Comparator.comparing(peer -> peer.getId().toString()));
        return out;
    }

    private RaftClient newClient(List<RaftPeer> members, RaftPeerId leader) {
        int attempts = (int) Math.max(3, tuning.writeTimeout().toMillis() / RETRY_SLEEP.toMillis());
        return RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, members))
                .setLeaderId(leader)
                .setProperties(properties)
                .setParameters(transport)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                        TimeDuration.valueOf(RETRY_SLEEP.toMillis(), TimeUnit.MILLISECONDS)))
                .build();
    }

    /** The members this gateway sends to. */
    public List<RaftPeer> peers() {
        return peers;
    }

    /** Rebuilds the Ratis client when the members changed. */
    public synchronized void updatePeers(Collection<RaftPeer> members) {
        List<RaftPeer> next = sorted(members);
        if (closed || next.equals(peers) || next.isEmpty()) {
            return;
        }
        peers = next;
        replaceClient(newClient(next, leader));
        LOG.info("{}: Metadata group members are now {}.", prefix, next);
    }

    /**
     * Points new writes at the leader this node's replica just learned of, so that a write taken by
     * a follower goes to the new leader at once instead of first to the old one (which may be
     * silent, and cost a request timeout) or through a "not leader" answer.
     */
    public synchronized void leaderChanged(String leaderId) {
        RaftPeerId next = RaftPeerId.valueOf(leaderId);
        if (closed || next.equals(leader) || peers.isEmpty()
                || peers.stream().noneMatch(peer -> peer.getId().equals(next))) {
            return;
        }
        leader = next;
        replaceClient(newClient(peers, next));
    }

    /** Makes the client the one new requests use; the old one is closed once its requests had time to end. */
    private void replaceClient(RaftClient next) {
        RaftClient old = client;
        client = next;
        if (old != null) {
            scheduler.schedule(() -> closeQuietly(old), tuning.writeTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Submits an entry; completes with the outcome the state machine gave it (applied, rejected at
     * apply, or the first outcome of a request applied before), or exceptionally with a
     * {@link WriteFailure}. An entry without a request identity gets one of this node's session.
     */
    public CompletableFuture<EntryOutcome> submit(MetadataEntry entry) {
        if (entry.hasRequest()) {
            return submitOnce(entry);
        }
        RequestSession.Request request = session.begin();
        CompletableFuture<EntryOutcome> result = new CompletableFuture<>();
        submitOnce(entry.toBuilder().setRequest(request.id()).build()).whenComplete((outcome, error) -> {
            if (error == null && outcome.hasRejection()
                    && outcome.getRejection().getCode() == RejectCode.REJECT_SESSION_EXPIRED) {
                // The session was evicted or expired; whether an earlier copy of this request was
                // applied before that cannot be known. Later requests start a new session.
                session.expired(request);
                LOG.info("{}: This node's request session was no longer known; started a new one.", prefix);
                result.completeExceptionally(WriteFailure.outcomeUnknown("this node's request session was no "
                        + "longer known to the state machine: " + outcome.getRejection().getMessage(), null));
                return;
            }
            session.end(request);
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(outcome);
            }
        });
        return result;
    }

    private CompletableFuture<EntryOutcome> submitOnce(MetadataEntry entry) {
        CompletableFuture<EntryOutcome> result = new CompletableFuture<>();
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry.toByteArray()));
        Optional<RaftServer.Division> leading = local.get().filter(division -> division.getInfo().isLeaderReady());
        if (leading.isEmpty()) {
            submitThroughClient(message, result);
            return result;
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(self)
                .setGroupId(groupId)
                .setCallId(localCallIds.incrementAndGet())
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .setTimeoutMs(tuning.writeTimeout().toMillis())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = leading.get().getRaftServer().submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            submitThroughClient(message, result);
            return result;
        }
        reply.orTimeout(tuning.writeTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, error) -> {
            if (error == null && !r.isSuccess() && leadershipLost(r.getException())) {
                // Possibly appended: the next leader may commit it. The copy sent now carries the
                // same request identity, so the state machine applies the request once.
                submitThroughClient(message, result);
            } else {
                complete(result, r, error);
            }
        });
        return result;
    }

    /**
     * The server answered that it does not lead, is not ready or is stepping down. The entry may
     * have been appended all the same: a leader stepping down answers its pending writes so.
     */
    private static boolean leadershipLost(Throwable error) {
        return error instanceof NotLeaderException || error instanceof LeaderNotReadyException
                || error instanceof LeaderSteppingDownException;
    }

    private void submitThroughClient(Message message, CompletableFuture<EntryOutcome> result) {
        RaftClient current = client;
        if (current == null) {
            result.completeExceptionally(WriteFailure.notTaken(NOT_A_MEMBER, null));
            return;
        }
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = current.async().send(message);
        } catch (RuntimeException e) {
            result.completeExceptionally(WriteFailure.notTaken("the Raft client is closed: " + e.getMessage(), e));
            return;
        }
        reply.orTimeout(tuning.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, error) -> complete(result, r, error));
    }

    private void complete(CompletableFuture<EntryOutcome> result, RaftClientReply r, Throwable error) {
        if (error != null) {
            result.completeExceptionally(failure(error));
        } else if (!r.isSuccess()) {
            result.completeExceptionally(failure(r.getException()));
        } else {
            try {
                result.complete(EntryOutcome.parseFrom(r.getMessage().getContent().toByteArray()));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                result.completeExceptionally(WriteFailure.outcomeUnknown(
                        "the reply of the metadata group does not parse: " + e.getMessage(), e));
            }
        }
    }

    /** Submits and waits; for leader-side services that run on their own thread. */
    public EntryOutcome submitAndWait(MetadataEntry entry) throws WriteFailure, InterruptedException {
        try {
            return submit(entry).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WriteFailure failure) {
                throw failure;
            }
            throw WriteFailure.outcomeUnknown(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private WriteFailure failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof WriteFailure failure) {
            return failure;
        }
        if (cause instanceof StateMachineException sme) {
            Optional<Rejection> rejection = refusal(sme);
            if (rejection.isPresent()) {
                return WriteFailure.refused(rejection.get());
            }
        }
        if (cause instanceof ResourceUnavailableException) {
            return WriteFailure.notTaken("the leader has too many writes pending: " + cause.getMessage(), cause);
        }
        if (cause instanceof TimeoutException) {
            return WriteFailure.outcomeUnknown("no answer from the metadata group within "
                    + tuning.writeTimeout().toMillis() + " ms; the entry may still be applied", cause);
        }
        return WriteFailure.outcomeUnknown("the metadata group did not answer (" + cause
                + "); the entry may still be applied", cause);
    }

    private static Optional<Rejection> refusal(StateMachineException sme) {
        for (Throwable t = sme; t != null; t = t.getCause()) {
            if (t instanceof EntryRefusedException refused) {
                return EntryRefusedException.parse(refused.getMessage());
            }
        }
        return EntryRefusedException.parse(sme.getCause() == null ? null : sme.getCause().getMessage());
    }

    /**
     * Completes once this node has applied everything committed before the call: after it, a read
     * of this node's image is linearizable. Fails when the leader cannot be reached.
     */
    public CompletableFuture<Void> readBarrier() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        RaftClient current = client;
        if (current == null) {
            result.completeExceptionally(new IOException(NOT_A_MEMBER));
            return result;
        }
        current.async().sendReadOnlyUnordered(Message.EMPTY, self)
                .orTimeout(tuning.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (!reply.isSuccess()) {
                        result.completeExceptionally(reply.getException());
                    } else {
                        result.complete(null);
                    }
                });
        return result;
    }

    /** The Ratis client, for admin calls (snapshots, leadership transfer); fails before this node joined. */
    public RaftClient client() throws IOException {
        RaftClient current = client;
        if (current == null) {
            throw new IOException(NOT_A_MEMBER);
        }
        return current;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            closeQuietly(client);
        }
    }

    private void closeQuietly(RaftClient old) {
        try {
            old.close();
        } catch (IOException e) {
            LOG.debug("{}: Closing a Raft client failed: {}", prefix, e.toString());
        }
    }
}
