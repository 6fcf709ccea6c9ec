package io.meridian.core;

import io.meridian.core.access.AccessTable;
import io.meridian.core.capability.CapabilitiesImage;
import io.meridian.core.catalog.CatalogImage;
import io.meridian.core.edgecache.EdgeCacheImage;
import io.meridian.core.ghost.GhostsImage;
import io.meridian.core.migration.MigrationsImage;
import io.meridian.core.placement.SchedulerConfig;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.token.JoinTokensImage;
import io.meridian.core.topology.TopologyImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The working state of one entry being applied: the image as changed so far, the changes
 * recorded, the entry's index and the logical time. Appliers read and replace areas through it;
 * the dispatcher keeps its image only when the whole entry (a whole batch) was applied, so a
 * rejection anywhere discards everything the entry did.
 *
 * <p>Not thread-safe: one entry is applied by one thread.
 */
public final class Tx {

    private MetadataImage image;
    private final int entryFormat;
    private final String callerIdentity;
    private final List<Change> changes = new ArrayList<>();

    /**
     * @param entryFormat the entry format the leader stamped on the entry (0 before entry-format 5):
     *     apply rules a release adds switch on it
     */
    public Tx(MetadataImage start, int entryFormat) {
        this(start, entryFormat, "");
    }

    /**
     * @param entryFormat the entry format the leader stamped on the entry (0 before entry-format 5):
     *     apply rules a release adds switch on it
     * @param callerIdentity the identity of the caller the entry names (entry-format 6), empty when it
     *     names none: the node proposed it on its own behalf
     */
    public Tx(MetadataImage start, int entryFormat, String callerIdentity) {
        this.image = start;
        this.entryFormat = entryFormat;
        this.callerIdentity = Objects.requireNonNull(callerIdentity, "callerIdentity");
    }

    /** The identity of the entry's caller; empty when it has none (a node's own proposal). */
    public String callerIdentity() {
        return callerIdentity;
    }

    /** Whether the entry was admitted at this entry format or later (stamped from entry-format 5 on). */
    public boolean admittedAt(int format) {
        return entryFormat >= format;
    }

    public MetadataImage image() {
        return image;
    }

    /** The log index of the entry being applied. */
    public long index() {
        return image.provenance().index();
    }

    /** The logical time of the entry being applied (ms since the epoch). */
    public long now() {
        return image.provenance().logicalTimeMs();
    }

    public List<Change> changes() {
        return List.copyOf(changes);
    }

    /**
     * Records a fact the entry changed. The description is a {@link java.util.Formatter} format
     * whose arguments must be immutable; it is formatted only when read.
     */
    public void changed(Area area, Object subject, String description, Object... args) {
        changes.add(new Change(area, String.valueOf(subject), description, args));
    }

    public TopologyImage topology() {
        return image.topology();
    }

    public void topology(TopologyImage value) {
        image = image.withTopology(value);
    }

    public RoutingImage routing() {
        return image.routing();
    }

    public void routing(RoutingImage value) {
        image = image.withRouting(value);
    }

    public MigrationsImage migrations() {
        return image.migrations();
    }

    public void migrations(MigrationsImage value) {
        image = image.withMigrations(value);
    }

    public JoinTokensImage joinTokens() {
        return image.joinTokens();
    }

    public void joinTokens(JoinTokensImage value) {
        image = image.withJoinTokens(value);
    }

    public GhostsImage ghosts() {
        return image.ghosts();
    }

    public void ghosts(GhostsImage value) {
        image = image.withGhosts(value);
    }

    public EdgeCacheImage edgeCache() {
        return image.edgeCache();
    }

    public void edgeCache(EdgeCacheImage value) {
        image = image.withEdgeCache(value);
    }

    public CapabilitiesImage capabilities() {
        return image.capabilities();
    }

    public void capabilities(CapabilitiesImage value) {
        image = image.withCapabilities(value);
    }

    public SchedulerConfig scheduler() {
        return image.scheduler();
    }

    public void scheduler(SchedulerConfig value) {
        image = image.withScheduler(value);
    }

    public CatalogImage catalog() {
        return image.catalog();
    }

    public void catalog(CatalogImage value) {
        image = image.withCatalog(value);
    }

    public AccessTable access() {
        return image.access();
    }

    public void access(AccessTable value) {
        image = image.withAccess(value);
    }
}
