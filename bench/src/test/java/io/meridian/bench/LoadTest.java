package io.meridian.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadTest {

    @Test
    void countsWritesAndFailuresOfEveryClientAndClosesThem() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        Load.Result result = Load.run(3, Duration.ofMillis(50), Duration.ofMillis(300), index -> new Load.Client() {
            @Override
            public void write(long sequence) {
                if (index == 2 && sequence % 2 == 1) {
                    throw new IllegalStateException("refused " + sequence);
                }
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        });
        assertThat(result.clients()).isEqualTo(3);
        assertThat(result.writes()).isPositive();
        assertThat(result.failures()).isPositive();
        assertThat(result.firstFailure()).startsWith("java.lang.IllegalStateException: refused ");
        assertThat(result.opsPerSecond()).isEqualTo(result.writes() / 0.3);
        assertThat(result.p50Ms()).isLessThanOrEqualTo(result.p99Ms()).isLessThanOrEqualTo(result.maxMs());
        assertThat(closed).hasValue(3);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(FailoverBench.median(List.of(100L, 200L, 400L, 900L))).isEqualTo(300);
        assertThat(FailoverBench.median(List.of(100L, 200L, 400L))).isEqualTo(200);
    }
}
