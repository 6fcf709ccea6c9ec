package io.meridian.node.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.Rejection;
import io.meridian.proto.RejectCode;
import org.junit.jupiter.api.Test;

class EntryRefusedExceptionTest {

    @Test
    void theCodeTravelsInTheMessage() {
        Rejection rejection = new Rejection(RejectCode.REJECT_CAPABILITY_GATED, "held back by n3: supports [1]");

        assertThat(EntryRefusedException.parse(EntryRefusedException.of(rejection).getMessage())).contains(rejection);
        assertThat(EntryRefusedException.parse("NOT_A_CODE: text")).isEmpty();
        assertThat(EntryRefusedException.parse("no colon")).isEmpty();
        assertThat(EntryRefusedException.parse(null)).isEmpty();
    }
}
