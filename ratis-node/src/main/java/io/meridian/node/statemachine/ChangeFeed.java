package io.meridian.node.statemachine;

import io.meridian.proto.WatchEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The recent applied entries of this replica, in log order, for Watch streams: the state machine
 * appends each applied entry, watchers read from an index on and wait for more. Only the most
 * recent entries are kept (by count and by bytes); a watcher asking for older ones is told the
 * oldest index it can resume from.
 *
 * <p>Thread-safe: one writer (the apply thread), any number of readers.
 */
public final class ChangeFeed {

    /** A watcher asked for changes this replica no longer keeps. */
    public static final class CompactedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final long oldestAvailable;

        CompactedException(long requested, long oldestAvailable) {
            super("changes before index " + oldestAvailable + " are no longer kept on this node (asked from "
                    + requested + "); read the current state and watch from " + oldestAvailable);
            this.oldestAvailable = oldestAvailable;
        }

        public long oldestAvailable() {
            return oldestAvailable;
        }
    }

    private final int maxEvents;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grew = lock.newCondition();
    private final ArrayDeque<WatchEvent> events = new ArrayDeque<>();
    private long bytes;
    /** The lowest index from which this feed knows every applied entry. */
    private long firstKnown = 1;
    /** The highest index this feed has seen, applied or not. */
    private long lastIndex;

    public ChangeFeed(int maxEvents, long maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** Records an applied entry. */
    public void append(WatchEvent event) {
        lock.lock();
        try {
            events.addLast(event);
            bytes += event.getSerializedSize();
            lastIndex = event.getIndex();
            while (events.size() > maxEvents || (bytes > maxBytes && events.size() > 1)) {
                WatchEvent evicted = events.removeFirst();
                bytes -= evicted.getSerializedSize();
                firstKnown = evicted.getIndex() + 1;
            }
            grew.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Records that the log reached this index without a change to report. */
    public void advanceTo(long index) {
        lock.lock();
        try {
            lastIndex = Math.max(lastIndex, index);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets everything at or below the index: the state jumped there (loaded from a snapshot)
     * without this replica seeing the entries in between.
     */
    public void restartAfter(long index) {
        lock.lock();
        try {
            events.clear();
            bytes = 0;
            firstKnown = index + 1;
            lastIndex = index;
            grew.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The lowest index a watcher can start from. */
    public long firstKnown() {
        lock.lock();
        try {
            return firstKnown;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The applied entries at or after {@code fromIndex}, at most {@code max} of them; waits up to
     * {@code waitMs} for the first one when there is none yet. Empty when the wait ran out.
     */
    public List<WatchEvent> read(long fromIndex, int max, long waitMs) throws CompactedException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        lock.lock();
        try {
            while (true) {
                long from = Math.max(fromIndex, 1);
                if (from < firstKnown && fromIndex > 0) {
                    throw new CompactedException(fromIndex, firstKnown);
                }
                List<WatchEvent> out = new ArrayList<>();
                Iterator<WatchEvent> it = events.iterator();
                while (it.hasNext() && out.size() < max) {
                    WatchEvent event = it.next();
                    if (event.getIndex() >= from) {
                        out.add(event);
                    }
                }
                if (!out.isEmpty()) {
                    return out;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return out;
                }
                grew.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
