package io.meridian.core.apply;

/**
 * A committed entry that this version of Meridian cannot apply faithfully: it carries an entry kind
 * or fields it does not know, so applying it would make this replica diverge from newer ones. The
 * replica must stop rather than guess; capability negotiation keeps such entries out of the log
 * until every member can apply them.
 */
public final class UnsupportedEntryException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public UnsupportedEntryException(String message) {
        super(message);
    }
}
