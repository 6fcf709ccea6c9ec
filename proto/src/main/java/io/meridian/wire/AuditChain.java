package io.meridian.wire;

import com.google.protobuf.ByteString;
import io.meridian.proto.AuditRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * The hash chain of the audit trail (AuditRecord in access.proto), in one place for the state
 * machine that writes it and the client and CLI that check it:
 *
 * <pre>
 *   hash = SHA-256(previous hash, index, time_ms, identity, operation, outcome)
 * </pre>
 *
 * the previous hash as its 32 bytes, the integers as 8 big-endian bytes, each string as a 4-byte
 * big-endian length and its UTF-8 bytes. The first record ever chains to {@link #ZERO}; a trail
 * that dropped its oldest records keeps the hash of the newest one it dropped as its anchor, and
 * its oldest kept record chains to that.
 *
 * <p>Stateless and thread-safe.
 */
public final class AuditChain {

    /** Bytes in a hash of the chain. */
    public static final int HASH_BYTES = 32;

    /** What the first record ever chains to: 32 zero bytes. */
    public static final ByteString ZERO = ByteString.copyFrom(new byte[HASH_BYTES]);

    private AuditChain() {
    }

    /**
     * The hash of a record that follows the record (or anchor) whose hash is {@code previous}. The
     * record's own {@code hash} field is not part of what is hashed.
     *
     * @throws IllegalArgumentException if {@code previous} is not 32 bytes
     */
    public static ByteString next(ByteString previous, AuditRecord recordWithoutHash) {
        if (previous.size() != HASH_BYTES) {
            throw new IllegalArgumentException("the previous hash of an audit record is " + HASH_BYTES
                    + " bytes, got " + previous.size());
        }
        MessageDigest sha256 = sha256();
        sha256.update(previous.asReadOnlyByteBuffer());
        sha256.update(ByteBuffer.allocate(16).putLong(recordWithoutHash.getIndex())
                .putLong(recordWithoutHash.getTimeMs()).array());
        string(sha256, recordWithoutHash.getIdentity());
        string(sha256, recordWithoutHash.getOperation());
        string(sha256, recordWithoutHash.getOutcome());
        return ByteString.copyFrom(sha256.digest());
    }

    /** The record with its hash set: the one it has when it follows {@code previous}. */
    public static AuditRecord chained(ByteString previous, AuditRecord record) {
        return record.toBuilder().setHash(next(previous, record)).build();
    }

    /**
     * Checks that records, oldest first, chain from the anchor: each record's hash is the hash of
     * its contents after the one before it (the first one's, after the anchor), and their log
     * indexes increase. An edited record, a record dropped from the middle, or records out of
     * order break the chain.
     *
     * @return the first problem found, naming the record's log index; empty when the chain holds
     */
    public static Optional<String> verify(ByteString anchor, List<AuditRecord> records) {
        if (anchor.size() != HASH_BYTES) {
            return Optional.of("the anchor is " + anchor.size() + " bytes; a hash of the audit chain is "
                    + HASH_BYTES);
        }
        ByteString previous = anchor;
        AuditRecord before = null;
        for (AuditRecord record : records) {
            if (before != null && Long.compareUnsigned(record.getIndex(), before.getIndex()) <= 0) {
                return Optional.of("record at index " + Long.toUnsignedString(record.getIndex())
                        + " follows the one at index " + Long.toUnsignedString(before.getIndex())
                        + ": records run in log order");
            }
            if (!next(previous, record).equals(record.getHash())) {
                return Optional.of("record at index " + Long.toUnsignedString(record.getIndex())
                        + (before == null ? " does not chain to the anchor" : " does not chain to the one before it"));
            }
            previous = record.getHash();
            before = record;
        }
        return Optional.empty();
    }

    private static void string(MessageDigest sha256, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha256.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
