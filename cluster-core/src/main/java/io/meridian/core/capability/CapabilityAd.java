package io.meridian.core.capability;

import io.meridian.core.capability.CapabilityCodecException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * A node's capability advertisement and its bounded binary codec:
 *
 * <pre>
 *   "CAP"  version (1 byte, = 1)  entry count (u32 LE, at most 1024)
 *   per entry:  name length (u16 LE, 1-256)  name (printable ASCII)
 *               value count (u16 LE)  per value: length (u32 LE, at most 16 KiB)  bytes
 * </pre>
 *
 * Every malformed input gives a {@link CapabilityCodecException} of a precise kind, never an
 * unchecked exception, so bytes from a peer or the log can be fed to it as they are. Names are
 * unique; nothing may follow the last entry.
 *
 * <p>Immutable and thread-safe.
 */
public record CapabilityAd(List<Entry> entries) {

    public static final int MAX_ENTRIES = 1024;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_VALUE_LENGTH = 16 * 1024;
    static final byte[] MAGIC = {'C', 'A', 'P'};
    static final byte VERSION = 1;

    /** One capability and the values the advertiser supports, lowest preference first. */
    public record Entry(String name, List<byte[]> values) {
        public Entry {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Entry entry) || !name.equals(entry.name) || values.size() != entry.values.size()) {
                return false;
            }
            for (int i = 0; i < values.size(); i++) {
                if (!java.util.Arrays.equals(values.get(i), entry.values.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int hash = name.hashCode();
            for (byte[] value : values) {
                hash = 31 * hash + java.util.Arrays.hashCode(value);
            }
            return hash;
        }
    }

    public CapabilityAd {
        entries = List.copyOf(entries);
    }

    /** An advertisement of integer values (Meridian's kind), entries sorted by name. */
    public static CapabilityAd ofIntegers(TreeMap<String, TreeSet<Long>> values) {
        List<Entry> entries = new ArrayList<>();
        values.forEach((name, supported) -> {
            List<byte[]> encoded = new ArrayList<>();
            supported.forEach(value -> encoded.add(u32(value)));
            entries.add(new Entry(name, encoded));
        });
        return new CapabilityAd(entries);
    }

    /** The encoding; throws IllegalArgumentException when the advertisement is over a bound. */
    public byte[] encode() {
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("too many capabilities: " + entries.size());
        }
        int size = MAGIC.length + 1 + 4;
        for (Entry entry : entries) {
            size += 2 + entry.name().length() + 2;
            for (byte[] value : entry.values()) {
                size += 4 + value.length;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put(VERSION).putInt(entries.size());
        for (Entry entry : entries) {
            byte[] name = entry.name().getBytes(StandardCharsets.US_ASCII);
            if (name.length == 0 || name.length > MAX_NAME_LENGTH || !printableAscii(entry.name())) {
                throw new IllegalArgumentException("bad capability name: " + entry.name());
            }
            if (entry.values().size() > 0xFFFF) {
                throw new IllegalArgumentException("too many values for " + entry.name());
            }
            out.putShort((short) name.length).put(name).putShort((short) entry.values().size());
            for (byte[] value : entry.values()) {
                if (value.length > MAX_VALUE_LENGTH) {
                    throw new IllegalArgumentException("value too long for " + entry.name());
                }
                out.putInt(value.length).put(value);
            }
        }
        return out.array();
    }

    /** The advertisement in these bytes, or a typed error. */
    public static CapabilityAd decode(byte[] bytes) throws CapabilityCodecException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        need(in, MAGIC.length + 1 + 4, "header");
        for (byte b : MAGIC) {
            if (in.get() != b) {
                throw new CapabilityCodecException(Kind.BAD_MAGIC, "does not start with \"CAP\"");
            }
        }
        byte version = in.get();
        if (version != VERSION) {
            throw new CapabilityCodecException(Kind.UNSUPPORTED_VERSION,
                    "format version " + Byte.toUnsignedInt(version) + " is not supported (only " + VERSION + ")");
        }
        long count = Integer.toUnsignedLong(in.getInt());
        if (count > MAX_ENTRIES) {
            throw new CapabilityCodecException(Kind.TOO_MANY_ENTRIES,
                    count + " entries; at most " + MAX_ENTRIES + " are allowed");
        }
        List<Entry> entries = new ArrayList<>((int) count);
        TreeSet<String> names = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            need(in, 2, "name length of entry " + i);
            int nameLength = Short.toUnsignedInt(in.getShort());
            if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) {
                throw new CapabilityCodecException(Kind.BAD_NAME_LENGTH,
                        "entry " + i + " has a name of " + nameLength + " bytes; names are 1-" + MAX_NAME_LENGTH);
            }
            need(in, nameLength, "name of entry " + i);
            byte[] nameBytes = new byte[nameLength];
            in.get(nameBytes);
            for (byte b : nameBytes) {
                if (b < 0x21 || b > 0x7e) {
                    throw new CapabilityCodecException(Kind.NON_ASCII_NAME,
                            "the name of entry " + i + " has a byte outside printable ASCII");
                }
            }
            String name = new String(nameBytes, StandardCharsets.US_ASCII);
            if (!names.add(name)) {
                throw new CapabilityCodecException(Kind.DUPLICATE_NAME, "capability " + name + " appears twice");
            }
            need(in, 2, "value count of " + name);
            int valueCount = Short.toUnsignedInt(in.getShort());
            List<byte[]> values = new ArrayList<>(Math.min(valueCount, in.remaining() / 4 + 1));
            for (int v = 0; v < valueCount; v++) {
                need(in, 4, "length of value " + v + " of " + name);
                long length = Integer.toUnsignedLong(in.getInt());
                if (length > MAX_VALUE_LENGTH) {
                    throw new CapabilityCodecException(Kind.VALUE_TOO_LONG, "value " + v + " of " + name + " is "
                            + length + " bytes; at most " + MAX_VALUE_LENGTH + " are allowed");
                }
                need(in, (int) length, "value " + v + " of " + name);
                byte[] value = new byte[(int) length];
                in.get(value);
                values.add(value);
            }
            entries.add(new Entry(name, values));
        }
        if (in.hasRemaining()) {
            throw new CapabilityCodecException(Kind.TRAILING_BYTES,
                    in.remaining() + " bytes follow the last entry");
        }
        return new CapabilityAd(entries);
    }

    /**
     * The advertised values read as Meridian's 4-byte little-endian unsigned integers, by name; a
     * value of another length is a {@link Kind#BAD_VALUE}.
     */
    public TreePMap<String, TreePSet<Long>> integerValues() throws CapabilityCodecException {
        TreePMap<String, TreePSet<Long>> out = TreePMap.empty();
        for (Entry entry : entries) {
            TreePSet<Long> values = TreePSet.empty();
            for (byte[] value : entry.values()) {
                if (value.length != 4) {
                    throw new CapabilityCodecException(Kind.BAD_VALUE, "a value of " + entry.name() + " is "
                            + value.length + " bytes; Meridian's capability values are 4-byte integers");
                }
                values = values.plus(Integer.toUnsignedLong(
                        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt()));
            }
            out = out.plus(entry.name(), values);
        }
        return out;
    }

    private static void need(ByteBuffer in, int bytes, String what) throws CapabilityCodecException {
        if (bytes < 0 || in.remaining() < bytes) {
            throw new CapabilityCodecException(Kind.TRUNCATED,
                    "truncated in the " + what + " (needs " + bytes + " bytes, " + in.remaining() + " left)");
        }
    }

    private static boolean printableAscii(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    static byte[] u32(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not an unsigned 32-bit value: " + value);
        }
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array();
    }
}
