package io.meridian.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark's results: settings, a table of rows and notes. Printed as an aligned table and
 * written as one JSON file whose field names are the columns' keys (stable: scripts read them).
 */
final class Report {

    /** A column: its JSON key and the header printed above it. */
    record Column(String key, String header) {
    }

    private final String name;
    private final String title;
    private final List<Column> columns;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Report(String name, String title, Column... columns) {
        this.name = name;
        this.title = title;
        this.columns = List.of(columns);
    }

    static Column col(String key, String header) {
        return new Column(key, header);
    }

    String name() {
        return name;
    }

    Report setting(String key, Object value) {
        settings.put(key, value);
        return this;
    }

    /** Adds a row; values in column order. */
    Report row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(name + ": a row has " + values.length + " values for "
                    + columns.size() + " columns");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            // JSON has no NaN: a figure that was not measured is null, printed as "-".
            row.put(columns.get(i).key(), value instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : value);
        }
        rows.add(row);
        return this;
    }

    Report note(String text) {
        notes.add(text);
        return this;
    }

    List<Map<String, Object>> rows() {
        return rows;
    }

    void print(PrintStream out) {
        out.println();
        out.println(title);
        List<String[]> cells = new ArrayList<>();
        cells.add(columns.stream().map(Column::header).toArray(String[]::new));
        for (Map<String, Object> row : rows) {
            cells.add(columns.stream().map(c -> format(row.get(c.key()))).toArray(String[]::new));
        }
        int[] widths = new int[columns.size()];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (String[] line : cells) {
            StringBuilder text = new StringBuilder("  ");
            for (int i = 0; i < line.length; i++) {
                boolean left = i == 0 || !numeric(line[i]);
                text.append(left ? String.format("%-" + widths[i] + "s", line[i])
                        : String.format("%" + widths[i] + "s", line[i]));
                text.append(i == line.length - 1 ? "" : "  ");
            }
            out.println(text.toString().stripTrailing());
        }
        for (String note : notes) {
            out.println("  " + note);
        }
    }

    private static boolean numeric(String cell) {
        return !cell.isEmpty() && (Character.isDigit(cell.charAt(0)) || cell.charAt(0) == '-');
    }

    static String format(Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof Double d) {
            double abs = Math.abs(d);
            if (abs >= 1000) {
                return String.format(Locale.ROOT, "%,.0f", d);
            }
            if (abs >= 100) {
                return String.format(Locale.ROOT, "%.0f", d);
            }
            if (abs >= 10) {
                return String.format(Locale.ROOT, "%.1f", d);
            }
            return String.format(Locale.ROOT, "%.2f", d);
        }
        if (value instanceof Long || value instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
        }
        return value.toString();
    }

    /** The table as JSON: title, settings, rows (keyed by the columns' keys) and notes. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("table", name);
        json.put("title", title);
        json.put("settings", settings);
        json.put("rows", rows);
        json.put("notes", notes);
        return json;
    }

    /**
     * Writes {@code <dir>/<benchmark>.json}: the machine, whether the run was quick, the Ratis
     * settings, and the benchmark's tables.
     */
    static Path write(Path dir, String benchmark, Machine machine, boolean quick, Map<String, String> ratis,
            List<Report> tables) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", benchmark);
        json.put("quick", quick);
        json.put("machine", machine.toJson());
        json.put("ratis_settings", ratis);
        json.put("tables", tables.stream().map(Report::toJson).toList());
        Files.createDirectories(dir);
        Path file = dir.resolve(benchmark + ".json");
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json) + "\n",
                StandardCharsets.UTF_8);
        return file;
    }

    /** Rounds to a few significant digits for JSON and tables. */
    static double round(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value) || value == 0) {
            return value;
        }
        double magnitude = Math.pow(10, 3 - (int) Math.ceil(Math.log10(Math.abs(value))));
        return Math.round(value * magnitude) / magnitude;
    }
}
