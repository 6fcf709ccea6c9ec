package io.meridian.core;

/** The areas of the replicated state; every {@link Change} names the one it touched. */
public enum Area {
    TOPOLOGY,
    ROUTING,
    MIGRATION,
    JOIN_TOKEN,
    GHOST,
    EDGE_CACHE,
    CAPABILITY,
    SCHEDULER,
    CATALOG,
    ACCESS
}
