package io.meridian.core.session;

import static io.meridian.proto.RejectCode.REJECT_REQUEST_RETIRED;
import static io.meridian.proto.RejectCode.REJECT_SESSION_EXPIRED;

import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RequestId;
import java.util.Optional;

/**
 * Applies the exactly-once rules of client sessions (see RequestId in entry.proto): decides
 * whether a request is new, a repeat of one applied before (answered with the first outcome), or
 * refused (retired, or of a session that expired), and records outcomes.
 *
 * <p>Stateless and thread-safe; the state is the {@link SessionsImage} passed in.
 */
public final class SessionApplier {

    private SessionApplier() {
    }

    /** What the table says of a request before it is applied. */
    public sealed interface Verdict permits Fresh, Repeat, Refused {
    }

    /** Never applied: apply it and record its outcome. */
    public record Fresh() implements Verdict {
    }

    /** Applied before: answer with the first outcome and change nothing. */
    public record Repeat(EntryOutcome first) implements Verdict {
    }

    /** Not to be applied, ever. */
    public record Refused(Rejection rejection) implements Verdict {
    }

    /** The stateless checks of a request identity, made before the log. */
    public static Optional<Rejection> validate(RequestId request) {
        if (request.getClientId().size() != ClientId.LENGTH) {
            return Validation.invalid("a request's client id is %d bytes, got %d", ClientId.LENGTH,
                    request.getClientId().size());
        }
        if (request.getSequence() < 1) {
            return Validation.invalid("a request's sequence starts at 1, got %s",
                    Long.toUnsignedString(request.getSequence()));
        }
        if (Long.compareUnsigned(request.getLowestUnanswered(), request.getSequence()) > 0) {
            return Validation.invalid("request %s says requests below %s were answered, itself among them",
                    Long.toUnsignedString(request.getSequence()), Long.toUnsignedString(request.getLowestUnanswered()));
        }
        return Rejection.none();
    }

    /** The entry's identity, when it carries a well-formed one; apply ignores a malformed one. */
    public static Optional<RequestId> identity(MetadataEntry entry) {
        if (!entry.hasRequest() || validate(entry.getRequest()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(entry.getRequest());
    }

    public static Verdict check(SessionsImage table, RequestId request) {
        ClientId id = ClientId.of(request.getClientId()).orElseThrow();
        long sequence = request.getSequence();
        Optional<Session> session = table.session(id);
        if (session.isEmpty()) {
            if (request.getLowestUnanswered() > 1) {
                return new Refused(new Rejection(REJECT_SESSION_EXPIRED, String.format(java.util.Locale.ROOT,
                        "client session %s is not known (it expired or was evicted) but request %d says earlier "
                                + "requests were answered; it was not applied", id, sequence)));
            }
            return new Fresh();
        }
        Optional<EntryOutcome> first = session.get().outcome(sequence);
        if (first.isPresent()) {
            return new Repeat(first.get());
        }
        if (session.get().retired(sequence)) {
            return new Refused(new Rejection(REJECT_REQUEST_RETIRED, String.format(java.util.Locale.ROOT,
                    "request %d of client session %s is retired (the session waits for %d and later); it was "
                            + "not applied now", sequence, id, session.get().lowestUnanswered())));
        }
        return new Fresh();
    }

    /** The table after a fresh request was applied or rejected with this outcome, at logical time now. */
    public static SessionsImage recorded(SessionsImage table, RequestId request, EntryOutcome outcome, long now) {
        ClientId id = ClientId.of(request.getClientId()).orElseThrow();
        Session session = table.session(id)
                .orElseGet(() -> new Session(id, 1, now, org.pcollections.TreePMap.empty()));
        return table.with(session.answered(request.getSequence(), outcome, request.getLowestUnanswered(), now));
    }

    /** The table after a repeated request, at logical time now. */
    public static SessionsImage touched(SessionsImage table, RequestId request, long now) {
        ClientId id = ClientId.of(request.getClientId()).orElseThrow();
        return table.session(id).map(session -> table.with(session.touched(now))).orElse(table);
    }

    /** The table with idle sessions expired and its bounds kept, at logical time now. */
    public static SessionsImage expired(SessionsImage table, long now) {
        return table.expired(now);
    }
}
