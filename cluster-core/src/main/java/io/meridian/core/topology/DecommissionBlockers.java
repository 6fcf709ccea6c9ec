package io.meridian.core.topology;

import io.meridian.core.MetadataImage;
import io.meridian.core.migration.Migration;
import io.meridian.core.routing.ReplicaGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * What keeps a node from finishing its decommission: the groups holding shards it is a replica
 * of, the groups it leads, and the migrations in flight that move a replica from or to it. The
 * scheduler drains these; an operator sees them in the node list.
 *
 * <p>Immutable and thread-safe.
 */
public record DecommissionBlockers(List<Long> replicaGroups, List<Long> ledGroups, List<Long> migrations) {

    public DecommissionBlockers {
        replicaGroups = List.copyOf(replicaGroups);
        ledGroups = List.copyOf(ledGroups);
        migrations = List.copyOf(migrations);
    }

    /** The blockers of a node in this image; groups holding no shard do not block. */
    public static DecommissionBlockers of(MetadataImage image, String nodeId) {
        List<Long> replicas = new ArrayList<>();
        List<Long> led = new ArrayList<>();
        for (ReplicaGroup group : image.routing().groups().values()) {
            if (group.isMember(nodeId) && image.routing().shardCount(group.id()) > 0) {
                replicas.add(group.id());
                if (group.leader().equals(nodeId)) {
                    led.add(group.id());
                }
            }
        }
        List<Long> migrations = new ArrayList<>();
        for (Migration migration : image.migrations().activeInvolving(nodeId)) {
            migrations.add(migration.id());
        }
        return new DecommissionBlockers(replicas, led, migrations);
    }

    public boolean isEmpty() {
        return replicaGroups.isEmpty() && ledGroups.isEmpty() && migrations.isEmpty();
    }

    /** "replica in groups 1,4; leads group 1; migrations 7 in flight", or "nothing". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (!replicaGroups.isEmpty()) {
            parts.add("replica in group" + (replicaGroups.size() > 1 ? "s " : " ") + join(replicaGroups));
        }
        if (!ledGroups.isEmpty()) {
            parts.add("leads group" + (ledGroups.size() > 1 ? "s " : " ") + join(ledGroups));
        }
        if (!migrations.isEmpty()) {
            parts.add("migration" + (migrations.size() > 1 ? "s " : " ") + join(migrations) + " in flight");
        }
        return parts.isEmpty() ? "nothing" : String.join("; ", parts);
    }

    private static String join(List<Long> ids) {
        StringBuilder out = new StringBuilder();
        for (Long id : ids) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(id);
        }
        return out.toString();
    }
}
