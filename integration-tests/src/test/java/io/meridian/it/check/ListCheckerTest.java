package io.meridian.it.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Minimal hand-written list histories, each either linearizable (and accepted) or broken in one
 * known way (and rejected with that kind of violation). Times are small numbers of nanoseconds.
 */
@Timeout(60)
class ListCheckerTest {

    private static ListAppend ok(int client, String value, long invoke, long complete) {
        return new ListAppend(client, value, invoke, complete, Result.OK);
    }

    private static ListAppend info(int client, String value, long invoke) {
        // The client gave up at invoke + 5; the checker must not care when.
        return new ListAppend(client, value, invoke, invoke + 5, Result.INFO);
    }

    private static ListAppend fail(int client, String value, long invoke, long complete) {
        return new ListAppend(client, value, invoke, complete, Result.FAIL);
    }

    private static ListRead read(int client, long invoke, long complete, long length, long from, String... window) {
        return new ListRead(client, invoke, complete, length, from, List.of(window));
    }

    private static ListRead read(int client, long invoke, long complete, long length) {
        return read(client, invoke, complete, length, 0);
    }

    private static CheckResult check(List<ListAppend> appends, List<ListRead> reads, String... finalList) {
        return ListChecker.check(appends, reads, List.of(finalList));
    }

    private static void assertValid(CheckResult result) {
        assertThat(result.verdict()).as(result.report()).isEqualTo(CheckResult.Verdict.VALID);
        assertThat(result.violations()).isEmpty();
    }

    /** Asserts INVALID with exactly these kinds of violation, in any order and number. */
    private static void assertInvalid(CheckResult result, Violation.Kind... kinds) {
        assertThat(result.verdict()).as(result.report()).isEqualTo(CheckResult.Verdict.INVALID);
        assertThat(result.violations()).as(result.report()).extracting(Violation::kind).containsOnly(kinds);
    }

    @Test
    void acceptsEmptyHistory() {
        assertValid(check(List.of(), List.of(read(1, 0, 10, 0))));
    }

