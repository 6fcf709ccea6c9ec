package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pcollections.TreePMap;

class SortedRunTest {

    @Test
    void buildsTheSameMapAsAddingEntriesOneByOne() {
        SortedRun<Long, String> run = new SortedRun<>(1);
        TreePMap<Long, String> expected = TreePMap.empty();
        for (long key = 1; key <= 1_000; key += 3) {
            assertThat(run.add(key, "v" + key)).isTrue();
            expected = expected.plus(key, "v" + key);
        }

        TreePMap<Long, String> built = run.toTreePMap();

        assertThat(built).isEqualTo(expected);
        assertThat(built.firstKey()).isEqualTo(1L);
        assertThat(built.lastKey()).isEqualTo(1_000L);
        assertThat(built.plus(2L, "x").headMap(3L)).containsOnlyKeys(1L, 2L);
    }

    @Test
    void refusesAKeyThatDoesNotFollowTheLastOne() {
        SortedRun<String, Integer> run = new SortedRun<>();
        run.add("b", 1);

        assertThat(run.add("b", 2)).isFalse();
        assertThat(run.add("a", 3)).isFalse();
        assertThat(run.size()).isEqualTo(1);
        assertThat(run.toTreePMap()).containsExactly(Map.entry("b", 1));
    }

    @Test
    void anEmptyRunIsTheEmptyMap() {
        assertThat(new SortedRun<String, Integer>().toTreePMap()).isEqualTo(TreePMap.empty()).isEmpty();
    }
}
