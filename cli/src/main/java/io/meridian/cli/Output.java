package io.meridian.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.util.JsonFormat;
import io.meridian.core.routing.Key;
import io.meridian.proto.Label;
import io.meridian.proto.ShardRecord;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Printing replies: aligned tables for people, protobuf's JSON mapping for scripts. */
final class Output {

    /** How a read prints. */
    enum Format {
        TABLE,
        JSON
    }

    private static final JsonFormat.Printer JSON = JsonFormat.printer().includingDefaultValueFields();
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

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

    /** A logical time (ms since the epoch) as UTC, to the second; "-" for none. */
    static String time(long epochMs) {
        if (epochMs <= 0) {
            return "-";
        }
        return DateTimeFormatter.ISO_INSTANT.format(
                Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.SECONDS));
    }

    /** A logical time (ms since the epoch) as UTC to the millisecond, as ISO-8601; "-" for none. */
    static String instant(long epochMs) {
        if (epochMs <= 0) {
            return "-";
        }
        return MILLIS.format(Instant.ofEpochMilli(epochMs));
    }

    /** Bytes for people, in binary units to one decimal: 512B, 1.5KiB, 96.0MiB. */
    static String bytes(long value) {
        if (value < 1024) {
            return value + "B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double scaled = value;
        int unit = -1;
        while (scaled >= 1024 && unit < units.length - 1) {
            scaled /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f%s", scaled, units[unit]);
    }

    /** How long ago, for people: "now" under a second, then seconds, minutes, hours, days. */
    static String age(long ms) {
        if (ms < 1_000) {
            return "now";
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                return ms / units[i] + names[i] + " ago";
            }
        }
        return "now";
    }

    /** Basis points as a percentage to one decimal. */
    static String percent(long bps) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", bps / 100.0);
    }

    /**
     * The load the leader holds, or empty when it cannot be had (no leader, say): listings show
     * "-" for load rather than failing.
     */
    static java.util.Optional<io.meridian.proto.LoadReply> load(io.meridian.client.MeridianClient client,
            io.meridian.proto.GetLoadRequest request) {
        try {
            return java.util.Optional.of(client.placement().load(request));
        } catch (io.meridian.client.MeridianException e) {
            return java.util.Optional.empty();
        }
    }

    /** A key for people: quoted text when printable, else hex. */
    static String key(ByteString key) {
        return Key.of(key).toString();
    }

    /** A shard's range, [start, end). */
    static String range(ShardRecord shard) {
        return "[" + key(shard.getStartKey()) + ", " + (shard.getEndKey().isEmpty() ? "end" : key(shard.getEndKey()))
                + ")";
    }

    /** Labels as k=v,k=v. */
    static String labels(List<Label> labels) {
        StringBuilder out = new StringBuilder();
        for (Label label : labels) {
            out.append(out.length() == 0 ? "" : ",").append(label.getKey()).append('=').append(label.getValue());
        }
        return out.toString();
    }

    /** An enum constant of the protocol without its prefix, in lower case: NODE_STATE_ACTIVE -> active. */
    static String name(ProtocolMessageEnum value, String prefix) {
        String text = value.toString();
        return (text.startsWith(prefix) ? text.substring(prefix.length()) : text).toLowerCase(Locale.ROOT);
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
