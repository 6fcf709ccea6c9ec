package io.meridian.it.faults;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.client.RejectedException;
import io.meridian.client.UnavailableException;
import io.meridian.it.check.ListAppend;
import io.meridian.it.check.ListRead;
import io.meridian.it.check.RegisterOp;
import io.meridian.it.check.Result;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.CatalogEntryRecord;
import io.meridian.proto.GetCatalogReply;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.SchedulerConfigRecord;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The fault suite's load: closed-loop clients, each with a client (and so a request session) of
 * its own, on two kinds of object, recording every operation with the invoke and completion times
 * of one monotonic clock and its result as the client saw it (OK, FAIL when the cluster refused or
 * certainly did not take it, INFO when the outcome is unknown):
 *
 * <ul>
 *   <li>an append-only list, the catalog: appenders add unique DDL payloads; a reader reads the
 *       list's length and its last entries with linearizable reads;</li>
 *   <li>registers, two scheduler parameters: writers set unique values; a reader reads both in
 *       one linearizable read.</li>
 * </ul>
 *
 * <p>Thread-safe: the clients run on threads of their own; the history is read after {@link #stop}.
 */
final class Workload implements AutoCloseable {

    /** The registers: scheduler parameters that nothing else in the cluster changes. */
    static final List<String> REGISTERS = List.of("split-qps", "move-budget");
    private static final int READ_WINDOW = 32;

    private final Supplier<MeridianClient> clients;
    private final String prefix;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<MeridianClient> opened = Collections.synchronizedList(new ArrayList<>());
    private final List<ListAppend> appends = Collections.synchronizedList(new ArrayList<>());
    private final List<ListRead> reads = Collections.synchronizedList(new ArrayList<>());
    private final List<RegisterOp> registerOps = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> initial;

    /**
     * Starts the load: {@code appenders} list appenders, one list reader, {@code writers} register
     * writers and one register reader.
     *
     * @param prefix makes this run's values unique
     */
    Workload(Supplier<MeridianClient> clients, String prefix, int appenders, int writers) {
        this.clients = clients;
        this.prefix = prefix;
        this.initial = readRegisters(clients.get());
        int client = 0;
        for (int i = 0; i < appenders; i++) {
            start(client++, this::append);
        }
        start(client++, this::readList);
        for (int i = 0; i < writers; i++) {
            start(client++, this::writeRegister);
        }
        start(client, this::readRegisters);
    }

    /** One client's loop: step(client, n) for n = 0, 1, ... while the load runs. */
    private interface Step {
        void run(MeridianClient client, int process, int n);
    }

    private void start(int process, Step step) {
        Thread thread = new Thread(() -> {
            MeridianClient client = clients.get();
            opened.add(client);
            for (int n = 0; running.get(); n++) {
                step.run(client, process, n);
            }
        }, "workload-" + process);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private Map<String, String> readRegisters(MeridianClient client) {
        try (client) {
            SchedulerConfigRecord config = client.metadata().schedulerConfig(ReadOptions.getDefaultInstance());
            Map<String, String> values = new TreeMap<>();
            values.put(REGISTERS.get(0), Long.toString(config.getSplitQps()));
            values.put(REGISTERS.get(1), Long.toString(config.getMoveBudget()));
            return values;
        }
    }

    private void append(MeridianClient client, int process, int n) {
        String value = prefix + "-c" + process + "-" + n;
        long invoked = System.nanoTime();
        Result result = outcome(() -> client.placement().applyCatalogDdl(CatalogDdl.newBuilder()
                .setPayload(ByteString.copyFromUtf8(value)).build()));
        appends.add(new ListAppend(process, value, invoked, System.nanoTime(), result));
    }

    private long lastLength;

    private void readList(MeridianClient client, int process, int n) {
        long after = Math.max(0, lastLength - READ_WINDOW);
        long invoked = System.nanoTime();
        try {
            GetCatalogReply reply = client.metadata().catalog(GetCatalogRequest.newBuilder().setAfterVersion(after)
                    .build());
            long completed = System.nanoTime();
            List<String> values = new ArrayList<>();
            for (CatalogEntryRecord entry : reply.getEntriesList()) {
                values.add(entry.getPayload().toStringUtf8());
            }
            reads.add(new ListRead(process, invoked, completed, reply.getVersion(), after, values));
            lastLength = reply.getVersion();
        } catch (MeridianException failedRead) {
            // A read that did not complete says nothing.
        }
    }

    private void writeRegister(MeridianClient client, int process, int n) {
        String key = REGISTERS.get(n % REGISTERS.size());
        // Unique per writer and step, within both parameters' bounds (move-budget is 1-100000).
        String value = Long.toString(1_000 + (long) process * 10_000 + (n / REGISTERS.size()) % 10_000);
        long invoked = System.nanoTime();
        Result result = outcome(() -> client.placement().controlScheduler(SchedulerControl.newBuilder()
                .setSet(SetSchedulerParameter.newBuilder().setKey(key).setValue(value)).build()));
        registerOps.add(new RegisterOp(process, key, RegisterOp.Kind.WRITE, value, invoked, System.nanoTime(),
                result));
    }

    private void readRegisters(MeridianClient client, int process, int n) {
        long invoked = System.nanoTime();
        try {
            SchedulerConfigRecord config = client.metadata().schedulerConfig(ReadOptions.getDefaultInstance());
            long completed = System.nanoTime();
            registerOps.add(new RegisterOp(process, REGISTERS.get(0), RegisterOp.Kind.READ,
                    Long.toString(config.getSplitQps()), invoked, completed, Result.OK));
            registerOps.add(new RegisterOp(process, REGISTERS.get(1), RegisterOp.Kind.READ,
                    Long.toString(config.getMoveBudget()), invoked, completed, Result.OK));
        } catch (MeridianException failedRead) {
            // A read that did not complete says nothing.
        }
    }

    /** OK, FAIL (refused, or certainly not taken) or INFO (unknown), as the client reported it. */
    private static Result outcome(Supplier<?> call) {
        try {
            call.get();
            return Result.OK;
        } catch (UnavailableException e) {
            return e.outcomeUnknown() ? Result.INFO : Result.FAIL;
        } catch (RejectedException e) {
            return Result.FAIL;
        }
    }

    /** Stops the clients and waits for their last operations. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(120_000);
        }
        synchronized (opened) {
            opened.forEach(MeridianClient::close);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    List<ListAppend> appends() {
        return List.copyOf(appends);
    }

    List<ListRead> reads() {
        return List.copyOf(reads);
    }

    List<RegisterOp> registerOps() {
        return List.copyOf(registerOps);
    }

    Map<String, String> initialRegisters() {
        return Map.copyOf(initial);
    }

    /** When each acknowledged write completed, in order. */
    List<Long> writeCompletions() {
        List<Long> out = new ArrayList<>();
        appends().stream().filter(a -> a.result() == Result.OK).forEach(a -> out.add(a.completeNanos()));
        registerOps().stream().filter(op -> op.kind() == RegisterOp.Kind.WRITE && op.result() == Result.OK)
                .forEach(op -> out.add(op.completeNanos()));
        Collections.sort(out);
        return out;
    }

    /** The whole catalog, read page by page once the cluster is quiet. */
    static List<String> wholeList(MeridianClient client) {
        List<String> all = new ArrayList<>();
        long after = 0;
        while (true) {
            GetCatalogReply page = client.metadata().catalog(GetCatalogRequest.newBuilder().setAfterVersion(after)
                    .build());
            page.getEntriesList().forEach(entry -> all.add(entry.getPayload().toStringUtf8()));
            if (page.getEntriesCount() == 0 || all.size() >= page.getVersion()) {
                return all;
            }
            after = page.getEntries(page.getEntriesCount() - 1).getVersion();
        }
    }
}
