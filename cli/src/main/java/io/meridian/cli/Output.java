package io.meridian.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Printing replies: aligned tables for people, protobuf's JSON mapping for scripts. */
final class Output {

    /** How a read prints. */
    enum Format {
        TABLE,
        JSON
    }

    private static final JsonFormat.Printer JSON = JsonFormat.printer().includingDefaultValueFields();

    private Output() {
    }

    /** One JSON document: the reply in protobuf's JSON mapping, every field present. */
    static void json(PrintWriter out, MessageOrBuilder message) {
        try {
            out.println(JSON.print(message));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a reply did not print as JSON", e);
        }
        out.flush();
    }

    /** A table with these column headers. */
    static Table table(String... headers) {
        return new Table(headers);
    }

    /** Columns left-aligned to their widest cell, two spaces apart. */
    static final class Table {
        private final String[] headers;
        private final List<String[]> rows = new ArrayList<>();

        private Table(String[] headers) {
            this.headers = headers;
        }

        Table row(Object... cells) {
            String[] row = new String[headers.length];
            for (int i = 0; i < headers.length; i++) {
                row[i] = i < cells.length && cells[i] != null ? String.valueOf(cells[i]) : "";
            }
            rows.add(row);
            return this;
        }

        void print(PrintWriter out) {
            int[] widths = new int[headers.length];
            for (int i = 0; i < headers.length; i++) {
                widths[i] = headers[i].length();
                for (String[] row : rows) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            printRow(out, headers, widths);
            for (String[] row : rows) {
                printRow(out, row, widths);
            }
            out.flush();
        }

        private static void printRow(PrintWriter out, String[] cells, int[] widths) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                line.append(cells[i]);
                if (i < cells.length - 1) {
                    line.append(" ".repeat(widths[i] - cells[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
