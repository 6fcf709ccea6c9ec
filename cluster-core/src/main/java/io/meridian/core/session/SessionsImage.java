package io.meridian.core.session;

import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * The exactly-once table: every client session the state machine remembers, indexed by id and by
 * last activity, so that expiry and eviction take the sessions idle the longest, in a
 * deterministic order. The bounds below are part of entry-format 4's rules; changing them
 * changes what replay does, so a later release gates any change on the entry format.
 *
 * <p>Immutable and thread-safe.
 */
public record SessionsImage(TreePMap<ClientId, Session> sessions, TreePSet<Activity> byActivity, long outcomeCount) {

    /** A session idle this long by logical time expires. */
    public static final long SESSION_TTL_MS = 3_600_000L;
    /** Most sessions kept; beyond it the sessions idle the longest are evicted. */
    public static final int MAX_SESSIONS = 16_384;
    /** Most outcomes kept over all sessions; beyond it the sessions idle the longest are evicted. */
    public static final long MAX_OUTCOMES = 65_536;
    /** Most outcomes one session keeps; beyond it its oldest requests are retired. */
    public static final int MAX_OUTCOMES_PER_SESSION = 128;

    public static final SessionsImage EMPTY = new SessionsImage(TreePMap.empty(), TreePSet.empty(), 0);

    /** A session's place in the order of activity: idle the longest first, then by id. */
    public record Activity(long lastActiveMs, ClientId id) implements Comparable<Activity> {
        @Override
        public int compareTo(Activity other) {
            int byTime = Long.compare(lastActiveMs, other.lastActiveMs);
            return byTime != 0 ? byTime : id.compareTo(other.id);
        }
    }

    public SessionsImage {
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(byActivity, "byActivity");
    }

    /** The table holding these sessions, its indexes built from them. */
    public static SessionsImage of(TreePMap<ClientId, Session> sessions) {
        TreePSet<Activity> activity = TreePSet.empty();
        long outcomes = 0;
        for (Session session : sessions.values()) {
            activity = activity.plus(new Activity(session.lastActiveMs(), session.id()));
            outcomes += session.outcomes().size();
        }
        return new SessionsImage(sessions, activity, outcomes);
    }

    public Optional<Session> session(ClientId id) {
        return Optional.ofNullable(sessions.get(id));
    }

    /** The table with this session added or replaced. */
    SessionsImage with(Session session) {
        Session previous = sessions.get(session.id());
        TreePSet<Activity> activity = byActivity;
        long outcomes = outcomeCount + session.outcomes().size();
        if (previous != null) {
            activity = activity.minus(new Activity(previous.lastActiveMs(), previous.id()));
            outcomes -= previous.outcomes().size();
        }
        return new SessionsImage(sessions.plus(session.id(), session),
                activity.plus(new Activity(session.lastActiveMs(), session.id())), outcomes);
    }

    private SessionsImage without(Activity oldest) {
        Session gone = sessions.get(oldest.id());
        return new SessionsImage(sessions.minus(oldest.id()), byActivity.minus(oldest),
                outcomeCount - gone.outcomes().size());
    }

    /**
     * The table at logical time {@code now}: sessions idle for {@link #SESSION_TTL_MS} are gone, and
     * then the sessions idle the longest until the table is within its bounds.
     */
    SessionsImage expired(long now) {
        SessionsImage table = this;
        while (!table.byActivity.isEmpty()) {
            Activity oldest = table.byActivity.first();
            boolean idle = now - oldest.lastActiveMs() >= SESSION_TTL_MS;
            boolean over = table.sessions.size() > MAX_SESSIONS || table.outcomeCount > MAX_OUTCOMES;
            if (!idle && !over) {
                break;
            }
            table = table.without(oldest);
        }
        return table;
    }
}
