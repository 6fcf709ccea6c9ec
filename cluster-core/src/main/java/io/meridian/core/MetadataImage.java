package io.meridian.core;

import io.meridian.core.access.AccessTable;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.capability.CapabilitiesImage;
import io.meridian.core.catalog.CatalogImage;
import io.meridian.core.edgecache.EdgeCacheImage;
import io.meridian.core.ghost.GhostsImage;
import io.meridian.core.migration.MigrationsImage;
import io.meridian.core.placement.SchedulerConfig;
import io.meridian.core.routing.RoutingImage;
import io.meridian.core.session.SessionsImage;
import io.meridian.core.token.JoinTokensImage;
import io.meridian.core.topology.TopologyImage;
import java.util.Objects;

/**
 * The whole replicated state at one log index: one immutable image per area under a root that
 * records the term, index and logical time it reflects.
 *
 * <p>Applying an entry makes a new root that shares every untouched area, and inside an area every
 * untouched part of its persistent maps, with the previous one; so an image can be published to
 * readers and written to a snapshot while the next entries are applied. Immutable and thread-safe.
 */
public record MetadataImage(
        Provenance provenance,
        TopologyImage topology,
        RoutingImage routing,
        MigrationsImage migrations,
        JoinTokensImage joinTokens,
        GhostsImage ghosts,
        EdgeCacheImage edgeCache,
        CapabilitiesImage capabilities,
        SchedulerConfig scheduler,
        CatalogImage catalog,
        SessionsImage sessions,
        AccessTable access,
        AuditTrail audit) {

    /** The state of a cluster before its first entry. */
    public static final MetadataImage EMPTY = new MetadataImage(
            Provenance.INITIAL,
            TopologyImage.EMPTY,
            RoutingImage.EMPTY,
            MigrationsImage.EMPTY,
            JoinTokensImage.EMPTY,
            GhostsImage.EMPTY,
            EdgeCacheImage.EMPTY,
            CapabilitiesImage.EMPTY,
            SchedulerConfig.DEFAULT,
            CatalogImage.EMPTY,
            SessionsImage.EMPTY,
            AccessTable.EMPTY,
            AuditTrail.EMPTY);

    public MetadataImage {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(migrations, "migrations");
        Objects.requireNonNull(joinTokens, "joinTokens");
        Objects.requireNonNull(ghosts, "ghosts");
        Objects.requireNonNull(edgeCache, "edgeCache");
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(audit, "audit");
    }

    /** The index of the last entry this image reflects. */
    public long index() {
        return provenance.index();
    }

    /** The cluster's logical time (ms since the epoch) at this image. */
    public long logicalTimeMs() {
        return provenance.logicalTimeMs();
    }

    public MetadataImage withProvenance(Provenance value) {
        return new MetadataImage(value, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withTopology(TopologyImage value) {
        return new MetadataImage(provenance, value, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withRouting(RoutingImage value) {
        return new MetadataImage(provenance, topology, value, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withMigrations(MigrationsImage value) {
        return new MetadataImage(provenance, topology, routing, value, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withJoinTokens(JoinTokensImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, value, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withGhosts(GhostsImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, value, edgeCache,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withEdgeCache(EdgeCacheImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, value,
                capabilities, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withCapabilities(CapabilitiesImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                value, scheduler, catalog, sessions, access, audit);
    }

    public MetadataImage withScheduler(SchedulerConfig value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, value, catalog, sessions, access, audit);
    }

    public MetadataImage withCatalog(CatalogImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, value, sessions, access, audit);
    }

    public MetadataImage withSessions(SessionsImage value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, value, access, audit);
    }

    public MetadataImage withAccess(AccessTable value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, value, audit);
    }

    public MetadataImage withAudit(AuditTrail value) {
        return new MetadataImage(provenance, topology, routing, migrations, joinTokens, ghosts, edgeCache,
                capabilities, scheduler, catalog, sessions, access, value);
    }

    /** A one-line summary; the full contents of a large image are far too big to print. */
    @Override
    public String toString() {
        return "MetadataImage{term=" + provenance.term() + ", index=" + provenance.index()
                + ", nodes=" + topology.nodes().size() + ", groups=" + routing.groups().size()
                + ", shards=" + routing.shards().size() + ", routingVersion=" + routing.version()
                + ", migrations=" + migrations.all().size() + ", tokens=" + joinTokens.all().size()
                + ", ghosts=" + ghosts.stubs().size() + ", edgeCaches=" + edgeCache.nodes().size()
                + ", catalogVersion=" + catalog.version() + ", sessions=" + sessions.sessions().size() + ", accessBindings=" + access.size()
                + ", auditRecords=" + audit.records().size() + "}";
    }
}
