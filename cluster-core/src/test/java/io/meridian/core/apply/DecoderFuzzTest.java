package io.meridian.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.meridian.core.MetadataImage;
import io.meridian.core.capability.CapabilityAd;
import io.meridian.core.capability.CapabilityCodecException;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.snapshot.SnapshotFormatException;
import io.meridian.core.testing.Effort;
import io.meridian.core.testing.EntryGen;
import io.meridian.core.testing.Replay;
import io.meridian.proto.MetadataEntry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Bytes from a peer, the log or a file are fed to every decoder: each gives a value or its typed
 * error, never an unchecked exception. Random bytes, bytes behind a valid header, and valid
 * encodings with a byte changed or cut short.
 */
@Timeout(300)
class DecoderFuzzTest {

    private static final MetadataImage BASE = Replay.bootstrapped("n1", "n2", "n3").image();
    private static final byte[] SNAPSHOT = SnapshotCodec.toBytes(BASE);

    private static Gen<byte[]> randomBytes() {
        return Generate.byteArrays(integers().between(0, 300), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE,
                (byte) 0));
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    /**
     * Decodes as an entry and, if it decodes, admits it as the leader would; an admitted entry
     * applies (or is rejected) without throwing, and one the leader refuses never reaches apply.
     */
    private static void feedEntry(byte[] bytes) {
        MetadataEntry entry;
        try {
            entry = EntryCodec.decode(bytes);
        } catch (EntryDecodeException expected) {
            return;
        }
        if (MetadataApplier.admit(BASE, entry).isEmpty()) {
            new MetadataApplier().apply(BASE, new EntryContext(1, BASE.index() + 1), entry);
        }
    }

    private static void feedCapabilities(byte[] bytes) {
        try {
            CapabilityAd.decode(bytes).integerValues();
        } catch (CapabilityCodecException expected) {
            assertThat(expected.kind()).isNotNull();
        }
    }

    private static void feedSnapshot(byte[] bytes) {
        try {
            SnapshotCodec.fromBytes(bytes);
        } catch (SnapshotFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Test
    void randomBytesGiveTypedErrors() {
        byte[] capHeader = "CAP".getBytes(StandardCharsets.US_ASCII);
        byte[] snapHeader = Arrays.copyOf(SNAPSHOT, 12);
        qt().withExamples(Effort.examples(3000)).forAll(randomBytes()).checkAssert(bytes -> {
            feedEntry(bytes);
            feedCapabilities(bytes);
            feedCapabilities(concat(concat(capHeader, new byte[] {1}), bytes));
            feedSnapshot(bytes);
            feedSnapshot(concat(snapHeader, bytes));
        });
    }

    @Test
    void damagedEntriesGiveTypedErrorsOrRejections() {
        qt().withExamples(Effort.examples(2000))
                .forAll(EntryGen.entry(), integers().between(0, 10_000), integers().between(1, 255))
                .checkAssert((entry, position, mask) -> {
                    byte[] bytes = entry.toByteArray();
                    if (bytes.length == 0) {
                        return;
                    }
                    byte[] flipped = bytes.clone();
                    flipped[position % bytes.length] ^= (byte) (int) mask;
                    feedEntry(flipped);
                    feedEntry(Arrays.copyOf(bytes, position % bytes.length));
                });
    }

    @Test
    void damagedSnapshotsAreAlwaysDetected() {
        qt().withExamples(Effort.examples(1000))
                .forAll(integers().between(0, SNAPSHOT.length - 1), integers().between(1, 255))
                .checkAssert((position, mask) -> {
                    byte[] flipped = SNAPSHOT.clone();
                    flipped[position] ^= (byte) (int) mask;
                    try {
                        SnapshotCodec.fromBytes(flipped);
                        throw new AssertionError("a snapshot with byte " + position + " changed was read");
                    } catch (SnapshotFormatException expected) {
                        assertThat(expected.getMessage()).isNotBlank();
                    }
                });
    }
}
