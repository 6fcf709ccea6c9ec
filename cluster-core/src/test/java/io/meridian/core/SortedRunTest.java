package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.pcollections.TreePMap;

class SortedRunTest {

    @Test
    void itsSortedMapViewOffersSubMapsOfTheRun() {
        SortedRun<Long, String> run = new SortedRun<>();
        for (long k = 10; k <= 50; k += 10) {
            run.add(k, "v" + k);
        }
        SortedMap<Long, String> view = run.asSortedMap();
        assertThat(view).containsExactly(entry(10L, "v10"), entry(20L, "v20"), entry(30L, "v30"),
                entry(40L, "v40"), entry(50L, "v50"));
        assertThat(view.subMap(15L, 40L).keySet()).containsExactly(20L, 30L);
        assertThat(view.headMap(30L).keySet()).containsExactly(10L, 20L);
        assertThat(view.tailMap(30L).keySet()).containsExactly(30L, 40L, 50L);
        assertThat(view.tailMap(20L).headMap(40L).keySet()).containsExactly(20L, 30L);
        assertThat(view.subMap(31L, 39L)).isEmpty();
        assertThat(view.subMap(20L, 50L).firstKey()).isEqualTo(20L);
        assertThat(view.subMap(20L, 50L).lastKey()).isEqualTo(40L);
        assertThatThrownBy(() -> view.subMap(40L, 20L)).isInstanceOf(IllegalArgumentException.class);
    }

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
