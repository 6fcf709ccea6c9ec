package io.meridian.it.faults;

import static io.meridian.it.faults.HarnessLog.log;
import static io.meridian.it.faults.HarnessLog.millis;
import static org.awaitility.Awaitility.await;

import io.meridian.proto.MemberStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Injects process and network faults into a {@link ProcessCluster}, one at a time, each one
 * followed by its repair (restart, SIGCONT, heal) and by the cluster's recovery: a leader agreed
 * on and the faulted nodes back in the cluster. As etcd's robustness suite and Jepsen do, a fault
 * is checked to have taken effect, and the {@link Record} says so with its evidence: a leader fault
 * counts only if a new leader was elected in a later term, a pause only if the process really
 * stopped and went silent, a follower's partition only if the leader's traffic to it was dropped.
 *
 * <p>Its random choices (which fault, which node) come from one seeded {@link Random}, so a run's
 * choices are reproducible from the seed it prints; which node the cluster elects is not.
 *
 * <p>Not thread-safe: one thread injects faults.
 */
public final class Nemesis {

    /** The faults, each with its repair. */
    public enum Fault {
        /** SIGKILL the leader; restart it after the restart delay. */
        KILL_LEADER,
        /** SIGKILL a node picked at random; restart it after the restart delay. */
        KILL_RANDOM,
        /** SIGKILL every node; restart them all after the restart delay. */
        KILL_ALL,
        /** SIGSTOP the leader for the pause time, then SIGCONT. */
        PAUSE_LEADER,
        /** SIGSTOP a follower for the pause time, then SIGCONT. */
        PAUSE_FOLLOWER,
        /** Cut the leader off from its peers for the partition time, then heal. */
        PARTITION_LEADER,
        /** Cut a follower off from its peers for the partition time, then heal. */
        PARTITION_FOLLOWER
    }

    /**
     * How long faults last and how long recovery may take.
     *
     * @param restartDelay how long a killed node stays down
     * @param pauseFor how long a paused node stays stopped; longer than the election timeout, or
     *     a paused leader would not be replaced
     * @param partitionFor how long a node stays cut off
     * @param recoveryTimeout how long the cluster may take to elect a leader and take the faulted
     *     nodes back after the repair
     */
    public record Settings(Duration restartDelay, Duration pauseFor, Duration partitionFor, Duration recoveryTimeout) {

        /** Pauses and partitions of 3x the election timeout max, so that a new leader is due. */
        public static Settings defaults(Duration electionTimeoutMax) {
            return new Settings(Duration.ofSeconds(1), electionTimeoutMax.multipliedBy(3),
                    electionTimeoutMax.multipliedBy(3), Duration.ofSeconds(60));
        }

        public Settings withRestartDelay(Duration value) {
            return new Settings(value, pauseFor, partitionFor, recoveryTimeout);
        }

        public Settings withPauseFor(Duration value) {
            return new Settings(restartDelay, value, partitionFor, recoveryTimeout);
        }

        public Settings withPartitionFor(Duration value) {
            return new Settings(restartDelay, pauseFor, value, recoveryTimeout);
        }
    }

    /**
     * What one fault did.
     *
     * @param targets the nodes it hit
     * @param startNanos when it was injected (System.nanoTime)
     * @param repairNanos when it was repaired: restart, SIGCONT or heal
     * @param endNanos when the cluster had recovered: a leader agreed on, the targets back
     * @param effective whether it took effect (see {@code evidence})
     * @param effectNanos when the effect was first seen (such as a new leader), or -1
     * @param leaderBefore the leader when it was injected
     * @param leaderAfter the leader once the cluster recovered
     */
    public record Record(Fault fault, List<String> targets, long startNanos, long repairNanos, long endNanos,
            boolean effective, long effectNanos, Observer.Leader leaderBefore, Observer.Leader leaderAfter,
            String evidence) {

        /** From injection to recovery. */
        public Duration duration() {
            return Duration.ofNanos(endNanos - startNanos);
        }

        /** From injection to the first sign of its effect. */
        public Optional<Duration> timeToEffect() {
            return effectNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(effectNanos - startNanos));
        }

        /** From the repair to recovery. */
        public Duration recovery() {
            return Duration.ofNanos(endNanos - repairNanos);
        }

