package io.meridian.core;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import org.pcollections.TreePMap;

/**
 * Entries collected in strictly increasing key order, then turned into a persistent map in one
 * pass: {@link TreePMap#fromSortedMap} builds a balanced tree from a sorted source in linear time,
 * where adding the entries one by one, or collecting them in a {@link java.util.TreeMap} first,
 * costs O(n log n) comparisons and a tree of garbage. Loading a snapshot builds maps of a million
 * entries this way.
 *
 * <p>{@link #add} refuses a key that does not follow the last one, so the run is sorted by
 * construction and never needs checking again. Not thread-safe; use one run on one thread, then
 * discard it.
 *
 * @param <K> the key type, in its natural order
 * @param <V> the value type
 */
public final class SortedRun<K extends Comparable<? super K>, V> {

    private Object[] keys;
    private Object[] values;
    private int size;

    public SortedRun() {
        this(16);
    }

    public SortedRun(int expectedSize) {
        int capacity = Math.max(1, expectedSize);
        keys = new Object[capacity];
        values = new Object[capacity];
    }

    /**
     * Appends an entry whose key is strictly greater than the last one.
     *
     * @return false, adding nothing, when the key is not greater than the last one
     */
    public boolean add(K key, V value) {
        if (key == null || value == null) {
            throw new NullPointerException(key == null ? "key" : "value");
        }
        if (size > 0 && lastKey().compareTo(key) >= 0) {
            return false;
        }
        if (size == keys.length) {
            int capacity = size + (size >> 1) + 1;
            keys = Arrays.copyOf(keys, capacity);
            values = Arrays.copyOf(values, capacity);
        }
        keys[size] = key;
        values[size] = value;
        size++;
        return true;
    }

    /** Replaces the value of the last entry (a later value for the same key wins, as in a map). */
    public void replaceLast(V value) {
        if (size == 0) {
            throw new NoSuchElementException("the run is empty");
        }
        values[size - 1] = value;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** The last key added; the run must not be empty. */
    @SuppressWarnings("unchecked")
    public K lastKey() {
        if (size == 0) {
            throw new NoSuchElementException("the run is empty");
        }
        return (K) keys[size - 1];
    }

    /** The entries as a persistent map, built in linear time. */
    public TreePMap<K, V> toTreePMap() {
        return size == 0 ? TreePMap.empty() : TreePMap.fromSortedMap(new View(0, size));
    }

    /** The entries as a read-only sorted map over this run (a view, not a copy). */
    SortedMap<K, V> asSortedMap() {
        return new View(0, size);
    }

    /** The index of the first entry whose key is not less than {@code key} (size when none is). */
    @SuppressWarnings("unchecked")
    private int ceilingIndex(K key) {
        int low = 0;
        int high = size;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (((K) keys[mid]).compareTo(key) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * The entries from index {@code from} (inclusive) to {@code to} (exclusive) seen as a sorted
     * map in the keys' natural order, as {@link TreePMap#fromSortedMap} reads it. Read-only.
     */
    private final class View extends AbstractMap<K, V> implements SortedMap<K, V> {

        private final int from;
        private final int to;

        View(int from, int to) {
            this.from = from;
            this.to = Math.max(from, to);
        }

        @Override
        public Comparator<? super K> comparator() {
            return null;
        }

        @Override
        public int size() {
            return to - from;
        }

        @Override
        public Set<Map.Entry<K, V>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<K, V>> iterator() {
                    return new Iterator<>() {
                        private int next = from;

                        @Override
                        public boolean hasNext() {
                            return next < to;
                        }

                        @Override
                        @SuppressWarnings("unchecked")
                        public Map.Entry<K, V> next() {
                            if (next >= to) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<K, V> entry = new SimpleImmutableEntry<>((K) keys[next], (V) values[next]);
                            next++;
                            return entry;
                        }
                    };
                }

                @Override
                public int size() {
                    return to - from;
                }
            };
        }

        @Override
        @SuppressWarnings("unchecked")
        public K firstKey() {
            if (from == to) {
                throw new NoSuchElementException();
            }
            return (K) keys[from];
        }

        @Override
        @SuppressWarnings("unchecked")
        public K lastKey() {
            if (from == to) {
                throw new NoSuchElementException();
            }
            return (K) keys[to - 1];
        }

        @Override
        public SortedMap<K, V> subMap(K fromKey, K toKey) {
            if (fromKey.compareTo(toKey) > 0) {
                throw new IllegalArgumentException("fromKey > toKey");
            }
            return new View(clamp(ceilingIndex(fromKey)), clamp(ceilingIndex(toKey)));
        }

        @Override
        public SortedMap<K, V> headMap(K toKey) {
            return new View(from, clamp(ceilingIndex(toKey)));
        }

        @Override
        public SortedMap<K, V> tailMap(K fromKey) {
            return new View(clamp(ceilingIndex(fromKey)), to);
        }

        private int clamp(int index) {
            return Math.min(to, Math.max(from, index));
        }
    }
}
