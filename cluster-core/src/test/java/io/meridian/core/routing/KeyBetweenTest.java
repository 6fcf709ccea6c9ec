package io.meridian.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.meridian.core.testing.Effort;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyBetweenTest {

    private static Key hex(String hex) {
        return Key.of(java.util.HexFormat.of().parseHex(hex));
    }

    @Test
    void theMiddleOfTheKeyspaceAndOfSomeRanges() {
        assertThat(Key.between(Key.EMPTY, Key.EMPTY, 16)).contains(hex("80"));
        assertThat(Key.between(hex("80"), Key.EMPTY, 16)).contains(hex("c0"));
        assertThat(Key.between(Key.utf8("m"), Key.utf8("t"), 16)).contains(Key.utf8("p"));
        assertThat(Key.between(hex("61"), hex("62"), 16)).contains(hex("6180"));
        assertThat(Key.between(hex("61"), hex("6100"), 16)).as("nothing lies between a and a\\0").isEmpty();
        assertThat(Key.between(hex("ff"), Key.EMPTY, 16)).contains(hex("ff80"));
    }

    @Test
    void theResultIsAlwaysStrictlyInside() {
        qt().withExamples(Effort.examples(2000))
                .forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 4),
                        lists().of(integers().between(0, 255)).ofSizeBetween(0, 4))
                .checkAssert((a, b) -> {
                    Key x = key(a);
                    Key y = key(b);
                    Key low = x.compareTo(y) <= 0 ? x : y;
                    Key high = x.compareTo(y) <= 0 ? y : x;
                    Key end = high.isEmpty() ? Key.EMPTY : high;
                    Key.between(low, end, 16).ifPresent(mid -> {
                        assertThat(mid.compareTo(low)).isPositive();
                        if (!end.isEmpty()) {
                            assertThat(mid.compareTo(end)).isNegative();
                        }
                    });
                    if (end.isEmpty() || low.compareTo(end) < 0 && !isZeroExtension(low, end)) {
                        assertThat(Key.between(low, end, 16)).isPresent();
                    }
                });
    }

    /** b is a followed only by zero bytes: no key lies strictly between them. */
    private static boolean isZeroExtension(Key a, Key b) {
        byte[] x = a.toByteArray();
        byte[] y = b.toByteArray();
        if (y.length <= x.length) {
            return false;
        }
        for (int i = 0; i < y.length; i++) {
            if (i < x.length ? x[i] != y[i] : y[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Key key(List<Integer> values) {
        byte[] bytes = new byte[values.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (int) values.get(i);
        }
        return Key.of(bytes);
    }
}
