package io.meridian.it.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random list histories: every history of a simulated linearizable list is accepted;
 * each mutation known to break linearizability is rejected with the violation it causes; and
 * on small arbitrary histories the checker agrees with a brute-force search over every order.
 */
@Timeout(120)
class ListCheckerRandomizedTest {

    private static final int HISTORIES = 300;

    private static RandomHistories.ListHistory simulated(Random random) {
        return RandomHistories.list(random, 1 + random.nextInt(6), 5 + random.nextInt(80));
    }

    @Test
    void acceptsEveryHistoryOfASimulatedLinearizableList() {
        for (int seed = 0; seed < HISTORIES; seed++) {
            RandomHistories.ListHistory history = simulated(new Random(seed));

            CheckResult result = ListChecker.check(history.appends(), history.reads(), history.finalList());

            assertThat(result.verdict()).as("seed %d: %s", seed, result.report()).isEqualTo(CheckResult.Verdict.VALID);
        }
    }

    /** A mutation of a valid history: empty if this history offers nothing to mutate. */
    private interface Mutation {
        Optional<RandomHistories.ListHistory> apply(RandomHistories.ListHistory history, Random random);
    }

    /** Applies the mutation to simulated histories and expects each mutant rejected with the kind. */
    private static void rejectsEveryMutant(Mutation mutation, Violation.Kind expected) {
        int mutants = 0;
        for (int seed = 0; seed < HISTORIES; seed++) {
            Random random = new Random(seed);
            Optional<RandomHistories.ListHistory> mutant = mutation.apply(simulated(random), random);
            if (mutant.isEmpty()) {
                continue;
            }
            mutants++;
            CheckResult result = ListChecker.check(mutant.get().appends(), mutant.get().reads(), mutant.get().finalList());

            assertThat(result.verdict()).as("seed %d: %s", seed, result.report()).isEqualTo(CheckResult.Verdict.INVALID);
            assertThat(result.violations()).as("seed %d: %s", seed, result.report())
                    .extracting(Violation::kind).contains(expected);
        }
        // A mutation that seldom applies would make this test pass without testing anything.
        assertThat(mutants).isGreaterThan(HISTORIES / 3);
    }

    private static Map<String, ListAppend> byValue(RandomHistories.ListHistory history) {
        return history.appends().stream().collect(Collectors.toMap(ListAppend::value, Function.identity()));
    }

    /** The read with a new length and the same window start and size, cut to fit, taken from the final list. */
    private static ListRead withLength(ListRead read, long length, List<String> finalList) {
        int from = (int) Math.min(read.fromPosition(), length);
        int to = (int) Math.min(from + read.values().size(), length);
        return new ListRead(read.client(), read.invokeNanos(), read.completeNanos(), length, from, finalList.subList(from, to));
    }

    private static RandomHistories.ListHistory withReads(RandomHistories.ListHistory history, List<ListRead> reads) {
        return new RandomHistories.ListHistory(history.appends(), reads, history.finalList());
    }

    private static <T> T pick(List<T> candidates, Random random) {
        return candidates.get(random.nextInt(candidates.size()));
    }

