package io.meridian.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static Report sample() {
        return new Report("write", "Write path", Report.col("system", "SYSTEM"), Report.col("clients", "CLIENTS"),
                Report.col("ops_per_s", "OPS/S"))
                .setting("measure_s", 10L)
                .row("meridian", 1, 139.4)
                .row("ratis", 16, 4321.0)
                .row("etcd", 64, Double.NaN)
                .note("etcd: skipped");
    }

    @Test
    void printsAnAlignedTableWithNumbersOnTheRight() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sample().print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).containsExactly("", "Write path",
                "  SYSTEM    CLIENTS  OPS/S",
                "  meridian        1    139",
                "  ratis          16  4,321",
                "  etcd           64      -",
                "  etcd: skipped");
    }

    @Test
    void writesOneJsonFileWithStableFieldNames(@TempDir Path dir) throws Exception {
        Machine machine = new Machine("2026-11-22T00:00:00Z", 2, 1L << 34, "cpu", "Linux", "jvm");
        Path file = Report.write(dir, "write", machine, true, Map.of("raft.server.rpc.timeout.min", "1000ms"),
                List.of(sample()));
        assertThat(file).isEqualTo(dir.resolve("write.json"));
        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        assertThat(json.keySet()).containsExactly("benchmark", "quick", "machine", "ratis_settings", "tables");
        assertThat(json.getAsJsonObject("machine").keySet())
                .containsExactly("date", "cores", "memory_bytes", "cpu", "os", "jvm");
        JsonObject table = json.getAsJsonArray("tables").get(0).getAsJsonObject();
        assertThat(table.keySet()).containsExactly("table", "title", "settings", "rows", "notes");
        JsonObject row = table.getAsJsonArray("rows").get(1).getAsJsonObject();
        assertThat(row.keySet()).containsExactly("system", "clients", "ops_per_s");
        assertThat(row.get("ops_per_s").getAsDouble()).isEqualTo(4321.0);
        assertThat(table.getAsJsonArray("rows").get(2).getAsJsonObject().get("ops_per_s").isJsonNull()).isTrue();
    }

    @Test
    void refusesARowThatDoesNotMatchTheColumns() {
        assertThatThrownBy(() -> sample().row("etcd", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 values for 3 columns");
    }

    @Test
    void roundsToThreeSignificantDigits() {
        assertThat(Report.round(1234.5678)).isEqualTo(1230.0);
        assertThat(Report.round(0.0123456)).isEqualTo(0.0123);
        assertThat(Report.round(0)).isZero();
        assertThat(Report.round(Double.NaN)).isNaN();
    }

    @Test
    void ratesFromTimesPerOperation() {
        assertThat(JmhBench.perSecond(2.0, "us/op")).isEqualTo(500_000.0);
        assertThat(JmhBench.perSecond(250.0, "ms/op")).isEqualTo(4.0);
        assertThat(JmhBench.perSecond(7.0, "ops/s")).isEqualTo(7.0);
        assertThat(JmhBench.perSecond(7.0, "widgets")).isNaN();
    }
}
