package io.meridian.node.statemachine;

import io.meridian.core.Change;
import io.meridian.core.Rejection;
import io.meridian.proto.AppliedChanges;
import io.meridian.proto.ChangeRecord;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.RejectionDetail;
import java.util.ArrayList;
import java.util.List;

/** Conversions of apply outcomes to their wire form. Stateless. */
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
}
