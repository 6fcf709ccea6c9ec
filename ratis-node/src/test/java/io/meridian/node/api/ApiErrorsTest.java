package io.meridian.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meridian.core.Rejection;
import io.meridian.node.raft.WriteFailure;
import io.meridian.proto.RejectCode;
import io.meridian.proto.RejectionDetail;
import io.meridian.proto.Unavailable;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {

    @Test
    void everyRejectionCodeMapsToOneOfFiveStatuses() {
        for (RejectCode code : RejectCode.values()) {
            if (code == RejectCode.REJECT_CODE_UNSPECIFIED || code == RejectCode.UNRECOGNIZED) {
                continue;
            }
            assertThat(ApiErrors.statusOf(code)).isIn(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
                    Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION, Status.Code.PERMISSION_DENIED);
        }
        assertThat(ApiErrors.statusOf(RejectCode.REJECT_PERMISSION_DENIED)).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(ApiErrors.statusOf(RejectCode.REJECT_CHECKSUM_MISMATCH)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(ApiErrors.statusOf(RejectCode.REJECT_NOT_FOUND)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(ApiErrors.statusOf(RejectCode.REJECT_ALREADY_EXISTS)).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(ApiErrors.statusOf(RejectCode.REJECT_SHARD_BUSY)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aRejectionCarriesItsCodeInTheDetails() throws Exception {
        StatusRuntimeException error = ApiErrors.rejected(new Rejection(RejectCode.REJECT_NOT_FOUND,
                "shard 9 does not exist", 2));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        Any detail = StatusProto.fromThrowable(error).getDetails(0);
        RejectionDetail rejection = detail.unpack(RejectionDetail.class);
        assertThat(rejection.getCode()).isEqualTo(RejectCode.REJECT_NOT_FOUND);
        assertThat(rejection.getBatchEntry()).isEqualTo(2);
    }

    @Test
    void anUnknownOutcomeIsToldApartFromARefusal() throws Exception {
        StatusRuntimeException unknown = ApiErrors.failed(WriteFailure.outcomeUnknown("no answer", null));
        StatusRuntimeException notTaken = ApiErrors.failed(WriteFailure.notTaken("too busy", null));

        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(StatusProto.fromThrowable(unknown).getDetails(0).unpack(Unavailable.class).getOutcomeUnknown())
                .isTrue();
        assertThat(notTaken.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(StatusProto.fromThrowable(notTaken).getDetails(0).unpack(Unavailable.class).getOutcomeUnknown())
                .isFalse();
    }
}
