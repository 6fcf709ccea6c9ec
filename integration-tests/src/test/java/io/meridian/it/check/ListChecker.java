package io.meridian.it.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a history of an append-only list of unique values (the catalog) for linearizability.
 * Stateless; safe to call from any thread.
 *
 * <p>Because every value is unique and the final list, read once the cluster has converged,
 * gives the order in which the appends took effect, no search is needed: the history is
 * linearizable iff its values are consistent with the final list and there are points
 * t(op) in [invoke, complete] (complete = +infinity for INFO) with the appends in final-list
 * order and each read of length L after the append at position L and before the one at L+1.
 * Every constraint is "this point is no earlier than that one", so placing each op as early
 * as it can go, in final-list order, finds such points whenever they exist (the earliest
 * placements are a lower bound on any solution). Two ops whose times are equal count as
 * concurrent: a completes before b only if a.completeNanos &lt; b.invokeNanos.
 *
 * <p>Violations: DUPLICATE (a value twice in the final list or in one read), LOST (an OK
 * append missing from the final list), PHANTOM (a value no OK or INFO append wrote),
 * FAILED_APPLIED (a FAIL append's value in the final list or a read), READ_MISMATCH (a read's
 * values differ from the final list, or its length exceeds it), and, when no real-time order
 * exists, whichever of REORDERED, STALE_READ, FUTURE_READ and READ_BACKWARDS explain it, or
 * NOT_LINEARIZABLE naming the first op the sweep could not place. Reads with a READ_MISMATCH
 * or DUPLICATE are left out of the real-time check; a phantom or duplicated final-list entry
 * is placed with no time constraint, so one broken entry does not hide the order of the rest.
 */
public final class ListChecker {

    private ListChecker() {
    }

    /**
     * @param appends every append, OK, FAIL or INFO; their values must be distinct
     * @param reads every OK read
     * @param finalList the whole list as read after the run, once every fault was healed and
     *     the cluster converged
     */
    public static CheckResult check(List<ListAppend> appends, List<ListRead> reads, List<String> finalList) {
        return new Run(appends, finalList).check(reads);
    }

    /** One check's working state: the final list with, for each position, when its append could take effect. */
    private static final class Run {

        private final List<ListAppend> appends;
        private final List<String> finalList;
        private final Map<String, ListAppend> appendOf;
        private final Map<String, Integer> positionOf = new HashMap<>();
        /** 1-based: the append at each final position (null for a phantom), and its window in time. */
        private final ListAppend[] appendAt;
        private final long[] earliest;
        private final long[] latest;
        private final ViolationLog log = new ViolationLog();

        Run(List<ListAppend> appends, List<String> finalList) {
            this.appends = appends;
            this.finalList = finalList;
            this.appendOf = indexByValue(appends);
            int n = finalList.size();
            this.appendAt = new ListAppend[n + 1];
            this.earliest = new long[n + 1];
            this.latest = new long[n + 1];
        }

        private static Map<String, ListAppend> indexByValue(List<ListAppend> appends) {
            Map<String, ListAppend> byValue = new LinkedHashMap<>();
            for (ListAppend append : appends) {
                ListAppend other = byValue.putIfAbsent(append.value(), append);
                if (other != null) {
                    // The checks rest on unique values; a history breaking that is the suite's bug.
                    throw new IllegalArgumentException("values must be unique, but " + other.describe()
                            + " and " + append.describe() + " both append it");
                }
            }
            return byValue;
        }

        CheckResult check(List<ListRead> reads) {
            checkFinalList();
            checkLostAppends();
            List<ListRead> consistent = checkReads(reads);
            String stuck = sweep(consistent);
            if (stuck != null) {
                explainDisorder(consistent, stuck);
            }
            String counts = appends.size() + " appends, " + reads.size() + " reads, final list of " + finalList.size();
            if (log.isEmpty()) {
                return new CheckResult(CheckResult.Verdict.VALID, List.of(), "VALID: " + counts + " ("
                        + describeApplied() + "); the appends and reads fit one real-time order");
            }
            return new CheckResult(CheckResult.Verdict.INVALID, log.violations(), "INVALID: " + log.countsByKind()
                    + " in " + counts + (stuck == null ? "; the consistent ops fit one real-time order"
                    : "; real-time order breaks: " + stuck));
        }

