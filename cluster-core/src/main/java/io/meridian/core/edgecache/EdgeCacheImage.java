package io.meridian.core.edgecache;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The nodes eligible for edge caching, by node id.
 *
 * <p>Immutable and thread-safe.
 */
public record EdgeCacheImage(TreePMap<String, EdgeCacheNode> nodes) {

    public static final EdgeCacheImage EMPTY = new EdgeCacheImage(TreePMap.empty());

    public EdgeCacheImage {
        Objects.requireNonNull(nodes, "nodes");
    }

    public Optional<EdgeCacheNode> node(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** The eligible nodes in this geo (all of them when geo is empty), by node id. */
    public List<EdgeCacheNode> list(String geo) {
        List<EdgeCacheNode> out = new ArrayList<>();
        for (EdgeCacheNode node : nodes.values()) {
            if (geo.isEmpty() || geo.equals(node.capacity().geo())) {
                out.add(node);
            }
        }
        return out;
    }

    public EdgeCacheImage with(EdgeCacheNode node) {
        return new EdgeCacheImage(nodes.plus(node.nodeId(), node));
    }

    public EdgeCacheImage without(String nodeId) {
        return new EdgeCacheImage(nodes.minus(nodeId));
    }
}
