package io.meridian.it.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Minimal hand-written register histories, each either linearizable (and accepted) or broken in
 * one known way (and rejected), plus the budget running out and a large history staying cheap.
 * Times are small numbers of nanoseconds; all ops are on key "x" unless a test says otherwise.
 */
@Timeout(120)
class RegisterCheckerTest {

    private static final Duration BUDGET = Duration.ofSeconds(20);

    private static RegisterOp write(int client, String value, long invoke, long complete) {
        return new RegisterOp(client, "x", RegisterOp.Kind.WRITE, value, invoke, complete, Result.OK);
    }

    private static RegisterOp infoWrite(int client, String value, long invoke) {
        // The client gave up at invoke + 5; the checker must not care when.
        return new RegisterOp(client, "x", RegisterOp.Kind.WRITE, value, invoke, invoke + 5, Result.INFO);
    }

    private static RegisterOp failedWrite(int client, String value, long invoke, long complete) {
        return new RegisterOp(client, "x", RegisterOp.Kind.WRITE, value, invoke, complete, Result.FAIL);
    }

    private static RegisterOp read(int client, String value, long invoke, long complete) {
        return new RegisterOp(client, "x", RegisterOp.Kind.READ, value, invoke, complete, Result.OK);
    }

    private static CheckResult check(RegisterOp... ops) {
        return RegisterChecker.check(List.of(ops), Map.of("x", "init"), BUDGET);
    }

    private static void assertValid(CheckResult result) {
        assertThat(result.verdict()).as(result.report()).isEqualTo(CheckResult.Verdict.VALID);
    }

    private static void assertInvalid(CheckResult result, Violation.Kind kind) {
        assertThat(result.verdict()).as(result.report()).isEqualTo(CheckResult.Verdict.INVALID);
        assertThat(result.violations()).as(result.report()).extracting(Violation::kind).containsOnly(kind);
    }

    @Test
    void acceptsReadsOfInitialValueAndOfTheLatestWrite() {
        assertValid(check(read(1, "init", 0, 10), write(2, "a", 20, 30), read(1, "a", 40, 50)));
    }

    @Test
    void acceptsReadOfMissingKeyAsNoValue() {
        CheckResult result = RegisterChecker.check(List.of(new RegisterOp(1, "y", RegisterOp.Kind.READ, null, 0, 10, Result.OK)),
                Map.of(), BUDGET);

        assertValid(result);
    }

    @Test
    void acceptsReadConcurrentWithWriteSeeingEitherValue() {
        assertValid(check(write(1, "a", 0, 100), read(2, "init", 10, 20), read(3, "a", 10, 20)));
    }

    @Test
    void rejectsStaleReadAfterCompletedWrite() {
        CheckResult result = check(write(1, "a", 0, 10), write(2, "b", 20, 30), read(3, "a", 40, 50));

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
        assertThat(result.violations().get(0).message()).isEqualTo("key x: the longest linearizable prefix has 2 of 3 ops,"
                + " ending client 1 write x = \"a\" [invoked 0, completed 10, OK],"
                + " client 2 write x = \"b\" [invoked 20, completed 30, OK]; with the register at \"b\","
                + " client 3 read x = \"a\" [invoked 40, completed 50, OK] cannot be linearized before it completes");
    }

    @Test
    void rejectsReadOfInitialValueAfterCompletedWrite() {
        assertInvalid(check(write(1, "a", 0, 10), read(2, "init", 20, 30)), Violation.Kind.NOT_LINEARIZABLE);
    }

    @Test
    void rejectsReadOfNeverWrittenValue() {
        CheckResult result = check(write(1, "a", 0, 10), read(2, "z", 20, 30));

        assertInvalid(result, Violation.Kind.PHANTOM);
        assertThat(result.report()).contains("client 2 read x = \"z\" [invoked 20, completed 30, OK]");
    }

    @Test
    void rejectsReadOfFailedWrite() {
        assertInvalid(check(failedWrite(1, "a", 0, 10), read(2, "a", 20, 30)), Violation.Kind.FAILED_APPLIED);
    }