        private String describeApplied() {
            int ok = 0;
            int info = 0;
            for (ListAppend append : appends) {
                boolean applied = positionOf.containsKey(append.value());
                ok += append.result() == Result.OK ? 1 : 0;
                info += append.result() == Result.INFO && applied ? 1 : 0;
            }
            return ok + " OK and " + info + " INFO appends applied, "
                    + (appends.size() - ok - info) + " FAIL or INFO appends not applied";
        }

        private void checkFinalList() {
            for (int position = 1; position <= finalList.size(); position++) {
                String value = finalList.get(position - 1);
                ListAppend append = appendOf.get(value);
                Integer first = positionOf.putIfAbsent(value, position);
                appendAt[position] = append;
                earliest[position] = append == null ? Long.MIN_VALUE : append.invokeNanos();
                latest[position] = Long.MAX_VALUE;
                if (first != null) {
                    log.add(Violation.Kind.DUPLICATE, "\"" + value + "\" is at final positions " + first + " and "
                            + position + (append == null ? "" : "; " + append.describe()));
                } else if (append == null) {
                    log.add(Violation.Kind.PHANTOM, "\"" + value + "\" at final position " + position
                            + " was written by no append");
                } else if (append.result() == Result.FAIL) {
                    log.add(Violation.Kind.FAILED_APPLIED, append.describe() + " is at final position " + position);
                } else {
                    latest[position] = append.latestNanos();
                }
            }
        }

        private void checkLostAppends() {
            for (ListAppend append : appends) {
                if (append.result() == Result.OK && !positionOf.containsKey(append.value())) {
                    log.add(Violation.Kind.LOST, append.describe() + " is not in the final list of "
                            + finalList.size());
                }
            }
        }

        /** Reports what is wrong with each read's values and returns the reads that agree with the final list. */
        private List<ListRead> checkReads(List<ListRead> reads) {
            Set<String> reported = new HashSet<>();
            List<ListRead> consistent = new ArrayList<>();
            for (ListRead read : reads) {
                boolean agrees = true;
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < read.values().size(); i++) {
                    String value = read.values().get(i);
                    long position = read.fromPosition() + i + 1;
                    if (!seen.add(value)) {
                        log.add(Violation.Kind.DUPLICATE, read.describe() + " saw \"" + value + "\" twice, again at position " + position);
                        agrees = false;
                    }
                    ListAppend append = appendOf.get(value);
                    // A value also in the final list was reported there; report each value once.
                    if (!positionOf.containsKey(value) && reported.add(value)) {
                        if (append == null) {
                            log.add(Violation.Kind.PHANTOM, "\"" + value + "\" seen by " + read.describe()
                                    + " at position " + position + " was written by no append");
                        } else if (append.result() == Result.FAIL) {
                            log.add(Violation.Kind.FAILED_APPLIED, append.describe() + " was seen by " + read.describe()
                                    + " at position " + position);
                        }
                    }
                }
                agrees &= readAgreesWithFinalList(read);
                if (agrees) {
                    consistent.add(read);
                }
            }
            return consistent;
        }

        private boolean readAgreesWithFinalList(ListRead read) {
            int n = finalList.size();
            if (read.toPosition() > read.length()) {
                log.add(Violation.Kind.READ_MISMATCH, read.describe() + " returned values up to position "
                        + read.toPosition() + ", past its own length");
                return false;
            }
            if (read.length() > n) {
                log.add(Violation.Kind.READ_MISMATCH, read.describe() + " is longer than the final list of " + n);
                return false;
            }
            for (int i = 0; i < read.values().size(); i++) {
                int position = (int) read.fromPosition() + i + 1;
                String expected = finalList.get(position - 1);
                if (!expected.equals(read.values().get(i))) {
                    log.add(Violation.Kind.READ_MISMATCH, read.describe() + " saw \"" + read.values().get(i)
                            + "\" at position " + position + " where the final list holds \"" + expected + "\"");
                    return false;
                }
            }
            return true;
        }

