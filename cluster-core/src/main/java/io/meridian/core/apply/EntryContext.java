package io.meridian.core.apply;

/** Where an entry sits in the log: the term and index Raft committed it at. */
public record EntryContext(long term, long index) {

    public EntryContext {
        if (term < 0 || index < 1) {
            throw new IllegalArgumentException("an entry has a term >= 0 and an index >= 1, got term " + term
                    + " index " + index);
        }
    }
}
