package io.meridian.node.statemachine;

import io.meridian.core.Rejection;
import io.meridian.proto.RejectCode;
import java.io.IOException;
import java.util.Optional;

/**
 * An entry the leader refused before the log. Ratis carries it to the submitting node as the
 * cause of a StateMachineException, rebuilt from its class name and message, so the message holds
 * the code: {@code REJECT_INVALID_ARGUMENT: what was wrong}.
 */
public final class EntryRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    public EntryRefusedException(String message) {
        super(message);
    }

    public static EntryRefusedException of(Rejection rejection) {
        return new EntryRefusedException(rejection.code().name() + ": " + rejection.message());
    }

    /** The rejection a message of this exception carries, if it carries one. */
    public static Optional<Rejection> parse(String message) {
        if (message == null) {
            return Optional.empty();
        }
        int colon = message.indexOf(": ");
        if (colon <= 0) {
            return Optional.empty();
        }
        try {
            RejectCode code = RejectCode.valueOf(message.substring(0, colon));
            return Optional.of(new Rejection(code, message.substring(colon + 2)));
        } catch (IllegalArgumentException notACode) {
            return Optional.empty();
        }
    }
}
