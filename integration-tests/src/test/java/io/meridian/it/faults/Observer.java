package io.meridian.it.faults;

import static org.awaitility.Awaitility.await;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.proto.MemberStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Watches a {@link ProcessCluster} from outside: asks every running node for its own status
 * (LocalStatus, straight at its api address), records every answer, and checks on each one the
 * invariants a Raft cluster must keep whatever the faults (as KRaft's simulation does): a node's
 * term never goes down, not even across restarts; within one process a node's commit and applied
 * indexes never go down; and no two nodes ever lead the same term.
 *
 * <p>A restarted node replays its log, so its applied index may start below where it was before
 * the crash; that is recorded as a note, not a violation. A node that restarts its Raft server in
 * the same process (to serve as a listener) counts as restarted: its status says when the server
 * started.
 *
 * <p>Thread-safe: polls are serialized.
 */
public final class Observer implements AutoCloseable {

    /** One node's answer at one poll, or why there was none ({@code status} null). */
    public record Answer(String node, long nanos, long pid, MemberStatus status, String error) {
        public boolean answered() {
            return status != null && status.getError().isEmpty();
        }

        public boolean leads() {
            return answered() && status.getRole().equals("LEADER");
        }

        @Override
        public String toString() {
            if (status == null) {
                return node + ": " + error;
            }
            return String.format("%s: %s term=%d leader=%s commit=%d applied=%d digest=%.12s%s", node,
                    status.getRole(), status.getTerm(), status.getLeaderId().isEmpty() ? "-" : status.getLeaderId(),
                    status.getCommitIndex(), status.getAppliedIndex(), status.getStateDigest(),
                    status.getError().isEmpty() ? "" : " error=" + status.getError());
        }
    }

    /** A leader a majority agrees on: it says it leads the term and a majority name it for that term. */
    public record Leader(String id, long term, long nanos) {
    }

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final ProcessCluster cluster;
    private final MeridianClient client;
    private final ExecutorService probes;
    private final long createdNanos = System.nanoTime();
    private final Map<String, NodeHistory> histories = new TreeMap<>();
    private final SortedMap<Long, String> leadersByTerm = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private SortedMap<String, Answer> last = new TreeMap<>();
    private long polls;

    /** What was last seen of one node. */
    private static final class NodeHistory {
        long pid;
        long startedAtMs;
        long maxTerm;
        long commit;
        long applied;
        long lastAppliedBeforeRestart = -1;
    }

    Observer(ProcessCluster cluster) {
        this.cluster = cluster;
        this.client = MeridianClient.builder().endpoints(cluster.endpoints(List.of())).timeout(PROBE_TIMEOUT).build();
        this.probes = Executors.newFixedThreadPool(cluster.ids().size(), runnable -> {
            Thread thread = new Thread(runnable, "observer-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Asks every node at once; a node that is not running is not asked. Records and checks every answer. */
    public synchronized SortedMap<String, Answer> poll() {
        Map<String, Future<Answer>> asked = new TreeMap<>();
        for (String id : cluster.ids()) {
            long pid = cluster.pid(id);
            if (pid < 0) {
                asked.put(id, CompletableFuture.completedFuture(
                        new Answer(id, System.nanoTime(), -1, null, "not running")));
                continue;
            }
            asked.put(id, probes.submit(() -> probe(id, pid)));
        }
        SortedMap<String, Answer> answers = new TreeMap<>();
        for (Map.Entry<String, Future<Answer>> entry : asked.entrySet()) {
            try {
                answers.put(entry.getKey(), entry.getValue().get());
            } catch (ExecutionException e) {
                answers.put(entry.getKey(), new Answer(entry.getKey(), System.nanoTime(), -1, null,
                        "probe failed: " + e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while polling", e);
            }
        }
        answers.values().forEach(this::record);
        polls++;
        last = Collections.unmodifiableSortedMap(answers);
        return last;
    }

    private Answer probe(String id, long pid) {
        try {
            MemberStatus status = client.metadata().localStatus(cluster.apiAddress(id));
            return new Answer(id, System.nanoTime(), pid, status, "");
        } catch (MeridianException e) {
            return new Answer(id, System.nanoTime(), pid, null, "no answer: " + e.getMessage());
        }
    }

    private void record(Answer answer) {
        if (!answer.answered()) {
            return;
        }
        MemberStatus status = answer.status();
        NodeHistory history = histories.computeIfAbsent(answer.node(), id -> new NodeHistory());
        String at = " at +" + seconds(answer.nanos()) + " s";
        if (status.getTerm() < history.maxTerm) {
            violations.add(answer.node() + "'s term went down from " + history.maxTerm + " to " + status.getTerm()
                    + at + " (pid " + answer.pid() + ")");
        }
        history.maxTerm = Math.max(history.maxTerm, status.getTerm());
        if (answer.pid() != history.pid || status.getStartedAtMs() != history.startedAtMs) {
            if (history.pid != 0) {
                history.lastAppliedBeforeRestart = history.applied;
                if (status.getAppliedIndex() < history.applied) {
                    notes.add(answer.node() + " restarted (pid " + history.pid + " -> " + answer.pid() + "): applied "
                            + "index " + history.applied + " before, " + status.getAppliedIndex()
                            + " at its first answer" + at);
                }
            }
            history.pid = answer.pid();
            history.startedAtMs = status.getStartedAtMs();
        } else {
            if (status.getCommitIndex() < history.commit) {
                violations.add(answer.node() + "'s commit index went down from " + history.commit + " to "
                        + status.getCommitIndex() + at + " (pid " + answer.pid() + ")");
            }
            if (status.getAppliedIndex() < history.applied) {
                violations.add(answer.node() + "'s applied index went down from " + history.applied + " to "
                        + status.getAppliedIndex() + at + " (pid " + answer.pid() + ")");
            }
        }
        history.commit = status.getCommitIndex();
        history.applied = status.getAppliedIndex();
        if (answer.leads()) {
            String previous = leadersByTerm.putIfAbsent(status.getTerm(), answer.node());
            if (previous != null && !previous.equals(answer.node())) {
                violations.add("two leaders of term " + status.getTerm() + ": " + previous + " and " + answer.node()
                        + at);
            }
        }
    }

    /** The leader a majority of the cluster agrees on in this poll, if any. */
    public Optional<Leader> leader(Map<String, Answer> poll) {
        Optional<Answer> highest = poll.values().stream().filter(Answer::leads)
                .max(Comparator.comparingLong(a -> a.status().getTerm()));
        if (highest.isEmpty()) {
            return Optional.empty();
        }
        String id = highest.get().node();
        long term = highest.get().status().getTerm();
        long agreeing = poll.values().stream().filter(a -> a.answered() && a.status().getTerm() == term
                && a.status().getLeaderId().equals(id)).count();
        return agreeing >= cluster.ids().size() / 2 + 1
                ? Optional.of(new Leader(id, term, highest.get().nanos())) : Optional.empty();
    }

    /** Polls until a leader that {@code wanted} accepts is agreed on; fails naming {@code what}. */
    public Leader awaitLeader(Duration timeout, Predicate<Leader> wanted, String what) {
        Leader[] found = new Leader[1];
        awaitPolls(timeout, "a leader " + what, poll -> {
            Optional<Leader> leader = leader(poll);
            found[0] = leader.filter(wanted).orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    /** Polls until {@code wanted} holds of the node's answer; returns that answer's status. */
    public MemberStatus awaitNode(String id, Duration timeout, Predicate<MemberStatus> wanted, String what) {
        MemberStatus[] found = new MemberStatus[1];
        awaitPolls(timeout, id + " " + what, poll -> {
            Answer answer = poll.get(id);
            found[0] = answer != null && answer.answered() && wanted.test(answer.status()) ? answer.status() : null;
            return found[0] != null;
        });
        return found[0];
    }

    /**
     * Every node answers, a leader is agreed on and topology is bootstrapped: the cluster serves.
     * Returns the leader and logs how long each stage took.
     */
    Leader awaitReady(Duration timeout) {
        long start = System.nanoTime();
        Leader[] found = new Leader[1];
        long[] agreed = {-1};
        // A linearizable read, which may take longer than a node's answer about itself.
        try (MeridianClient reader = MeridianClient.builder().endpoints(cluster.endpoints(List.of()))
                .timeout(Duration.ofSeconds(5)).build()) {
            awaitPolls(timeout, "every node answering, a leader and a bootstrapped topology", poll -> {
                found[0] = leader(poll).orElse(null);
                if (!poll.values().stream().allMatch(Answer::answered) || found[0] == null) {
                    return false;
                }
                agreed[0] = agreed[0] < 0 ? System.nanoTime() : agreed[0];
                try {
                    return reader.metadata().topology().getBootstrapped();
                } catch (MeridianException e) {
                    return false;
                }
            });
        }
        HarnessLog.log("every node answered and %s led term %d %d ms after the first poll; topology bootstrapped "
                + "%d ms later", found[0].id(), found[0].term(), HarnessLog.millis(start, agreed[0]),
                HarnessLog.millis(agreed[0], System.nanoTime()));
        return found[0];
    }

    /**
     * Polls until every node answers at the same applied index with the same state digest; returns
     * their statuses. On timeout, fails with every node's last answer.
     */
    public SortedMap<String, MemberStatus> awaitConverged(Duration timeout) {
        SortedMap<String, MemberStatus> converged = new TreeMap<>();
        awaitPolls(timeout, "every node at the same applied index with the same state digest", poll -> {
            converged.clear();
            if (!poll.values().stream().allMatch(Answer::answered)) {
                return false;
            }
            MemberStatus first = poll.values().iterator().next().status();
            boolean same = poll.values().stream().allMatch(a -> a.status().getAppliedIndex() == first.getAppliedIndex()
                    && a.status().getStateDigest().equals(first.getStateDigest()));
            if (same) {
                poll.forEach((id, answer) -> converged.put(id, answer.status()));
            }
            return same;
        });
        return Collections.unmodifiableSortedMap(converged);
    }

    /** Polls (in this thread, so answers and faults keep their order) until the condition holds. */
    public void awaitPolls(Duration timeout, String what, Predicate<SortedMap<String, Answer>> condition) {
        try {
            await().atMost(timeout).pollInterval(POLL_INTERVAL).pollInSameThread()
                    .until(() -> condition.test(poll()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + what + " within " + timeout.toMillis() + " ms; last answers:\n"
                    + describe(last()) + "links:\n" + cluster.network().describe(), e);
        }
    }

    /** The answers of the last poll. */
    public synchronized SortedMap<String, Answer> last() {
        return last;
    }

    public synchronized long polls() {
        return polls;
    }

    /** Leaders seen, by term. */
    public synchronized SortedMap<Long, String> leadersByTerm() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(leadersByTerm));
    }

    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** Facts worth reading that break no invariant (such as replay after a restart). */
    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    /** Fails listing every invariant broken in any answer so far. */
    public synchronized void assertInvariants() {
        if (!violations.isEmpty()) {
            throw new AssertionError("invariants broken in " + polls + " polls:\n  " + String.join("\n  ", violations));
        }
    }

    /** One line per node. */
    public static String describe(Map<String, Answer> poll) {
        StringBuilder out = new StringBuilder();
        poll.values().forEach(answer -> out.append("  ").append(answer).append('\n'));
        return out.toString();
    }

    private String seconds(long nanos) {
        return String.format("%.1f", (nanos - createdNanos) / 1e9);
    }

    @Override
    public void close() {
        client.close();
        probes.shutdownNow();
        try {
            if (!probes.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("observer probes did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
