package io.meridian.it.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random register histories: every history of a simulated linearizable register is
 * accepted, with unique or repeating values; each mutation known to break linearizability is
 * rejected; and on small arbitrary histories the checker agrees with a brute-force search over
 * every order.
 */
@Timeout(300)
class RegisterCheckerRandomizedTest {

    private static final int HISTORIES = 300;
    private static final Duration BUDGET = Duration.ofSeconds(20);

    private static RandomHistories.Registers simulated(Random random, int distinctValues) {
        return RandomHistories.registers(random, 1 + random.nextInt(8), 5 + random.nextInt(120), 1 + random.nextInt(3),
                distinctValues);
    }

    @Test
    void acceptsEveryHistoryOfASimulatedLinearizableRegister() {
        for (int seed = 0; seed < HISTORIES; seed++) {
            RandomHistories.Registers history = simulated(new Random(seed), 0);

            CheckResult result = RegisterChecker.check(history.ops(), history.initial(), BUDGET);

            assertThat(result.verdict()).as("seed %d: %s", seed, result.report()).isEqualTo(CheckResult.Verdict.VALID);
        }
    }

    @Test
    void acceptsEveryHistoryOfASimulatedRegisterWhoseValuesRepeat() {
        for (int seed = 0; seed < HISTORIES; seed++) {
            Random random = new Random(seed);
            RandomHistories.Registers history = simulated(random, 1 + random.nextInt(4));

            CheckResult result = RegisterChecker.check(history.ops(), history.initial(), BUDGET);

            assertThat(result.verdict()).as("seed %d: %s", seed, result.report()).isEqualTo(CheckResult.Verdict.VALID);
        }
    }

    /** A mutation of a valid history with unique values: empty if this history offers nothing to mutate. */
    private interface Mutation {
        Optional<List<RegisterOp>> apply(List<RegisterOp> ops, Random random);
    }

    /** Applies the mutation to simulated histories and expects each mutant rejected with only these kinds. */
    private static void rejectsEveryMutant(Mutation mutation, Violation.Kind... kinds) {
        int mutants = 0;
        for (int seed = 0; seed < HISTORIES; seed++) {
            Random random = new Random(seed);
            RandomHistories.Registers history = simulated(random, 0);
            Optional<List<RegisterOp>> mutant = mutation.apply(history.ops(), random);
            if (mutant.isEmpty()) {
                continue;
            }
            mutants++;
            CheckResult result = RegisterChecker.check(mutant.get(), history.initial(), BUDGET);

            assertThat(result.verdict()).as("seed %d: %s", seed, result.report()).isEqualTo(CheckResult.Verdict.INVALID);
            assertThat(result.violations()).as("seed %d: %s", seed, result.report())
                    .extracting(Violation::kind).isSubsetOf(kinds);
        }
        // A mutation that seldom applies would make this test pass without testing anything.
        assertThat(mutants).isGreaterThan(HISTORIES / 3);
    }

    private static boolean okWrite(RegisterOp op) {
        return op.kind() == RegisterOp.Kind.WRITE && op.result() == Result.OK;
    }

    private static boolean okRead(RegisterOp op) {
        return op.kind() == RegisterOp.Kind.READ && op.result() == Result.OK;
    }

    private static RegisterOp reading(RegisterOp read, String value) {
        return new RegisterOp(read.client(), read.key(), read.kind(), value, read.invokeNanos(), read.completeNanos(), read.result());
    }

    private static <T> T pick(List<T> candidates, Random random) {
        return candidates.get(random.nextInt(candidates.size()));
    }

