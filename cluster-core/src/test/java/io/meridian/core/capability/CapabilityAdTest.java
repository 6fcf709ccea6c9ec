package io.meridian.core.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.capability.CapabilityCodecException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilityAdTest {

    private static byte[] u32(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static CapabilityAd sample() {
        return new CapabilityAd(List.of(
                new CapabilityAd.Entry("aae", List.of(u32(1))),
                new CapabilityAd.Entry("framing", List.of(u32(1), u32(2)))));
    }

    /** Header, then the given raw tail. */
    private static byte[] withEntries(int count, byte[] tail) {
        ByteBuffer out = ByteBuffer.allocate(8 + tail.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {'C', 'A', 'P', 1}).putInt(count).put(tail);
        return out.array();
    }

    private static CapabilityCodecException.Kind decodeKind(byte[] bytes) {
        try {
            CapabilityAd.decode(bytes);
            throw new AssertionError("decoded " + Arrays.toString(bytes));
        } catch (CapabilityCodecException e) {
            return e.kind();
        }
    }

    @Test
    void anAdvertisementRoundTrips() throws Exception {
        CapabilityAd ad = sample();

        CapabilityAd back = CapabilityAd.decode(ad.encode());

        assertThat(back).isEqualTo(ad);
        assertThat(back.integerValues().get("framing")).containsExactly(1L, 2L);
    }

    @Test
    void decodeRejectsBadMagic() {
        assertThat(decodeKind(new byte[16])).isEqualTo(Kind.BAD_MAGIC);
    }

    @Test
    void decodeRejectsTruncatedInput() {
        assertThat(decodeKind(new byte[0])).isEqualTo(Kind.TRUNCATED);
        byte[] full = sample().encode();
        for (int length = 0; length < full.length; length++) {
            assertThat(decodeKind(Arrays.copyOf(full, length))).as("prefix of %d bytes", length)
                    .isIn(Kind.TRUNCATED, Kind.BAD_MAGIC);
        }
    }

    @Test
    void decodeRejectsAnUnknownVersion() {
        byte[] bytes = sample().encode();
        bytes[3] = 2;
        assertThat(decodeKind(bytes)).isEqualTo(Kind.UNSUPPORTED_VERSION);
    }

    @Test
    void decodeEnforcesItsBounds() {
        assertThat(decodeKind(withEntries(1025, new byte[0]))).isEqualTo(Kind.TOO_MANY_ENTRIES);
        assertThat(decodeKind(withEntries(-1, new byte[0]))).isEqualTo(Kind.TOO_MANY_ENTRIES);
        assertThat(decodeKind(withEntries(1, new byte[] {(byte) 0x01, 0x01}))).isEqualTo(Kind.BAD_NAME_LENGTH);
        assertThat(decodeKind(withEntries(1, new byte[] {0, 0}))).isEqualTo(Kind.BAD_NAME_LENGTH);
        assertThat(decodeKind(withEntries(1, new byte[] {1, 0, (byte) 0xC3, 0, 0}))).isEqualTo(Kind.NON_ASCII_NAME);
        ByteBuffer longValue = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
        longValue.putShort((short) 1).put((byte) 'x').putShort((short) 1).putInt(16 * 1024 + 1);
        assertThat(decodeKind(withEntries(1, longValue.array()))).isEqualTo(Kind.VALUE_TOO_LONG);
    }

    @Test
    void decodeRejectsDuplicateNamesAndTrailingBytes() {
        CapabilityAd twice = new CapabilityAd(List.of(new CapabilityAd.Entry("x", List.of()),
                new CapabilityAd.Entry("x", List.of())));
        assertThat(decodeKind(twice.encode())).isEqualTo(Kind.DUPLICATE_NAME);
        byte[] extra = Arrays.copyOf(sample().encode(), sample().encode().length + 1);
        assertThat(decodeKind(extra)).isEqualTo(Kind.TRAILING_BYTES);
    }

    @Test
    void meridianValuesAreFourByteIntegers() throws Exception {
        CapabilityAd ad = new CapabilityAd(List.of(new CapabilityAd.Entry("x",
                List.of("two".getBytes(StandardCharsets.US_ASCII)))));

        CapabilityAd decoded = CapabilityAd.decode(ad.encode());

        assertThatThrownBy(decoded::integerValues).isInstanceOf(CapabilityCodecException.class)
                .extracting(e -> ((CapabilityCodecException) e).kind()).isEqualTo(Kind.BAD_VALUE);
    }

    @Test
    void thisBuildAdvertisesTheCatalogue() throws Exception {
        CapabilityAd local = CapabilityAd.decode(CapabilityCatalog.localAdvertisement().encode());

        assertThat(local.integerValues().keySet()).containsExactly("meridian.entry-format", "meridian.snapshot-format");
    }
}
