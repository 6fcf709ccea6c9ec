package io.meridian.core.apply;

import io.meridian.core.Change;
import io.meridian.core.Rejection;
import io.meridian.proto.AppliedChanges;
import io.meridian.proto.ChangeRecord;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.RejectionDetail;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversions of apply outcomes to their wire form, the form the state machine answers with and
 * the session table keeps. Stateless.
 */
public final class Outcomes {

    private Outcomes() {
    }

    public static List<ChangeRecord> toProto(List<Change> changes) {
        List<ChangeRecord> out = new ArrayList<>(changes.size());
        for (Change change : changes) {
            out.add(ChangeRecord.newBuilder()
                    .setArea(change.area().name())
                    .setSubject(change.subject())
                    .setDescription(change.description())
                    .build());
        }
        return out;
    }

    public static RejectionDetail toProto(Rejection rejection) {
        RejectionDetail.Builder detail = RejectionDetail.newBuilder().setCode(rejection.code())
                .setMessage(rejection.message());
        if (rejection.batchEntry() != Rejection.NOT_IN_BATCH) {
            detail.setBatchEntry(rejection.batchEntry());
        }
        return detail.build();
    }

    public static Rejection fromProto(RejectionDetail detail) {
        return new Rejection(detail.getCode(), detail.getMessage(),
                detail.hasBatchEntry() ? detail.getBatchEntry() : Rejection.NOT_IN_BATCH);
    }

    public static EntryOutcome applied(long term, long index, List<ChangeRecord> changes) {
        return EntryOutcome.newBuilder().setTerm(term).setIndex(index)
                .setApplied(AppliedChanges.newBuilder().addAllChanges(changes)).build();
    }

    public static EntryOutcome rejected(long term, long index, Rejection rejection) {
        return EntryOutcome.newBuilder().setTerm(term).setIndex(index).setRejection(toProto(rejection)).build();
    }

    /** Most changes a recorded outcome keeps; a repeated answer says how many more there were. */
    public static final int MAX_RECORDED_CHANGES = 64;

    /**
     * The outcome as the session table keeps it, for answering a repeated request: the wire form,
     * with at most {@value #MAX_RECORDED_CHANGES} changes (the last one kept saying how many more
     * the first answer had).
     */
    public static EntryOutcome recorded(long term, long index, Outcome outcome) {
        if (outcome instanceof Outcome.Applied applied && applied.changes().size() > MAX_RECORDED_CHANGES) {
            List<Change> kept = applied.changes().subList(0, MAX_RECORDED_CHANGES - 1);
            List<ChangeRecord> changes = new ArrayList<>(toProto(kept));
            Change next = applied.changes().get(MAX_RECORDED_CHANGES - 1);
            changes.add(ChangeRecord.newBuilder().setArea(next.area().name()).setSubject(next.subject())
                    .setDescription("and " + (applied.changes().size() - kept.size()) + " more changes, not kept for "
                            + "repeated answers")
                    .build());
            return applied(term, index, changes);
        }
        return of(term, index, outcome);
    }

    /** The wire form of an applied or rejected entry's outcome at this term and index. */
    public static EntryOutcome of(long term, long index, Outcome outcome) {
        if (outcome instanceof Outcome.Applied applied) {
            return applied(term, index, toProto(applied.changes()));
        }
        if (outcome instanceof Outcome.Rejected rejected) {
            return rejected(term, index, rejected.rejection());
        }
        if (outcome instanceof Outcome.Repeated repeated) {
            return repeated.first();
        }
        throw new IllegalArgumentException("a skipped entry has no outcome");
    }
}
