package io.meridian.it.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a history of named read/write registers for linearizability with the Wing-Gong-Lowe
 * search as porcupine implements it. Stateless; safe to call from any thread.
 *
 * <p>A history is linearizable iff each key's sub-history is (P-compositionality), so each key
 * is searched alone, in key order. FAIL ops and INFO reads are dropped. An INFO write has no
 * return: it may take effect at any time after its invoke, or never. The search keeps a
 * time-ordered list of call and return events, linearizes a pending call whenever the model
 * allows it, backtracks when it reaches the return of an op it has not linearized, and
 * memoizes each (set of linearized ops, register value) it has been in, so no state is
 * explored twice. Two ops whose times are equal count as concurrent.
 *
 * <p>Two sound reductions keep INFO writes from blowing the search up, since a pending INFO
 * write could otherwise be tried at every step until the end of the history: an INFO write
 * whose value no read returned is dropped (any linearization using it stays valid without
 * it, as it must be overwritten before any read), and an INFO write that is the only write of
 * its value, and whose value is not the initial one, must take effect before the first read
 * of that value completes, so that completion is used as its return.
 *
 * <p>Before searching a key, reads that cannot be explained at all are reported with a
 * specific kind and the key is not searched: PHANTOM (a value no OK or INFO write wrote and
 * not the initial value), FAILED_APPLIED (a value only a FAIL write wrote) and FUTURE_READ
 * (every write of the value was invoked after the read completed). Any other failure is
 * NOT_LINEARIZABLE, with the longest linearizable prefix the search found and the op it could
 * not linearize after it.
 */
public final class RegisterChecker {

    /** How many of the longest prefix's last ops a NOT_LINEARIZABLE message lists. */
    private static final int PREFIX_OPS_SHOWN = 8;

    private RegisterChecker() {
    }

    /**
     * @param initial each key's value before the run (a read may observe it); a key missing
     *     here had no value, which a read reports as null
     * @param budget give up after this long; the result is then UNKNOWN, which is not a pass.
     *     The search also gives up, with UNKNOWN, before its memo of explored states fills a
     *     quarter of the heap.
     */
    public static CheckResult check(List<RegisterOp> ops, Map<String, String> initial, Duration budget) {
        long start = System.nanoTime();
        long deadline = start + Math.min(budget.toNanos(), Long.MAX_VALUE / 4);
        Map<String, List<RegisterOp>> byKey = new TreeMap<>();
        for (RegisterOp op : ops) {
            byKey.computeIfAbsent(op.key(), key -> new ArrayList<>()).add(op);
        }
        ViolationLog log = new ViolationLog();
        List<String> invalidKeys = new ArrayList<>();
        List<String> uncheckedKeys = new ArrayList<>();
        String gaveUp = "";
        long steps = 0;
        int searched = 0;
        int dropped = 0;
        for (Map.Entry<String, List<RegisterOp>> key : byKey.entrySet()) {
            if (!uncheckedKeys.isEmpty()) {
                uncheckedKeys.add(key.getKey());
                continue;
            }
            KeyCheck check = new KeyCheck(key.getKey(), key.getValue(), initial.get(key.getKey()), log);
            KeyCheck.Outcome outcome = check.run(deadline);
            steps += check.steps;
            searched += check.searched;
            dropped += check.unobservedInfoWrites;
            switch (outcome) {
                case LINEARIZABLE -> { }
                case NOT_LINEARIZABLE -> invalidKeys.add(key.getKey());
                case GAVE_UP -> {
                    uncheckedKeys.add(key.getKey());
                    gaveUp = check.gaveUp;
                }
            }
        }
        String counts = byKey.size() + " keys, " + ops.size() + " ops (" + searched + " searched, " + dropped
                + " INFO writes never read left out), " + steps + " search steps in "
                + (System.nanoTime() - start) / 1_000_000 + " ms";
        String unchecked = uncheckedKeys.isEmpty() ? "" : "; " + gaveUp + " (budget " + budget + "), keys not checked: "
                + uncheckedKeys;
        if (!log.isEmpty()) {
            return new CheckResult(CheckResult.Verdict.INVALID, log.violations(), "INVALID: " + log.countsByKind()
                    + " in keys " + invalidKeys + "; " + counts + unchecked);
        }
        if (!uncheckedKeys.isEmpty()) {
            return new CheckResult(CheckResult.Verdict.UNKNOWN, List.of(), "UNKNOWN: " + counts + unchecked);
        }
        return new CheckResult(CheckResult.Verdict.VALID, List.of(), "VALID: " + counts);
    }

