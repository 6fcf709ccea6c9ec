package io.meridian.node.api;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meridian.core.Rejection;
import io.meridian.node.raft.WriteFailure;
import io.meridian.core.apply.Outcomes;
import io.meridian.proto.RejectCode;
import io.meridian.proto.Unavailable;

/**
 * How failures reach API callers: a rejection is a gRPC status chosen by its code, with the
 * RejectionDetail in the status details; a write that did not complete says whether its outcome
 * is unknown. Stateless.
 */
public final class ApiErrors {

    private ApiErrors() {
    }

    /** The gRPC status a rejection code maps to (the table is in outcome.proto). */
    public static Status.Code statusOf(RejectCode code) {
        return switch (code) {
            case REJECT_INVALID_ARGUMENT, REJECT_CHECKSUM_MISMATCH -> Status.Code.INVALID_ARGUMENT;
            case REJECT_NOT_FOUND -> Status.Code.NOT_FOUND;
            case REJECT_ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case REJECT_PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            default -> Status.Code.FAILED_PRECONDITION;
        };
    }

    public static StatusRuntimeException rejected(Rejection rejection) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(statusOf(rejection.code()).value())
                .setMessage(rejection.toString())
                .addDetails(Any.pack(Outcomes.toProto(rejection)))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    public static StatusRuntimeException invalid(String message) {
        return rejected(new Rejection(RejectCode.REJECT_INVALID_ARGUMENT, message));
    }

    public static StatusRuntimeException notFound(String message) {
        return rejected(new Rejection(RejectCode.REJECT_NOT_FOUND, message));
    }

    public static StatusRuntimeException failed(WriteFailure failure) {
        return switch (failure.kind()) {
            case REFUSED -> rejected(failure.rejection().orElseThrow());
            case NOT_TAKEN -> unavailable(Status.Code.UNAVAILABLE, false, failure.getMessage());
            case OUTCOME_UNKNOWN -> unavailable(Status.Code.DEADLINE_EXCEEDED, true, failure.getMessage());
        };
    }

    /** A read that could not be confirmed with the leader. */
    public static StatusRuntimeException readUnavailable(Throwable cause) {
        return unavailable(Status.Code.UNAVAILABLE, false,
                "could not confirm the read with the metadata group's leader: " + cause);
    }

    public static StatusRuntimeException unavailable(Status.Code code, boolean outcomeUnknown, String reason) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage((outcomeUnknown ? "outcome unknown: " : "") + reason)
                .addDetails(Any.pack(Unavailable.newBuilder().setOutcomeUnknown(outcomeUnknown).setReason(reason)
                        .build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }
}