    @Test
    void rejectsReadsMadeShorterThanAnAppendCompletedBeforeThem() {
        rejectsEveryMutant((history, random) -> {
            Map<String, ListAppend> appends = byValue(history);
            List<String> list = history.finalList();
            List<Integer> candidates = new ArrayList<>();
            List<Integer> lastDone = new ArrayList<>();
            for (int r = 0; r < history.reads().size(); r++) {
                ListRead read = history.reads().get(r);
                int last = 0;
                for (int p = 1; p <= list.size(); p++) {
                    if (appends.get(list.get(p - 1)).latestNanos() < read.invokeNanos()) {
                        last = p;
                    }
                }
                if (last > 0) {
                    candidates.add(r);
                    lastDone.add(last);
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int chosen = random.nextInt(candidates.size());
            List<ListRead> reads = new ArrayList<>(history.reads());
            int r = candidates.get(chosen);
            reads.set(r, withLength(reads.get(r), random.nextInt(lastDone.get(chosen)), list));
            return Optional.of(withReads(history, reads));
        }, Violation.Kind.STALE_READ);
    }

    @Test
    void rejectsReadsMadeLongerThanAppendsInvokedAfterThem() {
        rejectsEveryMutant((history, random) -> {
            Map<String, ListAppend> appends = byValue(history);
            List<String> list = history.finalList();
            List<int[]> candidates = new ArrayList<>();
            for (int r = 0; r < history.reads().size(); r++) {
                for (int p = 1; p <= list.size(); p++) {
                    if (appends.get(list.get(p - 1)).invokeNanos() > history.reads().get(r).completeNanos()) {
                        candidates.add(new int[] {r, p});
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int[] chosen = pick(candidates, random);
            List<ListRead> reads = new ArrayList<>(history.reads());
            reads.set(chosen[0], withLength(reads.get(chosen[0]), chosen[1], list));
            return Optional.of(withReads(history, reads));
        }, Violation.Kind.FUTURE_READ);
    }

    @Test
    void rejectsSequentialReadsWithTheirLengthsSwapped() {
        rejectsEveryMutant((history, random) -> {
            List<ListRead> reads = history.reads();
            List<int[]> candidates = new ArrayList<>();
            for (int a = 0; a < reads.size(); a++) {
                for (int b = 0; b < reads.size(); b++) {
                    if (reads.get(a).completeNanos() < reads.get(b).invokeNanos() && reads.get(a).length() < reads.get(b).length()) {
                        candidates.add(new int[] {a, b});
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int[] chosen = pick(candidates, random);
            List<ListRead> mutated = new ArrayList<>(reads);
            mutated.set(chosen[0], withLength(reads.get(chosen[0]), reads.get(chosen[1]).length(), history.finalList()));
            mutated.set(chosen[1], withLength(reads.get(chosen[1]), reads.get(chosen[0]).length(), history.finalList()));
            return Optional.of(withReads(history, mutated));
        }, Violation.Kind.READ_BACKWARDS);
    }

    @Test
    void rejectsFinalListWithSequentialAppendsSwapped() {
        rejectsEveryMutant((history, random) -> {
            Map<String, ListAppend> appends = byValue(history);
            List<String> list = history.finalList();
            List<int[]> candidates = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                for (int j = i + 1; j < list.size(); j++) {
                    if (appends.get(list.get(i)).latestNanos() < appends.get(list.get(j)).invokeNanos()) {
                        candidates.add(new int[] {i, j});
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int[] chosen = pick(candidates, random);
            List<String> swapped = new ArrayList<>(list);
            Collections.swap(swapped, chosen[0], chosen[1]);
            return Optional.of(new RandomHistories.ListHistory(history.appends(), history.reads(), swapped));
        }, Violation.Kind.REORDERED);
    }

    @Test
    void rejectsFinalListMissingAnAcknowledgedAppend() {
        rejectsEveryMutant((history, random) -> {
            List<ListAppend> acknowledged = history.appends().stream().filter(a -> a.result() == Result.OK).toList();
            if (acknowledged.isEmpty()) {
                return Optional.empty();
            }
            List<String> list = new ArrayList<>(history.finalList());
            list.remove(pick(acknowledged, random).value());
            return Optional.of(new RandomHistories.ListHistory(history.appends(), history.reads(), list));
        }, Violation.Kind.LOST);
    }

    @Test
    void agreesWithBruteForceOnSmallArbitraryHistories() {
        int valid = 0;
        int invalid = 0;
        for (int seed = 0; seed < 3000; seed++) {
            Random random = new Random(seed);
            RandomHistories.ListHistory history = arbitrary(random);

            CheckResult result = ListChecker.check(history.appends(), history.reads(), history.finalList());
            boolean expected = BruteForce.linearizable(history);

            assertThat(result.valid()).as("seed %d: %s%n%s", seed, history, result.report()).isEqualTo(expected);
            // Every order violation is a pair the four named rules catch, so the fallback never shows.
            assertThat(result.violations()).extracting(Violation::kind).doesNotContain(Violation.Kind.NOT_LINEARIZABLE);
            if (expected) {
                valid++;
            } else {
                invalid++;
            }
        }
        assertThat(valid).isGreaterThan(300);
        assertThat(invalid).isGreaterThan(300);
    }

    /** A small history with no model behind it: random times, outcomes, final list and reads. */
    private static RandomHistories.ListHistory arbitrary(Random random) {
        List<ListAppend> appends = new ArrayList<>();
        List<String> list = new ArrayList<>();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            int roll = random.nextInt(100);
            Result result = roll < 60 ? Result.OK : roll < 85 ? Result.INFO : Result.FAIL;
            long invoke = random.nextInt(40);
            ListAppend append = new ListAppend(i, String.valueOf((char) ('a' + i)), invoke, invoke + random.nextInt(30), result);
            appends.add(append);
            boolean kept = switch (result) {
                case OK -> random.nextInt(10) > 0;
                case INFO -> random.nextBoolean();
                case FAIL -> random.nextInt(10) == 0;
            };
            if (kept) {
                list.add(append.value());
            }
        }
        Collections.shuffle(list, random);
        if (random.nextInt(20) == 0) {
            list.add("z");
        }
        if (random.nextInt(20) == 0 && !list.isEmpty()) {
            list.add(list.get(0));
        }
        List<ListRead> reads = new ArrayList<>();
        int readCount = random.nextInt(4);
        for (int i = 0; i < readCount; i++) {
            long invoke = random.nextInt(60);
            int length = random.nextInt(list.size() + 2);
            int from = random.nextInt(length + 1);
            int to = from + random.nextInt(length - from + 1);
            List<String> window = new ArrayList<>();
            for (int p = from; p < to; p++) {
                window.add(p < list.size() ? list.get(p) : "y");
            }
            if (!window.isEmpty() && random.nextInt(10) == 0) {
                // Either a value no append wrote or a real one, possibly at the wrong position.
                window.set(0, String.valueOf((char) ('a' + random.nextInt(5))));
            }
            reads.add(new ListRead(10 + i, invoke, invoke + random.nextInt(30), length, from, window));
        }
        return new RandomHistories.ListHistory(appends, reads, List.copyOf(list));
    }

    /**
     * An oracle that knows nothing of the checker's reductions: it tries every order of the ops
     * on a plain list model (INFO appends optional, FAIL appends never), respecting real time,
     * and asks that the list end equal to the final list.
     */
    private static final class BruteForce {

        private final List<Object> ops = new ArrayList<>();
        private final List<String> finalList;

        private BruteForce(RandomHistories.ListHistory history) {
            history.appends().stream().filter(a -> a.result() != Result.FAIL).forEach(ops::add);
            ops.addAll(history.reads());
            this.finalList = history.finalList();
        }

        static boolean linearizable(RandomHistories.ListHistory history) {
            BruteForce search = new BruteForce(history);
            return search.extend(new boolean[search.ops.size()], new ArrayList<>());
        }

        private static long invoke(Object op) {
            return op instanceof ListAppend a ? a.invokeNanos() : ((ListRead) op).invokeNanos();
        }

        private static long latest(Object op) {
            return op instanceof ListAppend a ? a.latestNanos() : ((ListRead) op).completeNanos();
        }

        private static boolean required(Object op) {
            return !(op instanceof ListAppend a) || a.result() == Result.OK;
        }

        private boolean extend(boolean[] placed, List<String> state) {
            boolean done = true;
            for (int i = 0; i < ops.size(); i++) {
                done &= placed[i] || !required(ops.get(i));
            }
            if (done && state.equals(finalList)) {
                return true;
            }
            for (int i = 0; i < ops.size(); i++) {
                if (placed[i] || !mayGoNext(placed, i)) {
                    continue;
                }
                Object op = ops.get(i);
                if (op instanceof ListAppend append) {
                    state.add(append.value());
                    placed[i] = true;
                    boolean found = extend(placed, state);
                    placed[i] = false;
                    state.remove(state.size() - 1);
                    if (found) {
                        return true;
                    }
                } else if (sees((ListRead) op, state)) {
                    placed[i] = true;
                    boolean found = extend(placed, state);
                    placed[i] = false;
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** No unplaced op completed before this one was invoked. */
        private boolean mayGoNext(boolean[] placed, int candidate) {
            for (int j = 0; j < ops.size(); j++) {
                if (!placed[j] && j != candidate && latest(ops.get(j)) < invoke(ops.get(candidate))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean sees(ListRead read, List<String> state) {
            if (read.length() != state.size() || read.toPosition() > state.size()) {
                return false;
            }
            int from = (int) read.fromPosition();
            return state.subList(from, from + read.values().size()).equals(read.values());
        }
    }
}