    @Test
    void acceptsFailedWriteNeverSeen() {
        assertValid(check(failedWrite(1, "a", 0, 10), read(2, "init", 20, 30)));
    }

    @Test
    void dropsFailedAndTimedOutReads() {
        RegisterOp failedRead = new RegisterOp(2, "x", RegisterOp.Kind.READ, "garbage", 20, 30, Result.FAIL);
        RegisterOp infoRead = new RegisterOp(3, "x", RegisterOp.Kind.READ, "garbage", 20, 30, Result.INFO);

        assertValid(check(write(1, "a", 0, 10), failedRead, infoRead));
    }

    @Test
    void rejectsValueFlippingBackWithNonOverlappingReads() {
        // Both writes overlap every read, but once b replaced a, a cannot come back.
        CheckResult result = check(write(1, "a", 0, 100), write(2, "b", 0, 100),
                read(3, "a", 10, 20), read(3, "b", 30, 40), read(3, "a", 50, 60));

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
        assertThat(result.violations().get(0).message()).contains("prefix has 4 of 5 ops", "client 3 read x = \"a\" [invoked 50");
    }

    @Test
    void acceptsValueReadAgainAfterItWasWrittenAgain() {
        // Values need not be unique: a second write of a explains the third read.
        assertValid(check(write(1, "a", 0, 100), write(2, "b", 0, 100), write(4, "a", 0, 100),
                read(3, "a", 10, 20), read(3, "b", 30, 40), read(3, "a", 50, 60)));
    }

    @Test
    void acceptsConcurrentWritesSeenInTheSameOrderByTwoClients() {
        assertValid(check(write(1, "a", 0, 100), write(2, "b", 0, 100),
                read(3, "a", 10, 20), read(3, "b", 30, 40), read(4, "a", 10, 20), read(4, "b", 50, 60)));
    }

    @Test
    void rejectsConcurrentWritesSeenInOppositeOrdersByTwoClients() {
        CheckResult result = check(write(1, "a", 0, 100), write(2, "b", 0, 100),
                read(3, "a", 10, 20), read(3, "b", 30, 40), read(4, "b", 10, 20), read(4, "a", 50, 60));

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
    }

    @Test
    void acceptsInfoWriteObservedArbitrarilyLate() {
        assertValid(check(infoWrite(1, "a", 0), write(2, "b", 20, 30), read(3, "b", 40, 50), read(3, "a", 1_000_000, 1_000_010)));
    }

    @Test
    void acceptsInfoWriteThatNeverTookEffect() {
        assertValid(check(infoWrite(1, "a", 0), write(2, "b", 20, 30), read(3, "b", 40, 50), read(3, "b", 60, 70)));
    }

    @Test
    void rejectsInfoWriteObservedBeforeItsInvoke() {
        CheckResult result = check(read(1, "a", 0, 10), infoWrite(2, "a", 20));

        assertInvalid(result, Violation.Kind.FUTURE_READ);
    }

    @Test
    void rejectsInfoWriteNeededBeforeItsInvokeWhenTheValueRepeats() {
        // The OK write of a was overwritten by b; only the INFO write could explain the read, but too late.
        CheckResult result = check(write(1, "a", 0, 10), write(1, "b", 20, 30), read(2, "a", 40, 50), infoWrite(3, "a", 100));

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
    }

    @Test
    void rejectsInfoWriteObservedAfterItWasOverwritten() {
        // a took effect (it was read), then b completed after that read: a cannot be read again.
        CheckResult result = check(infoWrite(1, "a", 0), read(2, "a", 10, 20), write(3, "b", 30, 40), read(2, "a", 50, 60));

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
        assertThat(result.violations().get(0).message()).contains("client 2 read x = \"a\" [invoked 50");
    }