    /** The checks of one key's sub-history; used once, on one thread. */
    private static final class KeyCheck {

        enum Outcome { LINEARIZABLE, NOT_LINEARIZABLE, GAVE_UP }

        private final String key;
        private final List<RegisterOp> history;
        private final String initial;
        private final ViolationLog log;
        long steps;
        int searched;
        int unobservedInfoWrites;
        String gaveUp;

        KeyCheck(String key, List<RegisterOp> history, String initial, ViolationLog log) {
            this.key = key;
            this.history = history;
            this.initial = initial;
            this.log = log;
        }

        Outcome run(long deadline) {
            List<RegisterOp> writes = new ArrayList<>();
            List<RegisterOp> reads = new ArrayList<>();
            Set<String> failedWrites = new HashSet<>();
            for (RegisterOp op : history) {
                if (op.result() == Result.FAIL) {
                    if (op.kind() == RegisterOp.Kind.WRITE) {
                        failedWrites.add(op.value());
                    }
                } else if (op.kind() == RegisterOp.Kind.WRITE) {
                    writes.add(op);
                } else if (op.result() == Result.OK) {
                    reads.add(op);
                }
            }
            Map<String, List<RegisterOp>> writersOf = new HashMap<>();
            for (RegisterOp write : writes) {
                writersOf.computeIfAbsent(write.value(), value -> new ArrayList<>()).add(write);
            }
            if (!explainsEveryRead(reads, writersOf, failedWrites)) {
                return Outcome.NOT_LINEARIZABLE;
            }
            return search(searchOps(writes, reads, writersOf), deadline);
        }

        /** Reports reads that no write can explain, whatever the order; false if there are any. */
        private boolean explainsEveryRead(List<RegisterOp> reads, Map<String, List<RegisterOp>> writersOf,
                Set<String> failedWrites) {
            boolean explained = true;
            for (RegisterOp read : reads) {
                if (Objects.equals(read.value(), initial)) {
                    continue;
                }
                List<RegisterOp> writers = writersOf.getOrDefault(read.value(), List.of());
                if (writers.isEmpty()) {
                    explained = false;
                    if (failedWrites.contains(read.value())) {
                        log.add(Violation.Kind.FAILED_APPLIED, read.describe() + " returned the value of a write that FAILed");
                    } else {
                        log.add(Violation.Kind.PHANTOM, read.describe() + " returned a value no write wrote (the initial value is "
                                + RegisterOp.quote(initial) + ")");
                    }
                } else if (writers.stream().allMatch(write -> write.invokeNanos() > read.completeNanos())) {
                    explained = false;
                    log.add(Violation.Kind.FUTURE_READ, read.describe() + " returned a value first written by "
                            + writers.get(0).describe() + ", invoked only after the read completed");
                }
            }
            return explained;
        }

