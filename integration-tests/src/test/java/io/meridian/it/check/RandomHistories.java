package io.meridian.it.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Generates histories of a simulated linearizable register and list: each client runs ops one
 * after another with random, overlapping intervals, each op that takes effect does so at a
 * random point (inside its interval if OK, at any time after its invoke if INFO), and reads
 * return the state at their point. Every history it makes is linearizable by construction.
 * Stateless apart from the caller's Random; safe to use from any thread with its own Random.
 */
final class RandomHistories {

    private RandomHistories() {
    }

    record Registers(List<RegisterOp> ops, Map<String, String> initial) {
    }

    record ListHistory(List<ListAppend> appends, List<ListRead> reads, List<String> finalList) {
    }

    /** One op as planned: when it takes effect, if it does; the read's value or length is filled in later. */
    private record Planned(int client, boolean write, String key, String value, long invoke, long complete,
            Result result, long effect, boolean applied, int seq) {
    }

    /**
     * @param distinctValues 0 for a unique value per write, else the number of values writes
     *     draw from (so values repeat)
     */
    static Registers registers(Random random, int clients, int ops, int keys, int distinctValues) {
        Map<String, String> initial = new TreeMap<>();
        for (int k = 0; k < keys; k++) {
            initial.put("k" + k, random.nextBoolean() ? null : "init-" + k);
        }
        List<Planned> planned = plan(random, clients, ops, (client, i) -> distinctValues == 0
                ? "c" + client + "-" + i : "v" + random.nextInt(distinctValues), keys);
        Map<String, String> state = new HashMap<>(initial);
        Map<Planned, String> readValues = new HashMap<>();
        for (Planned op : byEffect(planned)) {
            if (op.write()) {
                state.put(op.key(), op.value());
            } else {
                readValues.put(op, state.get(op.key()));
            }
        }
        List<RegisterOp> history = new ArrayList<>();
        for (Planned op : planned) {
            // A read that FAILed or timed out gets a value no write wrote: the checker must drop it.
            String value = op.write() ? op.value()
                    : op.result() == Result.OK ? readValues.get(op) : "never-written-" + op.seq();
            history.add(new RegisterOp(op.client(), op.key(), op.write() ? RegisterOp.Kind.WRITE : RegisterOp.Kind.READ,
                    value, op.invoke(), op.complete(), op.result()));
        }
        Collections.shuffle(history, random);
        return new Registers(history, initial);
    }

    static ListHistory list(Random random, int clients, int ops) {
        List<Planned> planned = plan(random, clients, ops, (client, i) -> "c" + client + "-" + i, 1);
        List<String> state = new ArrayList<>();
        List<ListRead> reads = new ArrayList<>();
        for (Planned op : byEffect(planned)) {
            if (op.write()) {
                state.add(op.value());
            } else if (op.result() == Result.OK) {
                int length = state.size();
                int from = random.nextInt(length + 1);
                int size = Math.min(length - from, random.nextInt(5));
                reads.add(new ListRead(op.client(), op.invoke(), op.complete(), length, from,
                        List.copyOf(state.subList(from, from + size))));
            }
        }
        List<ListAppend> appends = new ArrayList<>();
        for (Planned op : planned) {
            if (op.write()) {
                appends.add(new ListAppend(op.client(), op.value(), op.invoke(), op.complete(), op.result()));
            }
        }
        Collections.shuffle(appends, random);
        Collections.shuffle(reads, random);
        return new ListHistory(appends, reads, List.copyOf(state));
    }

    private interface Values {
        String value(int client, int i);
    }

    private static List<Planned> plan(Random random, int clients, int ops, Values values, int keys) {
        List<Planned> planned = new ArrayList<>();
        for (int client = 0; client < clients; client++) {
            long time = random.nextInt(20);
            for (int i = client; i < ops; i += clients) {
                long duration = random.nextInt(60);
                long complete = time + duration;
                boolean write = random.nextBoolean();
                int roll = random.nextInt(100);
                Result result = write
                        ? (roll < 10 ? Result.INFO : roll < 15 ? Result.FAIL : Result.OK)
                        : (roll < 5 ? Result.INFO : roll < 10 ? Result.FAIL : Result.OK);
                boolean applied = result == Result.OK || (write && result == Result.INFO && random.nextBoolean());
                // An INFO op may take effect long after the client gave up on it.
                long effect = time + (result == Result.INFO ? random.nextInt((int) duration + 400) : random.nextInt((int) duration + 1));
                planned.add(new Planned(client, write, "k" + random.nextInt(keys), write ? values.value(client, i) : null,
                        time, complete, result, effect, applied, planned.size()));
                time = complete + random.nextInt(30);
            }
        }
        return planned;
    }

    /** The ops that take effect, in the order they do; ties go by plan order, which is as good as any. */
    private static List<Planned> byEffect(List<Planned> planned) {
        List<Planned> effective = new ArrayList<>();
        for (Planned op : planned) {
            if (op.applied()) {
                effective.add(op);
            }
        }
        effective.sort(Comparator.comparingLong(Planned::effect).thenComparingInt(Planned::seq));
        return effective;
    }
}