        @Override
        public String toString() {
            return String.format("%s %s: %s, effect after %s, recovered %d ms after the repair, %d ms in all; "
                    + "leader %s (term %d) -> %s (term %d); %s", fault, targets,
                    effective ? "effective" : "NOT EFFECTIVE",
                    timeToEffect().map(d -> d.toMillis() + " ms").orElse("-"), recovery().toMillis(),
                    duration().toMillis(), leaderBefore.id(), leaderBefore.term(), leaderAfter.id(),
                    leaderAfter.term(), evidence);
        }
    }

    private static final int SIGKILL_EXIT = 128 + 9;

    private final ProcessCluster cluster;
    private final Observer observer;
    private final long seed;
    private final Random random;
    private final List<Fault> enabled;
    private final Settings settings;
    private final List<Record> history = new ArrayList<>();

    public Nemesis(ProcessCluster cluster, long seed, Set<Fault> enabled, Settings settings) {
        if (enabled.isEmpty()) {
            throw new IllegalArgumentException("enable at least one fault");
        }
        this.cluster = cluster;
        this.observer = cluster.observer();
        this.seed = seed;
        this.random = new Random(seed);
        // EnumSet order: the same seed picks the same faults whatever set type the caller passed.
        this.enabled = List.copyOf(EnumSet.copyOf(enabled));
        this.settings = settings;
        log("nemesis seed %d, faults %s, %s", seed, this.enabled, settings);
    }

    public long seed() {
        return seed;
    }

    public List<Record> history() {
        return Collections.unmodifiableList(history);
    }

    /**
     * {@code count} faults in rounds: each round holds every enabled fault once, in an order drawn
     * from the seed, so a run of one round or more covers every fault.
     */
    public List<Fault> schedule(int count) {
        List<Fault> out = new ArrayList<>();
        while (out.size() < count) {
            List<Fault> round = new ArrayList<>(enabled);
            Collections.shuffle(round, random);
            out.addAll(round.subList(0, Math.min(round.size(), count - out.size())));
        }
        return out;
    }

    /** Injects a fault picked at random from the enabled ones. */
    public Record injectRandom() throws IOException, InterruptedException {
        return inject(enabled.get(random.nextInt(enabled.size())));
    }

    /** Injects this fault, repairs it, and waits for the cluster to recover. */
    public Record inject(Fault fault) throws IOException, InterruptedException {
        Observer.Leader before = observer.awaitLeader(settings.recoveryTimeout(), leader -> true,
                "before " + fault);
        Record record = switch (fault) {
            case KILL_LEADER -> kill(fault, before, List.of(before.id()));
            case KILL_RANDOM -> kill(fault, before, List.of(pick(cluster.ids())));
            case KILL_ALL -> kill(fault, before, cluster.ids());
            case PAUSE_LEADER -> pause(fault, before, before.id());
            case PAUSE_FOLLOWER -> pause(fault, before, pick(cluster.others(List.of(before.id()))));
            case PARTITION_LEADER -> partition(fault, before, before.id());
            case PARTITION_FOLLOWER -> partition(fault, before, pick(cluster.others(List.of(before.id()))));
        };
        history.add(record);
        log("%s", record);
        return record;
    }

    private String pick(List<String> nodes) {
        return nodes.get(random.nextInt(nodes.size()));
    }

    // ---- Kills. ----

    private Record kill(Fault fault, Observer.Leader before, List<String> victims)
            throws IOException, InterruptedException {
        boolean leaderHit = victims.contains(before.id());
        log("%s: SIGKILL %s (leader %s, term %d)", fault, victims, before.id(), before.term());
        long start = System.nanoTime();
        Map<String, Integer> exits = new TreeMap<>();
        for (String victim : victims) {
            exits.put(victim, cluster.kill(victim));
        }
        long dead = System.nanoTime();
        Predicate<Observer.Leader> newTerm = leader -> leader.term() > before.term();
        long effect = hold(settings.restartDelay(), poll -> observer.leader(poll).filter(newTerm).isPresent());
        boolean electedWhileDown = effect >= 0;
        long repair = System.nanoTime();
        for (String victim : victims) {
            cluster.restart(victim);
        }
        log("%s: restarted %s after %d ms down", fault, victims, millis(start, repair));
        Observer.Leader after = observer.awaitLeader(settings.recoveryTimeout(),
                leaderHit ? newTerm : leader -> true, leaderHit ? "in a term after " + before.term() : "");
        if (effect < 0 && leaderHit) {
            effect = after.nanos();
        }
        awaitRejoined(victims, after);
        long end = System.nanoTime();
        boolean allKilled = exits.values().stream().allMatch(code -> code == SIGKILL_EXIT);
        if (!leaderHit) {
            // A follower's crash cannot change the leader: that it died (and came back) is the effect.
            effect = allKilled ? dead : -1;
        }
        boolean effective = allKilled && (!leaderHit || after.term() > before.term());
        String evidence = "exit codes " + exits + (leaderHit ? "; " + after.id() + " leads term " + after.term()
                + (electedWhileDown ? " (elected while the victim was down)" : " (elected after the restart)") : "")
                + "; " + victims + " rejoined";
        return new Record(fault, victims, start, repair, end, effective, effect, before, after, evidence);
    }

    // ---- Pauses. ----

    private Record pause(Fault fault, Observer.Leader before, String victim) throws IOException, InterruptedException {
        boolean leaderHit = victim.equals(before.id());
        log("%s: SIGSTOP %s (pid %d) for %d ms (leader %s, term %d)", fault, victim, cluster.pid(victim),
                settings.pauseFor().toMillis(), before.id(), before.term());
        long start = System.nanoTime();
        cluster.pause(victim);
        char state = cluster.processState(victim);
        boolean[] silent = new boolean[1];
        long effect = hold(settings.pauseFor(), poll -> {
            silent[0] |= !poll.get(victim).answered();
            return leaderHit ? observer.leader(poll).filter(l -> l.term() > before.term()).isPresent() : silent[0];
        });
        long repair = System.nanoTime();
        cluster.resume(victim);
        log("%s: SIGCONT %s after %d ms", fault, victim, millis(start, repair));
        Observer.Leader after = observer.awaitLeader(settings.recoveryTimeout(), leader -> true, "after " + fault);
        awaitRejoined(List.of(victim), after);
        long end = System.nanoTime();
        boolean effective = state == 'T' && silent[0] && (!leaderHit || effect >= 0);
        String evidence = "process state '" + state + "' after SIGSTOP; " + (silent[0] ? "stopped answering"
                : "kept answering") + (leaderHit ? effect >= 0 ? "; a new leader was elected during the pause"
                : "; no new leader during the pause" : "") + "; rejoined";
        return new Record(fault, List.of(victim), start, repair, end, effective, effect, before, after, evidence);
    }

    // ---- Partitions. ----

    private Record partition(Fault fault, Observer.Leader before, String victim) {
        boolean leaderHit = victim.equals(before.id());
        log("%s: isolate %s for %d ms (leader %s, term %d)", fault, victim, settings.partitionFor().toMillis(),
                before.id(), before.term());
        LinkProxy fromLeader = leaderHit ? null : cluster.network().link(before.id(), victim);
        long droppedBefore = leaderHit ? 0 : fromLeader.stats().droppedBytes();
        long start = System.nanoTime();
        cluster.network().isolate(victim);
        boolean[] steppedDown = new boolean[1];
        boolean[] lostLeader = new boolean[1];
        long effect = hold(settings.partitionFor(), poll -> {
            Observer.Answer answer = poll.get(victim);
            if (leaderHit) {
                steppedDown[0] |= answer.answered() && !answer.leads();
                return observer.leader(poll).filter(l -> !l.id().equals(victim) && l.term() > before.term())
                        .isPresent();
            }
            lostLeader[0] |= answer.answered() && (answer.status().getLeaderId().isEmpty()
                    || !answer.status().getRole().equals("FOLLOWER") || answer.status().getTerm() > before.term());
            // The leader's heartbeats to it were dropped. Whether the follower then stands for
            // election is Ratis' business: it does not for 10 s after it stepped down itself.
            return fromLeader.stats().droppedBytes() > droppedBefore;
        });
        Observer.Answer during = observer.last().get(victim);
        long repair = System.nanoTime();
        cluster.network().heal();
        log("%s: healed after %d ms", fault, millis(start, repair));
        Observer.Leader after = observer.awaitLeader(settings.recoveryTimeout(), leader -> true, "after " + fault);
        awaitRejoined(List.of(victim), after);
        long end = System.nanoTime();
        String evidence = leaderHit
                ? (effect >= 0 ? "a new leader was elected while " + victim + " was cut off" : "no new leader")
                        + "; " + victim + (steppedDown[0] ? " stepped down" : " did not step down") + " while cut off"
                : (effect >= 0 ? (fromLeader.stats().droppedBytes() - droppedBefore) + " bytes from " + before.id()
                        + " dropped" : "nothing from " + before.id() + " dropped") + "; " + victim
                        + (lostLeader[0] ? " lost its leader or campaigned" : " neither lost its leader nor campaigned")
                        + "; at the end: " + during;
        return new Record(fault, List.of(victim), start, repair, end, effect >= 0, effect, before, after, evidence);
    }

    // ---- Waiting. ----

    /**
     * Keeps polling for the fault's duration (the samples feed the invariant checks); returns when
     * {@code effect} first held, or -1.
     */
    private long hold(Duration duration, Predicate<SortedMap<String, Observer.Answer>> effect) {
        long end = System.nanoTime() + duration.toNanos();
        long[] seen = {-1};
        await().atMost(duration.plus(Duration.ofSeconds(10))).pollInterval(Duration.ofMillis(100)).pollInSameThread()
                .until(() -> {
                    // Tested on every poll, not only until it first holds: the predicates also gather evidence.
                    boolean holds = effect.test(observer.poll());
                    if (seen[0] < 0 && holds) {
                        seen[0] = System.nanoTime();
                    }
                    return System.nanoTime() >= end;
                });
        return seen[0];
    }

    /** Waits until each node answers in the leader's term (or a later one) and names a leader. */
    private void awaitRejoined(List<String> nodes, Observer.Leader leader) {
        for (String node : nodes) {
            MemberStatus status = observer.awaitNode(node, settings.recoveryTimeout(),
                    s -> s.getTerm() >= leader.term() && !s.getLeaderId().isEmpty(),
                    "back in term " + leader.term() + " or later with a leader");
            if (!status.getLeaderId().equals(leader.id()) && status.getTerm() == leader.term()) {
                throw new AssertionError(node + " names " + status.getLeaderId() + " the leader of term "
                        + leader.term() + ", which " + leader.id() + " leads");
            }
        }
    }
}
