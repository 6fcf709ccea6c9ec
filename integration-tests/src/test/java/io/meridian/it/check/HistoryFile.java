package io.meridian.it.check;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes a recorded history to a text file and reads it back, so a failed run's history can be
 * kept as a CI artifact and checked again. Stateless; safe to call from any thread.
 *
 * <p>The format is UTF-8 text, one record a line, fields separated by tabs. The first line is
 * {@value #HEADER}; other lines starting with {@code #} are comments. Records, in any order
 * (the order of {@code final} lines is the final list's order):
 * <pre>
 * initial   key value                                            a register's value before the run
 * append    client value invokeNanos completeNanos result        a {@link ListAppend}
 * read      client invokeNanos completeNanos length fromPosition value...   a {@link ListRead}, one field per window value
 * register  client key kind value invokeNanos completeNanos result          a {@link RegisterOp}
 * final     value                                                one value of the final list
 * </pre>
 * In text fields a backslash escapes: {@code \\} backslash, {@code \t} tab, {@code \n} line
 * feed, {@code \r} carriage return; a field that is exactly {@code \N} is null (a register
 * without a value). Numbers are decimal, results and kinds their enum names.
 */
public final class HistoryFile {

    static final String HEADER = "# meridian-history v1";

    private HistoryFile() {
    }

    /** Everything a check needs: both kinds of ops, the final list and the registers' initial values. */
    public record History(List<ListAppend> appends, List<ListRead> reads, List<String> finalList,
            List<RegisterOp> registerOps, SortedMap<String, String> initialValues) {

        public History {
            appends = List.copyOf(appends);
            reads = List.copyOf(reads);
            finalList = List.copyOf(finalList);
            registerOps = List.copyOf(registerOps);
            // Map.copyOf refuses null values, and a register may start without one.
            initialValues = Collections.unmodifiableSortedMap(new TreeMap<>(initialValues));
        }

        public CheckResult checkList() {
            return ListChecker.check(appends, reads, finalList);
        }

        public CheckResult checkRegisters(Duration budget) {
            return RegisterChecker.check(registerOps, initialValues, budget);
        }
    }

    public static void write(Path path, History history) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.write('\n');
            for (Map.Entry<String, String> initial : history.initialValues().entrySet()) {
                line(out, "initial", escape(initial.getKey()), escape(initial.getValue()));
            }
            for (ListAppend a : history.appends()) {
                line(out, "append", a.client(), escape(a.value()), a.invokeNanos(), a.completeNanos(), a.result());
            }
            for (ListRead r : history.reads()) {
                List<Object> fields = new ArrayList<>(List.of("read", r.client(), r.invokeNanos(), r.completeNanos(),
                        r.length(), r.fromPosition()));
                r.values().forEach(value -> fields.add(escape(value)));
                line(out, fields.toArray());
            }
            for (RegisterOp op : history.registerOps()) {
                line(out, "register", op.client(), escape(op.key()), op.kind(), escape(op.value()), op.invokeNanos(),
                        op.completeNanos(), op.result());
            }
            for (String value : history.finalList()) {
                line(out, "final", escape(value));
            }
        }
    }

    public static History read(Path path) throws IOException {
        List<ListAppend> appends = new ArrayList<>();
        List<ListRead> reads = new ArrayList<>();
        List<String> finalList = new ArrayList<>();
        List<RegisterOp> registerOps = new ArrayList<>();
        SortedMap<String, String> initial = new TreeMap<>();
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (!HEADER.equals(header)) {
                throw new IOException(path + ": not a history file, first line is " + header);
            }
            String line;
            for (int number = 2; (line = in.readLine()) != null; number++) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                try {
                    switch (f[0]) {
                        case "initial" -> {
                            fields(f, 3);
                            initial.put(unescape(f[1]), unescape(f[2]));
                        }
                        case "append" -> {
                            fields(f, 6);
                            appends.add(new ListAppend(Integer.parseInt(f[1]), unescape(f[2]), Long.parseLong(f[3]),
                                    Long.parseLong(f[4]), Result.valueOf(f[5])));
                        }
                        case "read" -> {
                            if (f.length < 6) {
                                fields(f, 6);
                            }
                            List<String> values = Arrays.stream(f, 6, f.length).map(HistoryFile::unescape).toList();
                            reads.add(new ListRead(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                                    Long.parseLong(f[4]), Long.parseLong(f[5]), values));
                        }
                        case "register" -> {
                            fields(f, 8);
                            registerOps.add(new RegisterOp(Integer.parseInt(f[1]), unescape(f[2]),
                                    RegisterOp.Kind.valueOf(f[3]), unescape(f[4]), Long.parseLong(f[5]),
                                    Long.parseLong(f[6]), Result.valueOf(f[7])));
                        }
                        case "final" -> {
                            fields(f, 2);
                            finalList.add(Objects.requireNonNull(unescape(f[1]), "a final list value cannot be null"));
                        }
                        default -> throw new IllegalArgumentException("unknown record " + f[0]);
                    }
                } catch (RuntimeException e) {
                    // Bad numbers, enum names and field counts all surface as one error naming the line.
                    throw new IOException(path + ":" + number + ": " + e.getMessage(), e);
                }
            }
        }
        return new History(appends, reads, finalList, registerOps, initial);
    }

    private static void fields(String[] fields, int expected) {
        if (fields.length != expected) {
            throw new IllegalArgumentException(fields[0] + " needs " + expected + " fields, has " + fields.length);
        }
    }

    private static void line(BufferedWriter out, Object... fields) throws IOException {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.write('\t');
            }
            out.write(String.valueOf(fields[i]));
        }
        out.write('\n');
    }

    static String escape(String text) {
        if (text == null) {
            return "\\N";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String unescape(String field) {
        if (field.equals("\\N")) {
            return null;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == field.length()) {
                throw new IllegalArgumentException("field ends in a lone backslash: " + field);
            }
            out.append(switch (field.charAt(i)) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + field.charAt(i) + " in " + field);
            });
        }
        return out.toString();
    }
}
