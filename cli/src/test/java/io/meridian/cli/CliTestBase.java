package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.meridian.node.testing.InProcessCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs `meridian` command lines in this JVM against an in-process three-node cluster shared by
 * the tests of a class, and captures what a user would see: stdout, stderr and the exit code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CliTestBase {

    InProcessCluster cluster;

    /** What one command printed and returned. */
    record Result(int exit, String out, String err) {

        Result ok() {
            assertThat(exit).as("exit code of a command that printed:%n%s%s", out, err).isZero();
            assertThat(err).isEmpty();
            return this;
        }

        /** Refused by the cluster: exit 1, with the rejection code named. */
        Result refused(String code) {
            assertThat(exit).as("exit code; stdout:%n%s", out).isEqualTo(ExitCode.REFUSED);
            assertThat(err).startsWith("error: refused (" + code + "): ");
            assertThat(out).isEmpty();
            return this;
        }

        /** A usage error: exit 2, the message, and no stack trace. */
        Result usage(String message) {
            assertThat(exit).as("exit code; stdout:%n%s", out).isEqualTo(ExitCode.USAGE);
            assertThat(err).startsWith("error: ").contains(message).doesNotContain("\tat ");
            return this;
        }

        /** The output parsed strictly as the JSON of this reply type: one document, known fields only. */
        <T extends Message> T json(T prototype) {
            Message.Builder builder = prototype.newBuilderForType();
            try {
                JsonFormat.parser().merge(out, builder);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("not the JSON of " + prototype.getDescriptorForType().getName() + ":\n"
                        + out, e);
            }
            @SuppressWarnings("unchecked")
            T message = (T) builder.build();
            return message;
        }

        /** The output's lines. */
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeAll
    void startCluster() {
        cluster = InProcessCluster.builder().nodes(3).start();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.awaitConverged();
            cluster.close();
        }
    }

    String endpoints() {
        return String.join(",", cluster.ids().stream().map(cluster::endpoint).toList());
    }

    /** A command line as typed, with nothing added. */
    static Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Meridian.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** A command against the test cluster: its endpoints are added to the command line. */
    Result run(String... args) {
        List<String> line = new ArrayList<>(List.of(args));
        line.add("--endpoints");
        line.add(endpoints());
        return raw(line.toArray(String[]::new));
    }
}