    @Test
    void acceptsOverlappingAppendsInEitherOrder() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(2, "b", 5, 15));

        assertValid(check(appends, List.of(), "a", "b"));
        assertValid(check(appends, List.of(), "b", "a"));
    }

    @Test
    void acceptsAppendsWhoseTimesTouchInEitherOrder() {
        // b is invoked at the very nanosecond a completes: equal times count as concurrent.
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(2, "b", 10, 20));

        assertValid(check(appends, List.of(), "b", "a"));
    }

    @Test
    void acceptsInfoAppendThatTookEffectLongAfterItsClientGaveUp() {
        List<ListAppend> appends = List.of(info(1, "a", 0), ok(2, "b", 100, 110));
        List<ListRead> reads = List.of(read(3, 200, 210, 1, 0, "b"), read(3, 300, 310, 2, 0, "b", "a"));

        assertValid(check(appends, reads, "b", "a"));
    }

    @Test
    void acceptsInfoAppendThatNeverTookEffect() {
        List<ListAppend> appends = List.of(info(1, "a", 0), ok(2, "b", 100, 110));

        assertValid(check(appends, List.of(read(3, 200, 210, 1, 0, "b")), "b"));
    }

    @Test
    void acceptsFailedAppendThatNeverTookEffect() {
        assertValid(check(List.of(fail(1, "a", 0, 10), ok(2, "b", 20, 30)), List.of(), "b"));
    }

    @Test
    void acceptsConcurrentAndSequentialReadsOfEqualLength() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 100));
        // b is pending throughout: the three reads of length 1 all come before it, in any order.
        List<ListRead> reads = List.of(read(2, 30, 40, 1), read(3, 35, 45, 1), read(2, 50, 60, 1), read(3, 70, 120, 2));

        assertValid(check(appends, reads, "a", "b"));
    }

    @Test
    void acceptsReadConcurrentWithAppendSeeingEitherOutcome() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 100));

        assertValid(check(appends, List.of(read(2, 10, 20, 0), read(3, 10, 20, 1, 0, "a")), "a"));
    }

    @Test
    void acceptsWindowedReads() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 30), ok(1, "c", 40, 50), ok(1, "d", 60, 70));
        List<ListRead> reads = List.of(read(2, 80, 90, 4, 1, "b", "c"), read(2, 100, 110, 4, 4), read(2, 55, 58, 3, 2, "c"));

        assertValid(check(appends, reads, "a", "b", "c", "d"));
    }

    @Test
    void rejectsValueTwiceInFinalList() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 30)), List.of(), "a", "b", "a");

        assertInvalid(result, Violation.Kind.DUPLICATE);
        assertThat(result.violations().get(0).message()).contains("\"a\"", "positions 1 and 3", "client 1");
    }

    @Test
    void rejectsValueTwiceInOneRead() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10)), List.of(read(2, 20, 30, 2, 0, "a", "a")), "a", "a");

        assertThat(result.verdict()).isEqualTo(CheckResult.Verdict.INVALID);
        assertThat(result.violations()).extracting(Violation::kind).contains(Violation.Kind.DUPLICATE)
                .doesNotContain(Violation.Kind.READ_MISMATCH);
        assertThat(result.report()).contains("read by client 2 [invoked 20, completed 30]");
    }

    @Test
    void rejectsAcknowledgedAppendMissingFromFinalList() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10), ok(2, "b", 0, 10)), List.of(), "a");

        assertInvalid(result, Violation.Kind.LOST);
        assertThat(result.violations().get(0).message())
                .isEqualTo("append \"b\" by client 2 [invoked 0, completed 10, OK] is not in the final list of 1");
    }

    @Test
    void rejectsPhantomValueInFinalList() {
        assertInvalid(check(List.of(ok(1, "a", 0, 10)), List.of(), "a", "z"), Violation.Kind.PHANTOM);
    }

    @Test
    void rejectsPhantomValueInRead() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10)), List.of(read(2, 20, 30, 1, 0, "z")), "a");

        assertInvalid(result, Violation.Kind.PHANTOM, Violation.Kind.READ_MISMATCH);
    }

    @Test
    void rejectsFailedAppendFoundInFinalList() {
        CheckResult result = check(List.of(fail(1, "a", 0, 10)), List.of(), "a");

        assertInvalid(result, Violation.Kind.FAILED_APPLIED);
        assertThat(result.report()).contains("append \"a\" by client 1 [invoked 0, completed 10, FAIL] is at final position 1");
    }

    @Test
    void rejectsFailedAppendSeenByRead() {
        CheckResult result = check(List.of(fail(1, "a", 0, 10)), List.of(read(2, 20, 30, 1, 0, "a")));

        assertInvalid(result, Violation.Kind.FAILED_APPLIED, Violation.Kind.READ_MISMATCH);
    }

    @Test
    void rejectsReadThatMissesAnAppendCompletedBeforeIt() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10)), List.of(read(2, 20, 30, 0)), "a");

        assertInvalid(result, Violation.Kind.STALE_READ);
        assertThat(result.violations().get(0).message()).isEqualTo("read by client 2 [invoked 20, completed 30] of length 0"
                + " was invoked after append \"a\" by client 1 [invoked 0, completed 10, OK] at final position 1 had completed");
    }

    @Test
    void rejectsReadGoingBackwards() {
        // b is pending throughout, so neither read is stale on its own; together they are impossible.
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 15, 200));
        List<ListRead> reads = List.of(read(2, 20, 30, 2), read(3, 40, 50, 1));

        CheckResult result = check(appends, reads, "a", "b");

        assertInvalid(result, Violation.Kind.READ_BACKWARDS);
        assertThat(result.violations().get(0).message()).isEqualTo("read by client 2 [invoked 20, completed 30] of length 2"
                + " completed before read by client 3 [invoked 40, completed 50] of length 1 was invoked");
    }

    @Test
    void rejectsAppendsAppliedInTheReverseOfTheirRealTimeOrder() {
        CheckResult result = check(List.of(ok(1, "a", 0, 10), ok(2, "b", 20, 30)), List.of(), "b", "a");

        assertInvalid(result, Violation.Kind.REORDERED);
        assertThat(result.violations().get(0).message()).contains("append \"a\"", "completed before append \"b\"");
    }

    @Test
    void rejectsInfoAppendAppliedBeforeItWasInvoked() {
        // c was invoked after b completed, yet the final list puts it first.
        CheckResult result = check(List.of(ok(1, "b", 0, 10), info(2, "c", 20)), List.of(), "c", "b");

        assertInvalid(result, Violation.Kind.REORDERED);
    }

    @Test
    void rejectsReadThatSawAnAppendInvokedAfterTheReadCompleted() {
        CheckResult result = check(List.of(ok(1, "a", 50, 60)), List.of(read(2, 0, 10, 1, 0, "a")), "a");

        assertInvalid(result, Violation.Kind.FUTURE_READ);
    }

    @Test
    void rejectsReadWhoseWindowDiffersFromFinalList() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 30));

        CheckResult result = check(appends, List.of(read(2, 40, 50, 2, 1, "a")), "a", "b");

        assertInvalid(result, Violation.Kind.READ_MISMATCH);
        assertThat(result.violations().get(0).message()).contains("saw \"a\" at position 2 where the final list holds \"b\"");
    }

    @Test
    void rejectsReadLongerThanFinalList() {
        assertInvalid(check(List.of(ok(1, "a", 0, 10)), List.of(read(2, 20, 30, 2)), "a"), Violation.Kind.READ_MISMATCH);
    }

    @Test
    void rejectsReadWhoseWindowRunsPastItsOwnLength() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 30));

        assertInvalid(check(appends, List.of(read(2, 40, 50, 1, 0, "a", "b")), "a", "b"), Violation.Kind.READ_MISMATCH);
    }

    @Test
    void reportsEveryKindOfDisorderInOneHistory() {
        List<ListAppend> appends = List.of(ok(1, "a", 0, 10), ok(1, "b", 20, 30), ok(1, "c", 40, 50), ok(2, "d", 300, 310));
        List<ListRead> reads = List.of(read(3, 100, 110, 1), read(3, 120, 130, 4), read(4, 200, 210, 2));

        CheckResult result = check(appends, reads, "a", "c", "b", "d");

        assertInvalid(result, Violation.Kind.REORDERED, Violation.Kind.STALE_READ, Violation.Kind.FUTURE_READ,
                Violation.Kind.READ_BACKWARDS);
        assertThat(result.summary()).startsWith("INVALID: REORDERED 1, STALE_READ 2, FUTURE_READ 1, READ_BACKWARDS 1");
    }

    @Test
    void listsAtMostTwentyViolationsOfOneKind() {
        List<ListAppend> appends = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
            appends.add(ok(1, "v" + i, i * 10, i * 10 + 5));
        }

        CheckResult result = check(appends, List.of());

        assertThat(result.violations()).hasSize(21);
        assertThat(result.violations().get(20).message()).isEqualTo("5 more LOST violations not listed");
        assertThat(result.summary()).startsWith("INVALID: LOST 25");
    }

    @Test
    void refusesAppendsThatShareAValue() {
        assertThatThrownBy(() -> check(List.of(ok(1, "a", 0, 10), info(2, "a", 20)), List.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("values must be unique");
    }
}
