package io.meridian.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sending side of a client session: numbering, what it says is answered, and renewal. */
@Timeout(10)
class RequestSessionTest {

    private final AtomicLong clock = new AtomicLong();
    private final RequestSession session = new RequestSession(clock::get);

    @Test
    void requestsAreNumberedAndSayWhichEarlierOnesAreStillUnanswered() {
        RequestSession.Request first = session.begin();
        RequestSession.Request second = session.begin();
        session.end(second);
        RequestSession.Request third = session.begin();
        session.end(first);
        RequestSession.Request fourth = session.begin();

        assertThat(List.of(first, second, third, fourth)).extracting(r -> r.id().getSequence())
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(third.id().getLowestUnanswered()).isEqualTo(1);
        assertThat(fourth.id().getLowestUnanswered()).isEqualTo(3);
        assertThat(fourth.id().getClientId()).isEqualTo(first.id().getClientId()).hasSize(16);
    }

    @Test
    void aSessionFullOfUnansweredRequestsHandsTheNextOneToANewSession() {
        List<RequestSession.Request> open = new ArrayList<>();
        for (int i = 0; i < RequestSession.MAX_IN_FLIGHT; i++) {
            open.add(session.begin());
        }

        RequestSession.Request next = session.begin();

        assertThat(next.id().getClientId()).isNotEqualTo(open.get(0).id().getClientId());
        assertThat(next.id().getSequence()).isEqualTo(1);
        assertThat(next.id().getLowestUnanswered()).isEqualTo(1);
    }

    @Test
    void anIdleSessionIsRenewedBeforeTheStateMachineWouldExpireIt() {
        RequestSession.Request before = session.begin();
        session.end(before);
        clock.addAndGet(RequestSession.IDLE_RENEWAL.toNanos() + 1);

        RequestSession.Request after = session.begin();

        assertThat(after.id().getClientId()).isNotEqualTo(before.id().getClientId());
        assertThat(after.id().getSequence()).isEqualTo(1);
    }

    @Test
    void aRequestOfAnExpiredSessionStartsAgainInANewOneAndSoDoTheNext() {
        RequestSession.Request first = session.begin();
        session.end(first);
        RequestSession.Request refused = session.begin();

        RequestSession.Request again = session.renew(refused);
        RequestSession.Request next = session.begin();

        assertThat(again.id().getClientId()).isNotEqualTo(refused.id().getClientId());
        assertThat(again.id().getSequence()).isEqualTo(1);
        assertThat(next.id().getClientId()).isEqualTo(again.id().getClientId());
        assertThat(next.id().getSequence()).isEqualTo(2);
    }
}
