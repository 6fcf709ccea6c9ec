package io.meridian.node;

import io.meridian.core.Validation;
import io.meridian.core.capability.CapabilityAd;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.topology.RaftRole;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * @param joinEndpoints api addresses of a running cluster this node joins (instead of initial
 *     peers); empty for a node that does not join
 * @param joinToken the token the node presents when it joins; empty when it already joined
 * @param joinRole the role the node asks to join for: VOTER (promoted once caught up) or LEARNER
 * @param capabilities what the node advertises it supports; this build's by default
 * @param security the node's TLS files and the CA key it may sign with; insecure by default
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
        String softwareVersion,
        List<HostPort> joinEndpoints,
        Optional<Secret> joinToken,
        RaftRole joinRole,
        CapabilityAd capabilities,
        NodeSecurity security) {

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
        Objects.requireNonNull(joinToken, "joinToken");
        Objects.requireNonNull(joinRole, "joinRole");
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(security, "security");
        joinEndpoints = List.copyOf(joinEndpoints);
        if (!initialPeers.isEmpty() && !joinEndpoints.isEmpty()) {
            throw new IllegalArgumentException("a node either starts a cluster with initial peers or joins one; "
                    + "not both");
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
        builder.joinEndpoints = joinEndpoints;
        builder.joinToken = joinToken;
        builder.joinRole = joinRole;
        builder.capabilities = capabilities;
        builder.security = security;
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
        private List<HostPort> joinEndpoints = List.of();
        private Optional<Secret> joinToken = Optional.empty();
        private RaftRole joinRole = RaftRole.VOTER;
        private CapabilityAd capabilities = CapabilityCatalog.localAdvertisement();
        private NodeSecurity security = NodeSecurity.INSECURE;

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

        /** Join the cluster at these api addresses, presenting this token (none when already joined). */
        public Builder join(List<HostPort> endpoints, Optional<Secret> token) {
            joinEndpoints = List.copyOf(endpoints);
            joinToken = token;
            return this;
        }

        public Builder joinRole(RaftRole value) {
            joinRole = value;
            return this;
        }

        /** What the node advertises; tests use it to play an older version. */
        public Builder capabilities(CapabilityAd value) {
            capabilities = value;
            return this;
        }

        public Builder security(NodeSecurity value) {
            security = value;
            return this;
        }

        public NodeConfig build() {
            return new NodeConfig(nodeId, dataDir, raftAddress, apiAddress, initialPeers, labels, clusterName, tuning,
                    softwareVersion, joinEndpoints, joinToken, joinRole, capabilities, security);
        }
    }
}