    @Test
    void checksEachKeyOnItsOwnAndNamesTheBrokenOne() {
        List<RegisterOp> ops = List.of(
                new RegisterOp(1, "p", RegisterOp.Kind.WRITE, "a", 0, 10, Result.OK),
                // On one register this read would be stale; on its own key it sees the initial value.
                new RegisterOp(2, "q", RegisterOp.Kind.READ, "q0", 20, 30, Result.OK),
                new RegisterOp(1, "r", RegisterOp.Kind.WRITE, "b", 0, 10, Result.OK),
                new RegisterOp(2, "r", RegisterOp.Kind.READ, "r0", 20, 30, Result.OK));

        CheckResult result = RegisterChecker.check(ops, Map.of("q", "q0", "r", "r0"), BUDGET);

        assertInvalid(result, Violation.Kind.NOT_LINEARIZABLE);
        assertThat(result.violations().get(0).message()).startsWith("key r:");
        assertThat(result.summary()).contains("in keys [r]");
    }

    @Test
    void givesUpWithUnknownWhenTheBudgetRunsOut() {
        // Forty unfinished writes of the same value may each have taken effect or not: 2^40 states
        // to rule out before the stale read at the end can be blamed.
        List<RegisterOp> ops = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ops.add(infoWrite(10 + i, "x", 0));
        }
        ops.add(read(1, "x", 0, 5));
        ops.add(write(2, "z", 0, 10));
        ops.add(write(2, "y", 20, 30));
        ops.add(read(3, "z", 40, 50));

        CheckResult result = RegisterChecker.check(ops, Map.of(), Duration.ofMillis(200));

        assertThat(result.verdict()).as(result.report()).isEqualTo(CheckResult.Verdict.UNKNOWN);
        assertThat(result.valid()).isFalse();
        assertThat(result.summary()).contains("budget ran out", "[x]");
    }

    @Test
    void givesUpAtOnceWithNoBudget() {
        CheckResult result = RegisterChecker.check(List.of(write(1, "a", 0, 10), read(2, "a", 20, 30)), Map.of(), Duration.ZERO);

        assertThat(result.verdict()).isEqualTo(CheckResult.Verdict.UNKNOWN);
    }

    @Test
    void checksTwoThousandOpsFromEightClientsOnOneKey() {
        RandomHistories.Registers history = RandomHistories.registers(new Random(2000), 8, 2000, 1, 0);
        long infoOps = history.ops().stream().filter(op -> op.result() == Result.INFO).count();

        CheckResult result = RegisterChecker.check(history.ops(), history.initial(), BUDGET);

        assertThat(infoOps).isGreaterThan(100);
        assertValid(result);
    }

    @Test
    void checksTwoThousandOpsWhereValuesRepeat() {
        RandomHistories.Registers history = RandomHistories.registers(new Random(2001), 8, 2000, 1, 5);

        assertValid(RegisterChecker.check(history.ops(), history.initial(), BUDGET));
    }

    @Test
    void findsOneStaleReadAmongTwoThousandOps() {
        RandomHistories.Registers history = RandomHistories.registers(new Random(2002), 8, 2000, 1, 0);
        List<RegisterOp> ops = new ArrayList<>(history.ops());
        Map<String, RegisterOp> okWrites = new HashMap<>();
        ops.stream().filter(op -> op.kind() == RegisterOp.Kind.WRITE && op.result() == Result.OK)
                .forEach(op -> okWrites.put(op.value(), op));
        // The last OK read whose value was overwritten long before it ends by the first write.
        RegisterOp first = ops.stream().filter(op -> okWrites.containsValue(op))
                .min(java.util.Comparator.comparingLong(RegisterOp::completeNanos)).orElseThrow();
        RegisterOp last = ops.stream().filter(op -> op.kind() == RegisterOp.Kind.READ && op.result() == Result.OK)
                .max(java.util.Comparator.comparingLong(RegisterOp::invokeNanos)).orElseThrow();
        ops.set(ops.indexOf(last), new RegisterOp(last.client(), last.key(), last.kind(), first.value(),
                last.invokeNanos(), last.completeNanos(), Result.OK));

        assertInvalid(RegisterChecker.check(ops, history.initial(), BUDGET), Violation.Kind.NOT_LINEARIZABLE);
    }
}
