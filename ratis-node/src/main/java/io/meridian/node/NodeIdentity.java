package io.meridian.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.meridian.security.TlsFiles;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a data directory remembers about its node, in {@code node.properties}: its id, cluster,
 * addresses, labels, and the initial members or the api addresses it joined through, so a
 * restart needs none of them on the command line and a data directory is never started as
 * another node; and where its TLS files are (paths only: never a key, never a join token).
 *
 * <p>Immutable and thread-safe.
 */
public record NodeIdentity(
        String nodeId, String clusterName, String raftAddress, String apiAddress,
        SortedMap<String, String> labels, SortedMap<String, String> initialPeers, List<String> joinEndpoints,
        boolean admitted, Optional<NodeSecurity> security) {

    public static final String FILE = "node.properties";

    public static NodeIdentity of(NodeConfig config) {
        return new NodeIdentity(config.nodeId(), config.clusterName(), config.raftAddress().toString(),
                config.apiAddress().toString(), config.labels(), config.initialPeers(),
                config.joinEndpoints().stream().map(HostPort::toString).toList(), config.joinEndpoints().isEmpty(),
                Optional.of(absolute(config.security())));
    }

    private static NodeSecurity absolute(NodeSecurity security) {
        return new NodeSecurity(security.tls().map(files -> new TlsFiles(files.caCertificate().toAbsolutePath(),
                files.certificate().toAbsolutePath(), files.privateKey().toAbsolutePath())),
                security.caKey().map(Path::toAbsolutePath));
    }

    /** Whether the node joins a running cluster (rather than being one of its initial members). */
    public boolean joins() {
        return !joinEndpoints.isEmpty();
    }

    public NodeIdentity withAdmitted(boolean value) {
        return new NodeIdentity(nodeId, clusterName, raftAddress, apiAddress, labels, initialPeers, joinEndpoints,
                value, security);
    }

    public static boolean existsIn(Path dataDir) {
        return Files.isRegularFile(dataDir.resolve(FILE));
    }

    /** Reads the identity of a data directory; a missing or damaged file is an error naming it. */
    public static NodeIdentity read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        String id = properties.getProperty("node.id");
        String raft = properties.getProperty("raft.address");
        String api = properties.getProperty("api.address");
        String cluster = properties.getProperty("cluster.name", NodeConfig.DEFAULT_CLUSTER_NAME);
        if (id == null || raft == null || api == null) {
            throw new IOException(file + " is damaged: it must name node.id, raft.address and api.address");
        }
        return new NodeIdentity(id, cluster, raft, api, parseMap(properties.getProperty("labels", "")),
                parseMap(properties.getProperty("initial.peers", "")),
                parseList(properties.getProperty("join.endpoints", "")),
                Boolean.parseBoolean(properties.getProperty("admitted", "true")), security(properties));
    }

    /** The TLS paths the node started with; empty for a directory from before they were remembered. */
    private static Optional<NodeSecurity> security(Properties properties) {
        if (Boolean.parseBoolean(properties.getProperty("insecure", "false"))) {
            return Optional.of(NodeSecurity.INSECURE);
        }
        String ca = properties.getProperty("tls.ca");
        String cert = properties.getProperty("tls.cert");
        String key = properties.getProperty("tls.key");
        if (ca == null || cert == null || key == null) {
            return Optional.empty();
        }
        return Optional.of(NodeSecurity.tls(new TlsFiles(Path.of(ca), Path.of(cert), Path.of(key)),
                Optional.ofNullable(properties.getProperty("ca.key")).map(Path::of)));
    }

    /** Writes the identity atomically: a crash leaves the old file or the new one, never half. */
    public void write(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Properties properties = new Properties();
        properties.setProperty("node.id", nodeId);
        properties.setProperty("cluster.name", clusterName);
        properties.setProperty("raft.address", raftAddress);
        properties.setProperty("api.address", apiAddress);
        properties.setProperty("labels", formatMap(labels));
        properties.setProperty("initial.peers", formatMap(initialPeers));
        properties.setProperty("join.endpoints", String.join(",", joinEndpoints));
        properties.setProperty("admitted", Boolean.toString(admitted));
        security.ifPresent(value -> {
            if (value.tls().isEmpty()) {
                properties.setProperty("insecure", "true");
            }
            value.tls().ifPresent(files -> {
                properties.setProperty("tls.ca", files.caCertificate().toString());
                properties.setProperty("tls.cert", files.certificate().toString());
                properties.setProperty("tls.key", files.privateKey().toString());
            });
            value.caKey().ifPresent(key -> properties.setProperty("ca.key", key.toString()));
        });
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            properties.store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8),
                    "Meridian node identity; written by the node, read at its restart");
        }
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code a,b,c} into a list, empty parts dropped. */
    public static List<String> parseList(String text) {
        return java.util.Arrays.stream(text.split(",")).map(String::trim).filter(part -> !part.isEmpty()).toList();
    }

    /** {@code k=v,k=v} into a sorted map. */
    public static SortedMap<String, String> parseMap(String text) {
        SortedMap<String, String> out = new TreeMap<>();
        if (text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + part + "' is not key=value");
            }
            String key = part.substring(0, eq).trim();
            if (out.put(key, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("'" + key + "' appears twice");
            }
        }
        return out;
    }

    public static String formatMap(Map<String, String> map) {
        StringBuilder out = new StringBuilder();
        map.forEach((key, value) -> {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(key).append('=').append(value);
        });
        return out.toString();
    }
}