        /** The ops to search, with each kept INFO write's return set as late as it can soundly be. */
        private List<SearchOp> searchOps(List<RegisterOp> writes, List<RegisterOp> reads,
                Map<String, List<RegisterOp>> writersOf) {
            Map<String, Long> firstReadDone = new HashMap<>();
            for (RegisterOp read : reads) {
                firstReadDone.merge(read.value(), read.completeNanos(), Math::min);
            }
            List<SearchOp> ops = new ArrayList<>();
            for (RegisterOp write : writes) {
                long returns = write.completeNanos();
                if (write.result() == Result.INFO) {
                    Long readDone = firstReadDone.get(write.value());
                    if (readDone == null) {
                        unobservedInfoWrites++;
                        continue;
                    }
                    boolean onlyWay = writersOf.get(write.value()).size() == 1 && !Objects.equals(write.value(), initial);
                    returns = onlyWay ? Math.max(readDone, write.invokeNanos()) : Long.MAX_VALUE;
                }
                ops.add(new SearchOp(write, returns));
            }
            for (RegisterOp read : reads) {
                ops.add(new SearchOp(read, read.completeNanos()));
            }
            return ops;
        }

        private record SearchOp(RegisterOp op, long returnNanos) {
        }

        /** A search state already explored: which ops are linearized and the register's value. */
        private record Explored(BitSet linearized, int value) {
        }

        /**
         * Porcupine's iterative search over a doubly linked list of call and return events:
         * entries 0..2n-1 sorted by time, calls before returns at equal times, and a head
         * sentinel at 2n. Linearizing a call unlinks it and its return; backtracking relinks them.
         */
        private Outcome search(List<SearchOp> ops, long deadline) {
            int n = ops.size();
            searched = n;
            if (n == 0) {
                return Outcome.LINEARIZABLE;
            }
            Map<String, Integer> valueIds = new HashMap<>();
            valueIds.put(initial, 0);
            int[] valueOf = new int[n];
            boolean[] writes = new boolean[n];
            for (int i = 0; i < n; i++) {
                RegisterOp op = ops.get(i).op();
                valueOf[i] = valueIds.computeIfAbsent(op.value(), value -> valueIds.size());
                writes[i] = op.kind() == RegisterOp.Kind.WRITE;
            }
            Integer[] order = new Integer[2 * n];
            for (int e = 0; e < 2 * n; e++) {
                order[e] = e;
            }
            // Event e < n is op e's call; e >= n is op (e - n)'s return.
            Arrays.sort(order, Comparator
                    .comparingLong((Integer e) -> e < n ? ops.get(e).op().invokeNanos() : ops.get(e - n).returnNanos())
                    .thenComparingInt(e -> e < n ? 0 : 1)
                    .thenComparingInt(e -> e % n));
            int head = 2 * n;
            int[] next = new int[2 * n + 1];
            int[] prev = new int[2 * n + 1];
            int[] opOf = new int[2 * n];
            boolean[] call = new boolean[2 * n];
            int[] returnOf = new int[2 * n];
            int[] entryOfReturn = new int[n];
            for (int i = 0; i < 2 * n; i++) {
                int event = order[i];
                opOf[i] = event % n;
                call[i] = event < n;
                if (!call[i]) {
                    entryOfReturn[opOf[i]] = i;
                }
                prev[i] = i == 0 ? head : i - 1;
                next[i] = i == 2 * n - 1 ? -1 : i + 1;
            }
            for (int i = 0; i < 2 * n; i++) {
                if (call[i]) {
                    returnOf[i] = entryOfReturn[opOf[i]];
                }
            }
            next[head] = 0;
            prev[head] = -1;

            BitSet linearized = new BitSet(n);
            Set<Explored> explored = new HashSet<>();
            // A hard history can fill the heap well before the time budget ends; give up first
            // (about 100 bytes per state plus its bit set) rather than kill the test JVM.
            long maxExplored = Runtime.getRuntime().maxMemory() / 4 / (100 + n / 8);
            int[] stackEntry = new int[n];
            int[] stackValue = new int[n];
            int depth = 0;
            int value = 0;
            int[] longest = new int[0];
            int blocked = -1;
            int blockedValue = 0;
            int entry = next[head];
            while (next[head] != -1) {
                if ((steps++ & 0x3FF) == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        gaveUp = "the time budget ran out";
                        return Outcome.GAVE_UP;
                    }
                    if (explored.size() > maxExplored) {
                        gaveUp = "the search explored " + explored.size() + " states, as many as a quarter of the heap holds";
                        return Outcome.GAVE_UP;
                    }
                }
                if (call[entry]) {
                    int op = opOf[entry];
                    int after = writes[op] ? valueOf[op] : value;
                    boolean allowed = writes[op] || valueOf[op] == value;
                    if (allowed) {
                        linearized.set(op);
                        if (!explored.contains(new Explored(linearized, after))) {
                            explored.add(new Explored((BitSet) linearized.clone(), after));
                            stackEntry[depth] = entry;
                            stackValue[depth] = value;
                            depth++;
                            value = after;
                            unlink(entry, returnOf[entry], next, prev);
                            entry = next[head];
                            continue;
                        }
                        linearized.clear(op);
                    }
                    entry = next[entry];
                } else {
                    // The return of an op not yet linearized: nothing pending can go first, so undo the last step.
                    if (depth > longest.length || blocked == -1) {
                        longest = new int[depth];
                        for (int i = 0; i < depth; i++) {
                            longest[i] = opOf[stackEntry[i]];
                        }
                        blocked = opOf[entry];
                        blockedValue = value;
                    }
                    if (depth == 0) {
                        reportFailure(ops, longest, blocked, blockedValue, valueIds);
                        return Outcome.NOT_LINEARIZABLE;
                    }
                    depth--;
                    entry = stackEntry[depth];
                    value = stackValue[depth];
                    linearized.clear(opOf[entry]);
                    relink(entry, returnOf[entry], next, prev);
                    entry = next[entry];
                }
            }
            return Outcome.LINEARIZABLE;
        }

