package io.meridian.cli;

import com.google.protobuf.util.JsonFormat;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianException;
import io.meridian.proto.ChangeRecord;
import io.meridian.proto.WatchEvent;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `meridian watch`: every applied change, as it is applied, until Ctrl-C. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Stream applied changes as they happen, until Ctrl-C.",
                "Every applied entry and what it changed, from an index on; survives leader changes without "
                        + "missing or repeating an entry.",
                "With -o json, one JSON document per line (a WatchEvent)."},
        footer = {"", "Examples:", "  meridian watch", "  meridian watch --from 1 --count 20 -o json"})
final class WatchCommand extends ClientCommand {

    private static final JsonFormat.Printer JSON_LINE = JsonFormat.printer().omittingInsignificantWhitespace();

    @Option(names = "--from", paramLabel = "INDEX", converter = Converters.NaturalConverter.class,
            description = "The first index to show (default: the next entry applied from now).")
    Long from;

    @Option(names = "--count", paramLabel = "N", converter = Converters.IdConverter.class,
            description = "Stop after this many entries.")
    Long count;

    @Override
    void run(MeridianClient client, PrintWriter out) throws InterruptedException {
        long start = from != null ? from : client.metadata().status().getCommitIndex() + 1;
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<MeridianException> failure = new AtomicReference<>();
        AtomicLong seen = new AtomicLong();
        MeridianClient.Subscription subscription = client.metadata().watch(start,
                new io.meridian.client.WatchListener() {
            @Override
            public void onEvent(WatchEvent event) {
                long number = seen.incrementAndGet();
                if (count != null && number > count) {
                    return;
                }
                print(out, event);
                if (count != null && number == count) {
                    done.countDown();
                }
            }

            @Override
            public void onError(MeridianException error) {
                failure.set(error);
                done.countDown();
            }
        });
        Thread stopper = new Thread(() -> {
            subscription.close();
            out.flush();
        }, "meridian-watch-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        if (!json()) {
            out.println("watching from index " + start + " (Ctrl-C to stop)");
            out.flush();
        }
        try {
            done.await();
        } finally {
            subscription.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void print(PrintWriter out, WatchEvent event) {
        synchronized (out) {
            if (json()) {
                try {
                    out.println(JSON_LINE.print(event));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException("a watch event did not print as JSON", e);
                }
            } else {
                String head = event.getIndex() + "  " + event.getEntry().getKindCase().name().toLowerCase(Locale.ROOT)
                        .replace('_', '-');
                if (event.getChangesCount() == 0) {
                    out.println(head + "  (no change)");
                }
                for (ChangeRecord change : event.getChangesList()) {
                    out.println(head + "  " + change.getSubject() + ": " + change.getDescription());
                }
            }
            out.flush();
        }
    }
}
