package io.meridian.node;

import io.meridian.core.Validation;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How to run one node: who it is, where it keeps its data, where it listens, the initial members
 * of the cluster (for a first start) and the Raft settings.
 *
 * <p>Immutable and thread-safe.
 *
 * @param initialPeers the raft addresses of the cluster's initial members by node id, this node
 *     included; needed on a first start only (a restart reads the membership from its data)
 * @param clusterName names the metadata group; nodes of one cluster must agree on it
 */
public record NodeConfig(
        String nodeId,
        Path dataDir,
        HostPort raftAddress,
        HostPort apiAddress,
        SortedMap<String, String> initialPeers,
        SortedMap<String, String> labels,
        String clusterName,
        RaftTuning tuning,
        String softwareVersion) {

    public static final String DEFAULT_CLUSTER_NAME = "meridian";
    public static final String SOFTWARE_VERSION = "0.1.0";

    public NodeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(raftAddress, "raftAddress");
        Objects.requireNonNull(apiAddress, "apiAddress");
        Objects.requireNonNull(tuning, "tuning");
        Validation.nodeId("node id", nodeId).ifPresent(r -> {
            throw new IllegalArgumentException(r.message());
        });
        Validation.labels("labels", io.meridian.core.topology.Labels.toProto(labels)).ifPresent(r -> {
            throw new IllegalArgumentException(r.message());
        });
        Validation.softwareVersion("software version", softwareVersion).ifPresent(r -> {
            throw new IllegalArgumentException(r.message());
        });
        if (clusterName.isEmpty() || !Validation.isNodeId(clusterName)) {
            throw new IllegalArgumentException("cluster name '" + Validation.printable(clusterName)
                    + "' is not valid: use letters, digits, '.', '_' or '-'");
        }
        for (Map.Entry<String, String> peer : initialPeers.entrySet()) {
            Validation.nodeId("peer id", peer.getKey()).ifPresent(r -> {
                throw new IllegalArgumentException(r.message());
            });
            HostPort.parse("raft address of peer " + peer.getKey(), peer.getValue());
        }
        if (!initialPeers.isEmpty() && !initialPeers.containsKey(nodeId)) {
            throw new IllegalArgumentException("the initial peers " + initialPeers.keySet() + " do not include this "
                    + "node, " + nodeId);
        }
        if (!initialPeers.isEmpty() && !initialPeers.get(nodeId).equals(raftAddress.toString())) {
            throw new IllegalArgumentException("the initial peers give " + nodeId + " the raft address "
                    + initialPeers.get(nodeId) + ", but it listens on " + raftAddress);
        }
        initialPeers = Collections.unmodifiableSortedMap(new TreeMap<>(initialPeers));
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static Builder builder(String nodeId) {
        return new Builder(nodeId);
    }

    public Builder toBuilder() {
        Builder builder = new Builder(nodeId);
        builder.dataDir = dataDir;
        builder.raftAddress = raftAddress;
        builder.apiAddress = apiAddress;
        builder.initialPeers = new TreeMap<>(initialPeers);
        builder.labels = new TreeMap<>(labels);
        builder.clusterName = clusterName;
        builder.tuning = tuning;
        builder.softwareVersion = softwareVersion;
        return builder;
    }

    /** Builds a configuration; unset parts take their defaults. */
    public static final class Builder {
        private final String nodeId;
        private Path dataDir;
        private HostPort raftAddress;
        private HostPort apiAddress;
        private SortedMap<String, String> initialPeers = new TreeMap<>();
        private SortedMap<String, String> labels = new TreeMap<>();
        private String clusterName = DEFAULT_CLUSTER_NAME;
        private RaftTuning tuning = RaftTuning.DEFAULT;
        private String softwareVersion = SOFTWARE_VERSION;

        private Builder(String nodeId) {
            this.nodeId = nodeId;
        }

        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        public Builder raftAddress(HostPort value) {
            raftAddress = value;
            return this;
        }

        public Builder apiAddress(HostPort value) {
            apiAddress = value;
            return this;
        }

        public Builder initialPeers(Map<String, String> value) {
            initialPeers = new TreeMap<>(value);
            return this;
        }

        public Builder labels(Map<String, String> value) {
            labels = new TreeMap<>(value);
            return this;
        }

        public Builder clusterName(String value) {
            clusterName = value;
            return this;
        }

        public Builder tuning(RaftTuning value) {
            tuning = value;
            return this;
        }

        public Builder softwareVersion(String value) {
            softwareVersion = value;
            return this;
        }

        public NodeConfig build() {
            return new NodeConfig(nodeId, dataDir, raftAddress, apiAddress, initialPeers, labels, clusterName, tuning,
                    softwareVersion);
        }
    }
}