        /**
         * Places every op at its earliest possible time in final-list order; returns null if all
         * fit, else a description of the first op that cannot be placed.
         */
        private String sweep(List<ListRead> reads) {
            List<ListRead> byLength = new ArrayList<>(reads);
            byLength.sort(Comparator.comparingLong(ListRead::length));
            long time = Long.MIN_VALUE;
            int next = 0;
            for (int position = 0; position <= finalList.size(); position++) {
                if (position > 0) {
                    time = Math.max(time, earliest[position]);
                    if (time > latest[position]) {
                        return appendAt[position].describe() + " at final position " + position + " cannot follow"
                                + " the appends before it and the reads shorter than " + position
                                + ", which cannot all take effect before " + time;
                    }
                }
                // Reads of equal length are unordered among themselves; all precede the next append.
                long afterReads = time;
                for (; next < byLength.size() && byLength.get(next).length() == position; next++) {
                    ListRead read = byLength.get(next);
                    long at = Math.max(time, read.invokeNanos());
                    if (at > read.completeNanos()) {
                        return read.describe() + " cannot follow the appends at positions 1.." + position
                                + " and the reads shorter than it, which cannot all take effect before " + time;
                    }
                    afterReads = Math.max(afterReads, at);
                }
                time = afterReads;
            }
            return null;
        }

        /** Finds the plain reasons a real-time order fails; falls back to the sweep's first unplaceable op. */
        private void explainDisorder(List<ListRead> reads, String stuck) {
            int n = finalList.size();
            // firstDone[p]: among positions p..n, the one whose append surely took effect first.
            int[] firstDone = new int[n + 2];
            firstDone[n + 1] = 0;
            for (int p = n; p >= 1; p--) {
                int later = firstDone[p + 1];
                firstDone[p] = later != 0 && latest[later] <= latest[p] ? later : p;
            }
            // lastInvoked[p]: among positions 1..p, the one whose append was invoked last.
            int[] lastInvoked = new int[n + 1];
            for (int p = 1; p <= n; p++) {
                int before = lastInvoked[p - 1];
                lastInvoked[p] = before != 0 && earliest[before] >= earliest[p] ? before : p;
            }
            int explained = 0;
            for (int p = 1; p < n; p++) {
                int q = firstDone[p + 1];
                if (latest[q] < earliest[p]) {
                    log.add(Violation.Kind.REORDERED, appendAt[q].describe() + " completed before "
                            + appendAt[p].describe() + " was invoked, but the final list has them at positions "
                            + q + " and " + p);
                    explained++;
                }
            }
            for (ListRead read : reads) {
                int length = (int) read.length();
                if (length < n) {
                    int q = firstDone[length + 1];
                    if (latest[q] < read.invokeNanos()) {
                        log.add(Violation.Kind.STALE_READ, read.describe() + " was invoked after "
                                + appendAt[q].describe() + " at final position " + q + " had completed");
                        explained++;
                    }
                }
                if (length > 0) {
                    int q = lastInvoked[length];
                    if (earliest[q] > read.completeNanos()) {
                        log.add(Violation.Kind.FUTURE_READ, read.describe() + " includes position " + q + ", but "
                                + appendAt[q].describe() + " was invoked only after the read completed");
                        explained++;
                    }
                }
            }
            explained += findReadsGoingBackwards(reads);
            if (explained == 0) {
                log.add(Violation.Kind.NOT_LINEARIZABLE, stuck);
            }
        }

        private int findReadsGoingBackwards(List<ListRead> reads) {
            List<ListRead> byCompletion = new ArrayList<>(reads);
            byCompletion.sort(Comparator.comparingLong(ListRead::completeNanos));
            List<ListRead> byInvoke = new ArrayList<>(reads);
            byInvoke.sort(Comparator.comparingLong(ListRead::invokeNanos));
            ListRead longestDone = null;
            int done = 0;
            int found = 0;
            for (ListRead read : byInvoke) {
                for (; done < byCompletion.size() && byCompletion.get(done).completeNanos() < read.invokeNanos(); done++) {
                    ListRead candidate = byCompletion.get(done);
                    if (longestDone == null || candidate.length() > longestDone.length()) {
                        longestDone = candidate;
                    }
                }
                if (longestDone != null && longestDone.length() > read.length()) {
                    log.add(Violation.Kind.READ_BACKWARDS, longestDone.describe() + " completed before "
                            + read.describe() + " was invoked");
                    found++;
                }
            }
            return found;
        }
    }
}
