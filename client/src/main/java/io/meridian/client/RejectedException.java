package io.meridian.client;

import io.grpc.Status;
import io.meridian.proto.RejectCode;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The cluster refused the call: nothing changed. The rejection code is stable (outcome.proto);
 * the message names the ids involved. A refusal without a code (a join with a bad token) carries
 * only the gRPC status.
 */
public final class RejectedException extends MeridianException {

    private static final long serialVersionUID = 1L;

    private final Status.Code status;
    private final RejectCode code;
    private final int batchEntry;

    RejectedException(Status.Code status, RejectCode code, String message, int batchEntry, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.batchEntry = batchEntry;
    }

    /** The gRPC status of the refusal. */
    public Status.Code status() {
        return status;
    }

    /** The rejection code, when the cluster gave one. */
    public Optional<RejectCode> code() {
        return Optional.ofNullable(code);
    }

    /** For a refused batch, the position of the entry that was refused. */
    public OptionalInt batchEntry() {
        return batchEntry < 0 ? OptionalInt.empty() : OptionalInt.of(batchEntry);
    }
}
