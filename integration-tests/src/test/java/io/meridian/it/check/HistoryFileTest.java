package io.meridian.it.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A history written to a file reads back equal, awkward text included, and checks the same. */
@Timeout(60)
class HistoryFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTripPreservesEveryFieldIncludingTabsNewlinesBackslashesAndNulls() throws IOException {
        TreeMap<String, String> initial = new TreeMap<>();
        initial.put("plain", "v0");
        initial.put("ab\tsent", null);
        HistoryFile.History history = new HistoryFile.History(
                List.of(new ListAppend(1, "a\tb", 10, 20, Result.OK), new ListAppend(2, "line\nbreak\r", 15, 25, Result.INFO),
                        new ListAppend(3, "back\\slash \\N", 30, 40, Result.FAIL), new ListAppend(4, "", 50, 60, Result.OK)),
                List.of(new ListRead(5, 70, 80, 3, 0, List.of("a\tb", "")), new ListRead(6, 70, 80, 3, 3, List.of()),
                        new ListRead(7, 90, 95, 1, 0, List.of(""))),
                List.of("a\tb", "", "line\nbreak\r"),
                List.of(new RegisterOp(1, "plain", RegisterOp.Kind.WRITE, "\\N", 1, 2, Result.OK),
                        new RegisterOp(2, "ab\tsent", RegisterOp.Kind.READ, null, 3, 4, Result.OK),
                        new RegisterOp(3, "plain", RegisterOp.Kind.WRITE, "x", Long.MIN_VALUE, Long.MAX_VALUE, Result.INFO)),
                initial);
        Path file = dir.resolve("history.tsv");

        HistoryFile.write(file, history);
        HistoryFile.History back = HistoryFile.read(file);

        assertThat(back).isEqualTo(history);
        assertThat(back.initialValues()).containsEntry("ab\tsent", null);
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).startsWith(HistoryFile.HEADER)
                .contains("append\t2\tline\\nbreak\\r\t15\t25\tINFO", "read\t6\t70\t80\t3\t3", "read\t7\t90\t95\t1\t0\t",
                        "register\t2\tab\\tsent\tREAD\t\\N\t3\t4\tOK", "register\t1\tplain\tWRITE\t\\\\N\t1\t2\tOK");
    }

    @Test
    void readBackHistoryChecksTheSame() throws IOException {
        Random random = new Random(7);
        RandomHistories.ListHistory list = RandomHistories.list(random, 4, 200);
        RandomHistories.Registers registers = RandomHistories.registers(random, 4, 200, 3, 0);
        HistoryFile.History history = new HistoryFile.History(list.appends(), list.reads(),
                list.finalList().subList(1, list.finalList().size()), registers.ops(), new TreeMap<>(registers.initial()));
        Path file = dir.resolve("history.tsv");

        HistoryFile.write(file, history);
        HistoryFile.History back = HistoryFile.read(file);

        assertThat(back).isEqualTo(history);
        assertThat(back.checkList()).isEqualTo(history.checkList());
        assertThat(back.checkList().valid()).isFalse();
        assertThat(back.checkRegisters(Duration.ofSeconds(20)).verdict()).isEqualTo(CheckResult.Verdict.VALID);
    }

    @Test
    void refusesMalformedLinesNamingTheLine() throws IOException {
        Path file = dir.resolve("bad.tsv");
        Files.writeString(file, HistoryFile.HEADER + "\n# a comment\nfinal\ta\nappend\t1\ta\tten\t20\tOK\n");

        assertThatThrownBy(() -> HistoryFile.read(file)).isInstanceOf(IOException.class).hasMessageContaining("bad.tsv:4:");
    }

    @Test
    void refusesFilesWithoutTheHeader() throws IOException {
        Path file = dir.resolve("other.tsv");
        Files.writeString(file, "final\ta\n");

        assertThatThrownBy(() -> HistoryFile.read(file)).isInstanceOf(IOException.class).hasMessageContaining("not a history file");
    }
}
