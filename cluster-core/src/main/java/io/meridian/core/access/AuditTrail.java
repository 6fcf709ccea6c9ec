package io.meridian.core.access;

import com.google.protobuf.ByteString;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.MetadataEntry;
import io.meridian.wire.AuditChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The audit trail (entry-format 6): one record for every entry with a caller that the state
 * machine applied or refused at apply, hash-chained by {@link AuditChain}. It keeps the newest
 * {@value #MAX_RECORDS} records by log index; dropping the oldest moves the anchor to the dropped
 * record's hash and counts it, so the kept records still verify from the anchor.
 *
 * <p>The bound is a rule of entry-format 6: changing it changes what replay does, so a later
 * release gates any change on the entry format. Immutable and thread-safe.
 *
 * @param anchor the hash the oldest kept record chains to: {@link AuditChain#ZERO} while nothing
 *     was dropped, else the hash of the newest record dropped
 * @param dropped how many records were dropped to keep the bound
 * @param records the kept records by log index, each with its hash
 */
public record AuditTrail(ByteString anchor, long dropped, TreePMap<Long, AuditRecord> records) {

    /** Most records kept. */
    public static final int MAX_RECORDS = 4096;

    /** The outcome of a record whose entry was applied; a refused one has its rejection code's name. */
    public static final String APPLIED = "applied";

    public static final AuditTrail EMPTY = new AuditTrail(AuditChain.ZERO, 0, TreePMap.empty());

    public AuditTrail {
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(records, "records");
        if (anchor.size() != AuditChain.HASH_BYTES) {
            throw new IllegalArgumentException("the audit anchor is " + anchor.size() + " bytes, not "
                    + AuditChain.HASH_BYTES);
        }
        if (dropped < 0) {
            throw new IllegalArgumentException("the audit trail dropped " + dropped + " records");
        }
        if (records.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("the audit trail holds " + records.size() + " records, above "
                    + MAX_RECORDS);
        }
    }

    /** The trail holding these records (oldest first, indexes increasing) after this anchor. */
    public static AuditTrail of(ByteString anchor, long dropped, List<AuditRecord> records) {
        TreePMap<Long, AuditRecord> byIndex = TreePMap.empty();
        for (AuditRecord record : records) {
            if (!byIndex.isEmpty() && byIndex.lastKey() >= record.getIndex()) {
                throw new IllegalArgumentException("audit record at index " + record.getIndex()
                        + " does not follow the one at index " + byIndex.lastKey());
            }
            byIndex = byIndex.plus(record.getIndex(), record);
        }
        return new AuditTrail(anchor, dropped, byIndex);
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** Whether the trail is as it was before any record: it is then left out of snapshots. */
    public boolean isPristine() {
        return records.isEmpty() && dropped == 0;
    }

    /** The kept records, oldest first. */
    public List<AuditRecord> list() {
        return new ArrayList<>(records.values());
    }

    /** The kept records from this log index on, oldest first. */
    public List<AuditRecord> since(long index) {
        return new ArrayList<>(records.tailMap(index, true).values());
    }

    /**
     * The hash the record at this log index chains to: the hash of the kept record before it, or the
     * anchor for the oldest. Empty when no record at that index is kept.
     */
    public Optional<ByteString> chainedTo(long index) {
        if (!records.containsKey(index)) {
            return Optional.empty();
        }
        TreePMap<Long, AuditRecord> before = records.headMap(index, false);
        return Optional.of(before.isEmpty() ? anchor : before.lastEntry().getValue().getHash());
    }

    /** The hash the next record chains to: the newest record's, or the anchor. */
    public ByteString head() {
        return records.isEmpty() ? anchor : records.lastEntry().getValue().getHash();
    }

    /**
     * The trail with a record appended, chained to the newest, and the oldest dropped beyond the
     * bound.
     *
     * @throws IllegalArgumentException if the index does not follow the newest record's
     */
    public AuditTrail appended(long index, long timeMs, String identity, String operation, String outcome) {
        if (!records.isEmpty() && records.lastKey() >= index) {
            throw new IllegalArgumentException("audit record at index " + index + " would follow the one at index "
                    + records.lastKey());
        }
        AuditRecord record = AuditChain.chained(head(), AuditRecord.newBuilder()
                .setIndex(index)
                .setTimeMs(timeMs)
                .setIdentity(identity)
                .setOperation(operation)
                .setOutcome(outcome)
                .build());
        TreePMap<Long, AuditRecord> kept = records.plus(index, record);
        ByteString newAnchor = anchor;
        long newDropped = dropped;
        while (kept.size() > MAX_RECORDS) {
            newAnchor = kept.firstEntry().getValue().getHash();
            newDropped++;
            kept = kept.minusFirstEntry();
        }
        return new AuditTrail(newAnchor, newDropped, kept);
    }

    /** Whether the kept records chain from the anchor; the problem found, if not. */
    public Optional<String> verify() {
        return AuditChain.verify(anchor, list());
    }

    /**
     * What the trail calls an entry: its kind and change, from the names of the protobuf oneof
     * cases in snake case, as "topology.start_decommission", "access.grant", "placement.split",
     * "join_token.issued", "migration_checkpoint" or "batch".
     */
    public static String operation(MetadataEntry entry) {
        String kind = snake(entry.getKindCase().name());
        Enum<?> change = switch (entry.getKindCase()) {
            case TOPOLOGY -> entry.getTopology().getChangeCase();
            case ROUTING -> entry.getRouting().getChangeCase();
            case PLACEMENT -> entry.getPlacement().getCommandCase();
            case JOIN_TOKEN -> entry.getJoinToken().getTransitionCase();
            case GHOST -> entry.getGhost().getChangeCase();
            case EDGE_CACHE -> entry.getEdgeCache().getChangeCase();
            case SCHEDULER_CONTROL -> entry.getSchedulerControl().getControlCase();
            case ACCESS -> entry.getAccess().getChangeCase();
            case MIGRATION_CHECKPOINT, MIGRATION_ABORT, CAPABILITY_ADVERTISEMENT, CATALOG_DDL, BATCH,
                    KIND_NOT_SET -> null;
        };
        // A oneof left unset is named by its case "..._NOT_SET": the kind alone says it.
        return change == null || change.name().endsWith("_NOT_SET") ? kind : kind + "." + snake(change.name());
    }

    private static String snake(String caseName) {
        return caseName.toLowerCase(Locale.ROOT);
    }
}
