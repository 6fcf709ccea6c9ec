package io.meridian.wire;

import com.google.protobuf.ByteString;
import io.meridian.proto.RequestId;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The sending side of a client session (Raft dissertation section 6.3): draws the session's id,
 * numbers its requests, and tracks which are still unanswered, so every request says below which
 * sequence the state machine may forget outcomes (see RequestId in entry.proto).
 *
 * <p>A session holds at most {@value #MAX_IN_FLIGHT} unanswered requests, well within the
 * outcomes the state machine keeps per session; beyond that, and after it has been idle for a
 * while (the state machine expires sessions idle for an hour), the next request starts a new
 * session with a fresh id. Requests already under way keep the identity they began with.
 *
 * <p>Thread-safe.
 */
public final class RequestSession {

    /** Most unanswered requests of one session id. */
    public static final int MAX_IN_FLIGHT = 64;
    /** After this long without a request, the next one starts a new session id. */
    public static final Duration IDLE_RENEWAL = Duration.ofMinutes(20);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final LongSupplier nanoClock;
    private volatile Generation current;

    /** One session id and its requests. */
    private static final class Generation {
        private final ByteString clientId;
        private final AtomicLong next = new AtomicLong(1);
        private final ConcurrentSkipListSet<Long> unanswered = new ConcurrentSkipListSet<>();
        private volatile long lastUsedNanos;

        Generation(long now) {
            byte[] id = new byte[16];
            RANDOM.nextBytes(id);
            this.clientId = ByteString.copyFrom(id);
            this.lastUsedNanos = now;
        }
    }

    /** One request: its identity, the same on every attempt, until it is {@link #end}ed. */
    public static final class Request {
        private final Generation generation;
        private final RequestId id;

        private Request(Generation generation, RequestId id) {
            this.generation = generation;
            this.id = id;
        }

        public RequestId id() {
            return id;
        }
    }

    public RequestSession() {
        this(System::nanoTime);
    }

    RequestSession(LongSupplier nanoClock) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.current = new Generation(nanoClock.getAsLong());
    }

    /** Starts a request: the next sequence of the session, registered as unanswered. */
    public synchronized Request begin() {
        long now = nanoClock.getAsLong();
        Generation generation = current;
        if (generation.unanswered.size() >= MAX_IN_FLIGHT
                || (generation.unanswered.isEmpty() && now - generation.lastUsedNanos > IDLE_RENEWAL.toNanos())) {
            generation = new Generation(now);
            current = generation;
        }
        generation.lastUsedNanos = now;
        long sequence = generation.next.getAndIncrement();
        generation.unanswered.add(sequence);
        RequestId id = RequestId.newBuilder()
                .setClientId(generation.clientId)
                .setSequence(sequence)
                .setLowestUnanswered(generation.unanswered.first())
                .build();
        return new Request(generation, id);
    }

    /**
     * Ends a request the state machine refused because it no longer knows its session (expired, or
     * evicted from a full table): the requests after it start a new session id.
     */
    public synchronized void expired(Request request) {
        end(request);
        if (current == request.generation) {
            current = new Generation(nanoClock.getAsLong());
        }
    }

    /**
     * Starts the request again under a new session id, after the state machine said the session
     * expired before any attempt of the request can have reached the log: nothing of it was applied.
     */
    public synchronized Request renew(Request request) {
        expired(request);
        return begin();
    }

    /** Ends a request: answered, or given up on. The state machine then retires it. */
    public void end(Request request) {
        request.generation.unanswered.remove(request.id.getSequence());
    }

    /** The id new requests get, for logs and tests. */
    public ByteString currentClientId() {
        return current.clientId;
    }
}
