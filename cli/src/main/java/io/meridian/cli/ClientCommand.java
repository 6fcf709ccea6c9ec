package io.meridian.cli;

import com.google.protobuf.MessageOrBuilder;
import io.meridian.client.MeridianClient;
import io.meridian.proto.ChangeRecord;
import io.meridian.proto.WriteReply;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a cluster: opens a client from the global options, runs, closes it.
 * Writes print what changed; reads print a table, or one JSON document with -o json.
 */
abstract class ClientCommand implements Callable<Integer> {

    @Mixin
    ClientOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (MeridianClient client = options.client()) {
            run(client, out);
        }
        out.flush();
        return ExitCode.OK;
    }

    abstract void run(MeridianClient client, PrintWriter out) throws Exception;

    boolean json() {
        return options.output == Output.Format.JSON;
    }

    /** Prints a reply as JSON and returns true when -o json, so a caller prints its table otherwise. */
    boolean printedJson(PrintWriter out, MessageOrBuilder reply) {
        if (json()) {
            Output.json(out, reply);
            return true;
        }
        return false;
    }

    /** What a write changed, or the reply as JSON. */
    void printWrite(PrintWriter out, WriteReply reply) {
        if (printedJson(out, reply)) {
            return;
        }
        out.println("applied at index " + reply.getIndex());
        for (ChangeRecord change : reply.getChangesList()) {
            out.println("  " + change.getSubject() + ": " + change.getDescription());
        }
    }
}