    @Test
    void rejectsReadOfAValueOverwrittenBeforeTheReadBegan() {
        rejectsEveryMutant((ops, random) -> {
            // (read, first write): a second write began after the first ended and ended before the read began.
            List<int[]> candidates = new ArrayList<>();
            for (int r = 0; r < ops.size(); r++) {
                RegisterOp read = ops.get(r);
                if (!okRead(read)) {
                    continue;
                }
                for (int w1 = 0; w1 < ops.size(); w1++) {
                    RegisterOp first = ops.get(w1);
                    if (!okWrite(first) || !first.key().equals(read.key()) || first.completeNanos() >= read.invokeNanos()) {
                        continue;
                    }
                    boolean overwritten = ops.stream().anyMatch(second -> okWrite(second) && second.key().equals(read.key())
                            && first.completeNanos() < second.invokeNanos() && second.completeNanos() < read.invokeNanos());
                    if (overwritten) {
                        candidates.add(new int[] {r, w1});
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int[] chosen = pick(candidates, random);
            List<RegisterOp> mutated = new ArrayList<>(ops);
            mutated.set(chosen[0], reading(ops.get(chosen[0]), ops.get(chosen[1]).value()));
            return Optional.of(mutated);
        }, Violation.Kind.NOT_LINEARIZABLE);
    }

    @Test
    void rejectsSequentialReadsSeeingSequentialWritesInReverse() {
        rejectsEveryMutant((ops, random) -> {
            Map<String, RegisterOp> writeOf = new HashMap<>();
            ops.stream().filter(RegisterCheckerRandomizedTest::okWrite).forEach(write -> writeOf.put(write.value(), write));
            List<int[]> candidates = new ArrayList<>();
            for (int r1 = 0; r1 < ops.size(); r1++) {
                for (int r2 = 0; r2 < ops.size(); r2++) {
                    RegisterOp first = ops.get(r1);
                    RegisterOp second = ops.get(r2);
                    if (!okRead(first) || !okRead(second) || !first.key().equals(second.key())
                            || first.completeNanos() >= second.invokeNanos() || Objects.equals(first.value(), second.value())) {
                        continue;
                    }
                    RegisterOp firstWrite = writeOf.get(first.value());
                    RegisterOp secondWrite = writeOf.get(second.value());
                    if (firstWrite != null && secondWrite != null && firstWrite.completeNanos() < secondWrite.invokeNanos()) {
                        candidates.add(new int[] {r1, r2});
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            int[] chosen = pick(candidates, random);
            List<RegisterOp> mutated = new ArrayList<>(ops);
            mutated.set(chosen[0], reading(ops.get(chosen[0]), ops.get(chosen[1]).value()));
            mutated.set(chosen[1], reading(ops.get(chosen[1]), ops.get(chosen[0]).value()));
            return Optional.of(mutated);
            // The second write may have begun after the first read ended: then that read sees the future.
        }, Violation.Kind.NOT_LINEARIZABLE, Violation.Kind.FUTURE_READ);
    }

    @Test
    void agreesWithBruteForceOnSmallArbitraryHistories() {
        int valid = 0;
        int invalid = 0;
        for (int seed = 0; seed < 3000; seed++) {
            Random random = new Random(seed);
            String initial = random.nextBoolean() ? null : "a";
            List<RegisterOp> ops = arbitrary(random);

            CheckResult result = RegisterChecker.check(ops, initial == null ? Map.of() : Map.of("x", initial), BUDGET);
            boolean expected = BruteForce.linearizable(ops, initial);

            assertThat(result.verdict()).as("seed %d: %s%n%s", seed, ops, result.report())
                    .isEqualTo(expected ? CheckResult.Verdict.VALID : CheckResult.Verdict.INVALID);
            if (expected) {
                valid++;
            } else {
                invalid++;
            }
        }
        assertThat(valid).isGreaterThan(300);
        assertThat(invalid).isGreaterThan(300);
    }

    /** A small one-key history with no model behind it: random times, kinds, values and outcomes. */
    private static List<RegisterOp> arbitrary(Random random) {
        List<RegisterOp> ops = new ArrayList<>();
        int count = 1 + random.nextInt(7);
        for (int i = 0; i < count; i++) {
            long invoke = random.nextInt(50);
            int roll = random.nextInt(100);
            Result result = roll < 70 ? Result.OK : roll < 90 ? Result.INFO : Result.FAIL;
            RegisterOp.Kind kind = random.nextBoolean() ? RegisterOp.Kind.WRITE : RegisterOp.Kind.READ;
            String value = random.nextInt(8) == 0 ? null : String.valueOf((char) ('a' + random.nextInt(3)));
            ops.add(new RegisterOp(i, "x", kind, value, invoke, invoke + random.nextInt(30), result));
        }
        return ops;
    }

    /**
     * An oracle that knows nothing of the checker's reductions: it tries every order of the
     * kept ops on a plain register (INFO writes optional), respecting real time.
     */
    private static final class BruteForce {

        private final List<RegisterOp> ops = new ArrayList<>();

        static boolean linearizable(List<RegisterOp> history, String initial) {
            BruteForce search = new BruteForce();
            for (RegisterOp op : history) {
                if (op.result() == Result.OK || (op.result() == Result.INFO && op.kind() == RegisterOp.Kind.WRITE)) {
                    search.ops.add(op);
                }
            }
            return search.extend(new boolean[search.ops.size()], initial);
        }

        private static long latest(RegisterOp op) {
            return op.result() == Result.OK ? op.completeNanos() : Long.MAX_VALUE;
        }

        private boolean extend(boolean[] placed, String state) {
            boolean done = true;
            for (int i = 0; i < ops.size(); i++) {
                done &= placed[i] || ops.get(i).result() != Result.OK;
            }
            if (done) {
                return true;
            }
            for (int i = 0; i < ops.size(); i++) {
                if (placed[i] || !mayGoNext(placed, i)) {
                    continue;
                }
                RegisterOp op = ops.get(i);
                boolean write = op.kind() == RegisterOp.Kind.WRITE;
                if (write || Objects.equals(op.value(), state)) {
                    placed[i] = true;
                    boolean found = extend(placed, write ? op.value() : state);
                    placed[i] = false;
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean mayGoNext(boolean[] placed, int candidate) {
            for (int j = 0; j < ops.size(); j++) {
                if (!placed[j] && j != candidate && latest(ops.get(j)) < ops.get(candidate).invokeNanos()) {
                    return false;
                }
            }
            return true;
        }
    }
}