        private static void unlink(int call, int ret, int[] next, int[] prev) {
            next[prev[call]] = next[call];
            prev[next[call]] = prev[call];
            next[prev[ret]] = next[ret];
            if (next[ret] != -1) {
                prev[next[ret]] = prev[ret];
            }
        }

        /**
         * Undoes {@link #unlink}: the two entries still hold their old neighbours, and the
         * search undoes unlinks last-first, so those neighbours are back in place (dancing links).
         */
        private static void relink(int call, int ret, int[] next, int[] prev) {
            next[prev[ret]] = ret;
            if (next[ret] != -1) {
                prev[next[ret]] = ret;
            }
            next[prev[call]] = call;
            prev[next[call]] = call;
        }

        private void reportFailure(List<SearchOp> ops, int[] longest, int blocked, int blockedValue,
                Map<String, Integer> valueIds) {
            String[] values = new String[valueIds.size()];
            valueIds.forEach((text, id) -> values[id] = text);
            StringBuilder message = new StringBuilder("key ").append(key).append(": the longest linearizable prefix has ")
                    .append(longest.length).append(" of ").append(ops.size()).append(" ops");
            if (longest.length > 0) {
                message.append(", ending");
                if (longest.length > PREFIX_OPS_SHOWN) {
                    message.append(" ...");
                }
                for (int i = Math.max(0, longest.length - PREFIX_OPS_SHOWN); i < longest.length; i++) {
                    message.append(i == Math.max(0, longest.length - PREFIX_OPS_SHOWN) ? " " : ", ")
                            .append(ops.get(longest[i]).op().describe());
                }
            }
            SearchOp stuck = ops.get(blocked);
            message.append("; with the register at ").append(RegisterOp.quote(values[blockedValue])).append(", ")
                    .append(stuck.op().describe()).append(" cannot be linearized ");
            if (stuck.op().result() == Result.OK) {
                message.append("before it completes");
            } else if (stuck.returnNanos() == Long.MAX_VALUE) {
                message.append("at any later point");
            } else {
                message.append("before the first read of its value completed at ").append(stuck.returnNanos());
            }
            log.add(Violation.Kind.NOT_LINEARIZABLE, message.toString());
        }
    }
}
