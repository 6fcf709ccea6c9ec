package io.meridian.core.snapshot;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meridian.core.MetadataImage;
import io.meridian.core.Provenance;
import io.meridian.core.SortedRun;
import io.meridian.core.access.AccessBinding;
import io.meridian.core.access.AccessTable;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.apply.InvariantViolation;
import io.meridian.core.apply.Invariants;
import io.meridian.core.capability.CapabilitiesImage;
import io.meridian.core.catalog.CatalogEntry;
import io.meridian.core.catalog.CatalogImage;
import io.meridian.core.edgecache.EdgeCacheImage;
import io.meridian.core.edgecache.EdgeCacheNode;
import io.meridian.core.ghost.GhostKey;
import io.meridian.core.ghost.GhostStub;
import io.meridian.core.ghost.GhostTableStats;
import io.meridian.core.ghost.GhostsImage;
import io.meridian.core.migration.Migration;
import io.meridian.core.migration.MigrationsImage;
import io.meridian.core.placement.SchedulerConfig;
import io.meridian.core.routing.ReplicaGroup;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.routing.Shard;
import io.meridian.core.session.ClientId;
import io.meridian.core.session.Session;
import io.meridian.core.session.SessionsImage;
import io.meridian.core.token.JoinToken;
import io.meridian.core.token.JoinTokensImage;
import io.meridian.core.token.TokenHash;
import io.meridian.core.topology.Node;
import io.meridian.core.topology.TopologyImage;
import io.meridian.core.topology.VoterPolicy;
import io.meridian.proto.AuditAnchor;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.SnapshotHeader;
import io.meridian.proto.SnapshotRecord;
import io.meridian.proto.SnapshotTrailer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * Writes an image to a stream and reads it back, record by record, so a million shards never make
 * one giant message (format in snapshot.proto):
 *
 * <pre>
 *   "MRDNSNAP"  format version (4 bytes BE)
 *   frame* = length (4 bytes BE)  SnapshotRecord  CRC32C of the record (4 bytes BE)
 *   header first; sections in record-number order, each sorted by key; trailer last
 * </pre>
 *
 * The same image always gives the same bytes, and the trailer carries the SHA-256 of everything
 * before it: that hash is the image's {@link StateDigest}. Reading checks the magic, the version,
 * every frame's CRC32C, the order of sections and keys, the trailer's count and hash, that nothing
 * follows the trailer, every field of every record, and finally every invariant of the image; any
 * failure is a {@link SnapshotFormatException} naming the offset and the problem, and no partial
 * image ever comes out.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotCodec {

    public static final int FORMAT_VERSION = 1;
    /** Largest frame a reader accepts. */
    public static final int MAX_FRAME_BYTES = 16 << 20;

    private static final byte[] MAGIC = "MRDNSNAP".getBytes(StandardCharsets.US_ASCII);

    private SnapshotCodec() {
    }

    /** Writes the image and returns its digest. Does not close the stream. */
    public static StateDigest write(MetadataImage image, OutputStream out) throws IOException {
        Writer writer = new Writer(out);
        writer.writeHeader(image);
        for (Node node : image.topology().nodes().values()) {
            writer.frame(SnapshotRecord.newBuilder().setNode(RecordCodec.toProto(node)).build());
        }
        for (ReplicaGroup group : image.routing().groups().values()) {
            writer.frame(SnapshotRecord.newBuilder().setGroup(RecordCodec.toProto(group)).build());
        }
        for (Shard shard : image.routing().shards().values()) {
            writer.frame(SnapshotRecord.newBuilder().setShard(RecordCodec.toProto(shard)).build());
        }
        for (Migration migration : image.migrations().all().values()) {
            writer.frame(SnapshotRecord.newBuilder().setMigration(RecordCodec.toProto(migration)).build());
        }
        for (JoinToken token : image.joinTokens().all().values()) {
            writer.frame(SnapshotRecord.newBuilder().setJoinToken(RecordCodec.toProto(token)).build());
        }
        for (GhostTableStats table : image.ghosts().tables().values()) {
            writer.frame(SnapshotRecord.newBuilder().setGhostTable(RecordCodec.toProto(table)).build());
        }
        for (GhostStub stub : image.ghosts().stubs().values()) {
            writer.frame(SnapshotRecord.newBuilder().setGhostStub(RecordCodec.toProto(stub)).build());
        }
        for (EdgeCacheNode node : image.edgeCache().nodes().values()) {
            writer.frame(SnapshotRecord.newBuilder().setEdgeCacheNode(RecordCodec.toProto(node)).build());
        }
        for (Map.Entry<String, TreePMap<String, TreePSet<Long>>> entry : image.capabilities().advertised().entrySet()) {
            writer.frame(SnapshotRecord.newBuilder()
                    .setNodeCapabilities(RecordCodec.toProto(entry.getKey(), entry.getValue())).build());
        }
        writer.frame(SnapshotRecord.newBuilder().setSchedulerConfig(image.scheduler().toSnapshotRecord()).build());
        for (CatalogEntry entry : image.catalog().entries().values()) {
            writer.frame(SnapshotRecord.newBuilder().setCatalogEntry(RecordCodec.toProto(entry)).build());
        }
        for (Session session : image.sessions().sessions().values()) {
            writer.frame(SnapshotRecord.newBuilder().setClientSession(RecordCodec.toProto(session)).build());
        }
        // Entry-format 6. Both sections are left out while empty, so a snapshot of a state without
        // them has the bytes (and the digest) it had before they existed.
        for (AccessBinding binding : image.access().bindings().values()) {
            writer.frame(SnapshotRecord.newBuilder().setAccessBinding(RecordCodec.toProto(binding)).build());
        }
        AuditTrail audit = image.audit();
        if (!audit.isPristine()) {
            writer.frame(SnapshotRecord.newBuilder().setAuditAnchor(AuditAnchor.newBuilder()
                    .setHash(audit.anchor()).setDropped(audit.dropped())).build());
            for (AuditRecord record : audit.records().values()) {
                writer.frame(SnapshotRecord.newBuilder().setAuditRecord(record).build());
            }
        }
        return writer.finish();
    }

    /** The image's snapshot as bytes. */
    public static byte[] toBytes(MetadataImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(image, out);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** The image's digest, computed by writing its snapshot to nowhere. */
    public static StateDigest digest(MetadataImage image) {
        try {
            return write(image, OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new IllegalStateException("writing to nowhere failed", e);
        }
    }

    /** Reads an image; the stream must hold exactly one snapshot. Does not close the stream. */
    public static MetadataImage read(InputStream in) throws IOException {
        return new Reader(in).read();
    }

    /** Reads an image from bytes. */
    public static MetadataImage fromBytes(byte[] bytes) throws SnapshotFormatException {
        try {
            return read(new ByteArrayInputStream(bytes));
        } catch (SnapshotFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory failed", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** Frames records onto the stream and hashes every byte it writes. */
    private static final class Writer {
        private final OutputStream out;
        private final MessageDigest digest = sha256();
        private final ByteBuffer word = ByteBuffer.allocate(4);
        private long records;

        Writer(OutputStream target) throws IOException {
            this.out = new BufferedOutputStream(target, 1 << 16);
            put(MAGIC);
            putInt(FORMAT_VERSION);
        }

        void writeHeader(MetadataImage image) throws IOException {
            Provenance provenance = image.provenance();
            VoterPolicy policy = image.topology().voterPolicy();
            SnapshotHeader.Builder header = SnapshotHeader.newBuilder();
            if (!policy.defaultPromotion()) {
                header.setPromoteLagEntries(policy.promoteLagEntries()).setPromoteAfterMs(policy.promoteAfterMs());
            }
            frame(SnapshotRecord.newBuilder().setHeader(header
                    .setTerm(provenance.term())
                    .setIndex(provenance.index())
                    .setLogicalTimeMs(provenance.logicalTimeMs())
                    .setBootstrapped(image.topology().bootstrapped())
                    .setMinVoters(policy.minVoters())
                    .setTargetVoters(policy.targetVoters())
                    .setAutoPromote(policy.autoPromote())
                    .setRoutingVersion(image.routing().version())
                    .setNextShardId(image.routing().nextShardId())
                    .setNextGroupId(image.routing().nextGroupId())
                    .setNextMigrationId(image.migrations().nextMigrationId())
                    .setCatalogVersion(image.catalog().version()))
                    .build());
        }

        void frame(SnapshotRecord record) throws IOException {
            byte[] bytes = record.toByteArray();
            putInt(bytes.length);
            put(bytes);
            putInt(crc32c(bytes));
            records++;
        }

        StateDigest finish() throws IOException {
            byte[] hash = digest.digest();
            byte[] trailer = SnapshotRecord.newBuilder().setTrailer(SnapshotTrailer.newBuilder()
                    .setRecordCount(records)
                    .setSha256(ByteString.copyFrom(hash)))
                    .build().toByteArray();
            word.clear();
            out.write(word.putInt(0, trailer.length).array());
            out.write(trailer);
            out.write(word.putInt(0, crc32c(trailer)).array());
            out.flush();
            return new StateDigest(hash);
        }

        private void put(byte[] bytes) throws IOException {
            out.write(bytes);
            digest.update(bytes);
        }

        private void putInt(int value) throws IOException {
            put(word.putInt(0, value).array());
        }
    }

    /** Reads frames, checking each, and assembles the image once the trailer checks out. */
    private static final class Reader {
        private final DataInputStream in;
        private final MessageDigest digest = sha256();
        private long offset;
        private long records;
        private int section;
        private SnapshotHeader header;
        private SchedulerConfig scheduler;
        // Each section arrives sorted by key (checked as it arrives), so each becomes its
        // persistent map in one linear pass at the end.
        private final SortedRun<String, Node> nodes = new SortedRun<>();
        private final SortedRun<Long, ReplicaGroup> groups = new SortedRun<>();
        private final SortedRun<Long, Shard> shards = new SortedRun<>(1 << 10);
        private final SortedRun<Long, Migration> migrations = new SortedRun<>();
        private final SortedRun<TokenHash, JoinToken> tokens = new SortedRun<>();
        private final SortedRun<Long, GhostTableStats> ghostTables = new SortedRun<>();
        private final SortedRun<GhostKey, GhostStub> ghostStubs = new SortedRun<>();
        private final SortedRun<String, EdgeCacheNode> edgeNodes = new SortedRun<>();
        private final SortedRun<String, TreePMap<String, TreePSet<Long>>> capabilities = new SortedRun<>();
        private final SortedRun<Long, CatalogEntry> catalog = new SortedRun<>();
        private final SortedRun<ClientId, Session> sessions = new SortedRun<>();
        private final SortedRun<String, AccessBinding> bindings = new SortedRun<>();
        private AuditAnchor auditAnchor;
        private final SortedRun<Long, AuditRecord> auditRecords = new SortedRun<>();
        private final byte[] word = new byte[4];
        /** The frame read last, as it is in the file: length, record, checksum. */
        private byte[] frame = new byte[1 << 12];

        Reader(InputStream source) {
            this.in = new DataInputStream(new BufferedInputStream(source, 1 << 16));
        }

        MetadataImage read() throws IOException {
            byte[] magic = readBytes(MAGIC.length, "the magic");
            if (!Arrays.equals(magic, MAGIC)) {
                throw new SnapshotFormatException("not a Meridian snapshot: it does not start with \"MRDNSNAP\"");
            }
            int version = readInt("the format version");
            digest.update(magic);
            digest.update(ByteBuffer.allocate(4).putInt(version).array());
            if (version != FORMAT_VERSION) {
                throw new SnapshotFormatException("snapshot format version " + Integer.toUnsignedString(version)
                        + " is not supported (this version reads " + FORMAT_VERSION + ")");
            }
            while (true) {
                long frameOffset = offset;
                int length = readFrame();
                SnapshotRecord record;
                try {
                    record = SnapshotRecord.parser().parseFrom(frame, 4, length);
                } catch (InvalidProtocolBufferException e) {
                    throw new SnapshotFormatException(where(frameOffset) + "record does not parse: " + e.getMessage(),
                            e);
                }
                if (record.getRecordCase() == SnapshotRecord.RecordCase.TRAILER) {
                    checkTrailer(record.getTrailer(), frameOffset);
                    return assemble();
                }
                // Exactly as the writer hashed it: length, record, checksum.
                digest.update(frame, 0, length + 8);
                try {
                    accept(record, frameOffset);
                } catch (IllegalArgumentException e) {
                    throw new SnapshotFormatException(where(frameOffset) + record.getRecordCase().name().toLowerCase(
                            Locale.ROOT) + " record is invalid: " + e.getMessage(), e);
                }
                records++;
            }
        }

        private void accept(SnapshotRecord record, long frameOffset) throws SnapshotFormatException {
            int kind = record.getRecordCase().getNumber();
            if (record.getRecordCase() == SnapshotRecord.RecordCase.RECORD_NOT_SET) {
                throw new SnapshotFormatException(where(frameOffset) + "record of an unknown kind");
            }
            if (records == 0 && record.getRecordCase() != SnapshotRecord.RecordCase.HEADER) {
                throw new SnapshotFormatException(where(frameOffset) + "the first record is not the header");
            }
            if (kind < section || (kind == section && kind == SnapshotRecord.HEADER_FIELD_NUMBER)
                    || (kind == section && kind == SnapshotRecord.SCHEDULER_CONFIG_FIELD_NUMBER)
                    || (kind == section && kind == SnapshotRecord.AUDIT_ANCHOR_FIELD_NUMBER)) {
                throw new SnapshotFormatException(where(frameOffset) + record.getRecordCase() + " record out of order");
            }
            if (kind == SnapshotRecord.AUDIT_RECORD_FIELD_NUMBER && auditAnchor == null) {
                throw new SnapshotFormatException(where(frameOffset) + "audit record before the audit anchor");
            }
            section = kind;
            switch (record.getRecordCase()) {
                case HEADER -> header = record.getHeader();
                case NODE -> put(nodes, RecordCodec.fromProto(record.getNode()), Node::id, frameOffset);
                case GROUP -> put(groups, RecordCodec.fromProto(record.getGroup()), ReplicaGroup::id, frameOffset);
                case SHARD -> put(shards, RecordCodec.fromProto(record.getShard()), Shard::id, frameOffset);
                case MIGRATION -> put(migrations, RecordCodec.fromProto(record.getMigration()), Migration::id,
                        frameOffset);
                case JOIN_TOKEN -> put(tokens, RecordCodec.fromProto(record.getJoinToken()), JoinToken::hash,
                        frameOffset);
                case GHOST_TABLE -> put(ghostTables, RecordCodec.fromProto(record.getGhostTable()),
                        GhostTableStats::sourceShard, frameOffset);
                case GHOST_STUB -> put(ghostStubs, RecordCodec.fromProto(record.getGhostStub()), GhostStub::key,
                        frameOffset);
                case EDGE_CACHE_NODE -> put(edgeNodes, RecordCodec.fromProto(record.getEdgeCacheNode()),
                        EdgeCacheNode::nodeId, frameOffset);
                case NODE_CAPABILITIES -> {
                    String nodeId = record.getNodeCapabilities().getNodeId();
                    TreePMap<String, TreePSet<Long>> values = RecordCodec.fromProto(record.getNodeCapabilities());
                    if (!capabilities.add(nodeId, values)) {
                        throw new SnapshotFormatException(where(frameOffset) + "capabilities of " + nodeId
                                + " out of order");
                    }
                }
                case SCHEDULER_CONFIG -> scheduler = SchedulerConfig.fromProto(record.getSchedulerConfig());
                case CATALOG_ENTRY -> put(catalog, RecordCodec.fromProto(record.getCatalogEntry()),
                        CatalogEntry::version, frameOffset);
                case CLIENT_SESSION -> put(sessions, RecordCodec.fromProto(record.getClientSession()), Session::id,
                        frameOffset);
                case ACCESS_BINDING -> put(bindings, RecordCodec.fromProto(record.getAccessBinding()),
                        AccessBinding::identity, frameOffset);
                case AUDIT_ANCHOR -> auditAnchor = record.getAuditAnchor();
                case AUDIT_RECORD -> put(auditRecords, RecordCodec.fromProto(record.getAuditRecord()),
                        AuditRecord::getIndex, frameOffset);
                case TRAILER, RECORD_NOT_SET -> throw new IllegalStateException("handled above");
            }
        }

        /** Adds a record to its section, whose keys must strictly increase. */
        private <K extends Comparable<K>, V> void put(
                SortedRun<K, V> section, V value, Function<V, K> key, long frameOffset)
                throws SnapshotFormatException {
            K k = key.apply(value);
            if (!section.add(k, value)) {
                throw new SnapshotFormatException(where(frameOffset) + "key " + k + " is out of order or repeated");
            }
        }

        private void checkTrailer(SnapshotTrailer trailer, long frameOffset) throws IOException {
            if (trailer.getRecordCount() != records) {
                throw new SnapshotFormatException(where(frameOffset) + "trailer counts " + trailer.getRecordCount()
                        + " records, the snapshot has " + records);
            }
            byte[] actual = digest.digest();
            if (!Arrays.equals(actual, trailer.getSha256().toByteArray())) {
                throw new SnapshotFormatException(where(frameOffset) + "SHA-256 of the snapshot does not match its "
                        + "trailer: the snapshot is corrupt");
            }
            if (in.read() != -1) {
                throw new SnapshotFormatException("bytes follow the trailer at offset " + offset);
            }
            if (header == null || scheduler == null) {
                throw new SnapshotFormatException(
                        "snapshot has no " + (header == null ? "header" : "scheduler config"));
            }
            if (auditAnchor != null && auditRecords.size() == 0) {
                throw new SnapshotFormatException("snapshot has an audit anchor but no audit records");
            }
        }

        private MetadataImage assemble() throws SnapshotFormatException {
            try {
                TopologyImage topology = new TopologyImage(nodes.toTreePMap(), header.getBootstrapped(),
                        new VoterPolicy(header.getMinVoters(), header.getTargetVoters(), header.getAutoPromote(),
                                header.hasPromoteLagEntries() ? header.getPromoteLagEntries()
                                        : VoterPolicy.DEFAULT_PROMOTE_LAG_ENTRIES,
                                header.hasPromoteAfterMs() ? header.getPromoteAfterMs()
                                        : VoterPolicy.DEFAULT_PROMOTE_AFTER_MS));
                RoutingImage routing = RoutingImage.of(shards.toTreePMap(), groups.toTreePMap(),
                        header.getRoutingVersion(), header.getNextShardId(), header.getNextGroupId());
                TreePMap<String, TreePMap<String, TreePSet<Long>>> advertised = capabilities.toTreePMap();
                MetadataImage image = new MetadataImage(
                        new Provenance(header.getTerm(), header.getIndex(), header.getLogicalTimeMs()),
                        topology,
                        routing,
                        MigrationsImage.of(migrations.toTreePMap(), header.getNextMigrationId()),
                        new JoinTokensImage(tokens.toTreePMap()),
                        new GhostsImage(ghostStubs.toTreePMap(), ghostTables.toTreePMap()),
                        new EdgeCacheImage(edgeNodes.toTreePMap()),
                        new CapabilitiesImage(advertised, CapabilitiesImage.negotiate(topology, advertised)),
                        scheduler,
                        new CatalogImage(catalog.toTreePMap(), header.getCatalogVersion()),
                        SessionsImage.of(sessions.toTreePMap()),
                        new AccessTable(bindings.toTreePMap()),
                        auditAnchor == null ? AuditTrail.EMPTY : new AuditTrail(auditAnchor.getHash(),
                                nonNegative("audit records dropped", auditAnchor.getDropped()),
                                auditRecords.toTreePMap()));
                Invariants.check(image);
                return image;
            } catch (IllegalArgumentException | InvariantViolation e) {
                throw new SnapshotFormatException("snapshot at index " + header.getIndex() + " describes an impossible "
                        + "state: " + e.getMessage(), e);
            }
        }

        private static long nonNegative(String field, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(field + " is out of range: " + Long.toUnsignedString(value));
            }
            return value;
        }

        /**
         * Reads the next frame into {@link #frame} (length, record, checksum, as in the file) after
         * checking the record against its checksum, and returns the record's length. The buffer is
         * reused from frame to frame: parsing copies what it keeps.
         */
        private int readFrame() throws IOException {
            long frameOffset = offset;
            int length = readInt("a frame length");
            if (length < 0 || length > MAX_FRAME_BYTES) {
                throw new SnapshotFormatException(where(frameOffset) + "frame length "
                        + Integer.toUnsignedString(length) + " is out of bounds (at most " + MAX_FRAME_BYTES + ")");
            }
            if (frame.length < length + 8) {
                frame = Arrays.copyOf(frame, Math.max(length + 8, frame.length * 2));
            }
            System.arraycopy(word, 0, frame, 0, 4);
            readFully(frame, 4, length, "a frame");
            int crc = readInt("a frame checksum");
            System.arraycopy(word, 0, frame, 4 + length, 4);
            CRC32C actual = new CRC32C();
            actual.update(frame, 4, length);
            if (crc != (int) actual.getValue()) {
                throw new SnapshotFormatException(where(frameOffset) + "CRC32C of the record does not match: the "
                        + "snapshot is corrupt");
            }
            return length;
        }

        private int readInt(String what) throws IOException {
            readFully(word, 0, 4, what);
            return (word[0] & 0xff) << 24 | (word[1] & 0xff) << 16 | (word[2] & 0xff) << 8 | (word[3] & 0xff);
        }

        private byte[] readBytes(int count, String what) throws IOException {
            byte[] bytes = new byte[count];
            readFully(bytes, 0, count, what);
            return bytes;
        }

        private void readFully(byte[] bytes, int from, int count, String what) throws IOException {
            try {
                in.readFully(bytes, from, count);
            } catch (EOFException e) {
                throw new SnapshotFormatException("snapshot is truncated: it ends at offset " + offset + " inside "
                        + what + (records == 0 ? "" : " after record " + records), e);
            }
            offset += count;
        }

        private String where(long frameOffset) {
            return "record " + (records + 1) + " at offset " + frameOffset + ": ";
        }
    }
}
