package io.meridian.bench;

import com.google.protobuf.ByteString;
import io.meridian.cli.Meridian;
import io.meridian.client.MeridianClient;
import io.meridian.node.RaftTuning;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AdvertiseNode;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.CertificateSubject;
import io.meridian.security.TlsFiles;
import io.meridian.proto.CreateGroup;
import io.meridian.proto.Label;
import io.meridian.proto.MemberStatus;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.NodeInfo;
import io.meridian.proto.NodeRecord;
import io.meridian.proto.PlacementCommand;
import io.meridian.proto.ReassignShard;
import io.meridian.proto.RoutingChange;
import io.meridian.proto.SplitShard;
import io.meridian.proto.StatusReply;
import io.meridian.proto.TopologyChange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Three Meridian nodes, each `meridian node start` in a JVM of its own on loopback, as deployed:
 * with mutual TLS on both ports (a CA and certificates made in the work directory), or plaintext.
 * The write workload alternates shard reassignments and node advertisements (~200-byte entries)
 * over 64 shards in two replica groups.
 */
final class MeridianCluster implements AutoCloseable {

    static final List<String> IDS = List.of("n1", "n2", "n3");
    static final int SHARDS = 64;

    private final Procs procs;
    private final RaftTuning tuning;
    private final boolean tls;
    private final Map<String, Integer> raftPorts = new TreeMap<>();
    private final Map<String, Integer> apiPorts = new TreeMap<>();
    private List<NodeRecord> nodes = List.of();

    MeridianCluster(Path dir, RaftTuning tuning) throws IOException {
        this(dir, tuning, false);
    }

    MeridianCluster(Path dir, RaftTuning tuning, boolean tls) throws IOException {
        this.procs = new Procs(dir);
        this.tuning = tuning;
        this.tls = tls;
        if (tls) {
            Path certs = dir.resolve("tls");
            java.nio.file.Files.createDirectories(certs);
            CertificateAuthority ca = CertificateAuthority.create("bench-ca", Duration.ofDays(2));
            ca.write(certs.resolve("ca.crt"), certs.resolve("ca.key"));
            for (String id : IDS) {
                ca.issue(new CertificateSubject(id, AccessRole.ACCESS_ROLE_NODE, List.of("localhost", "127.0.0.1"),
                        new TreeMap<>(), "voter"), Duration.ofDays(1)).write(certs.resolve(id + ".crt"),
                        certs.resolve(id + ".key"));
            }
            ca.issue(new CertificateSubject("bench", AccessRole.ACCESS_ROLE_ADMIN, List.of(), new TreeMap<>(), ""),
                    Duration.ofDays(1)).write(certs.resolve("bench.crt"), certs.resolve("bench.key"));
        }
    }

    private TlsFiles files(String name) {
        Path certs = procs.dir().resolve("tls");
        return new TlsFiles(certs.resolve("ca.crt"), certs.resolve(name + ".crt"), certs.resolve(name + ".key"));
    }

    /** Starts the three nodes and waits until the cluster is bootstrapped with a leader. */
    void start() throws Exception {
        StringBuilder peers = new StringBuilder();
        for (String id : IDS) {
            raftPorts.put(id, Procs.freePort());
            apiPorts.put(id, Procs.freePort());
            peers.append(peers.length() == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(raftPorts.get(id));
        }
        for (String id : IDS) {
            List<String> args = new ArrayList<>(List.of("--id", id, "--raft-address", "127.0.0.1:" + raftPorts.get(id),
                    "--api-address", "127.0.0.1:" + apiPorts.get(id), "--peers", peers.toString(),
                    "--labels", "zone=z" + id.substring(1)));
            launch(id, args);
        }
        try (MeridianClient client = client(Duration.ofSeconds(5))) {
            Wait.until("the Meridian cluster to elect a leader (logs in " + procs.dir() + ")", Duration.ofSeconds(120),
                    () -> client.metadata().topology().getBootstrapped()
                            && !client.metadata().status().getLeaderId().isEmpty());
        }
    }

    private void launch(String id, List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("node", "start", "--data-dir", dataDir(id).toString(),
                "--election-timeout-min", tuning.electionTimeoutMin().toMillis() + "ms",
                "--election-timeout-max", tuning.electionTimeoutMax().toMillis() + "ms"));
        args.addAll(extra);
        if (tls) {
            TlsFiles files = files(id);
            args.addAll(List.of("--tls-ca", files.caCertificate().toString(), "--tls-cert",
                    files.certificate().toString(), "--tls-key", files.privateKey().toString()));
        } else {
            args.add("--insecure");
        }
        procs.java(id, Meridian.class.getName(), args);
    }

    private Path dataDir(String id) {
        return procs.dir().resolve(id);
    }

    String endpoints() {
        List<String> out = new ArrayList<>();
        apiPorts.values().forEach(port -> out.add("127.0.0.1:" + port));
        return String.join(",", out);
    }

    MeridianClient client(Duration timeout) {
        return MeridianClient.builder().endpoints(endpoints()).tls(tls ? files("bench") : null).timeout(timeout)
                .build();
    }

    /** Creates a second replica group and splits the keyspace into {@link #SHARDS} shards. */
    void prepareWorkload() {
        try (MeridianClient client = client(Duration.ofSeconds(30))) {
            client.placement().changeRouting(RoutingChange.newBuilder().setCreateGroup(
                    CreateGroup.newBuilder().addAllMembers(IDS).setLeader("n2")).build());
            for (int shard = 1; shard < SHARDS; shard++) {
                client.placement().place(PlacementCommand.newBuilder().setSplit(SplitShard.newBuilder()
                        .setShardId(shard)
                        .setSplitKey(ByteString.copyFromUtf8(String.format(Locale.ROOT, "k%04d", shard)))).build());
            }
            nodes = client.metadata().topology().getNodesList().stream().map(NodeInfo::getNode).toList();
        }
    }

    /** The routing change of write {@code sequence} of client {@code client}. */
    static RoutingChange reassign(int client, long sequence) {
        long shard = 1 + (client * 7L + sequence / 2) % SHARDS;
        return RoutingChange.newBuilder().setReassignShard(ReassignShard.newBuilder().setShardId(shard)
                .setGroupId(1 + (sequence / 2 + client) % 2).setLeaseholder("n1")).build();
    }

    /**
     * A node re-advertising itself with its address and labels, and two labels that change with
     * every write: a rack and a free-text note, sized so that entries average ~200 bytes.
     */
    static TopologyChange advertise(NodeRecord node, int client, long sequence) {
        AdvertiseNode.Builder ad = AdvertiseNode.newBuilder().setNodeId(node.getNodeId())
                .setApiAddress(node.getApiAddress()).setSoftwareVersion(node.getSoftwareVersion());
        for (Label label : node.getLabelsList()) {
            if (!label.getKey().startsWith("bench.")) {
                ad.addLabels(label);
            }
        }
        ad.addLabels(Label.newBuilder().setKey("bench.rack").setValue(String.format(Locale.ROOT, "r%03d",
                (client + sequence) % 512)));
        ad.addLabels(Label.newBuilder().setKey("bench.note").setValue(String.format(Locale.ROOT,
                "client-%03d/write-%012d/advertised-by-the-write-benchmark-of-meridian-bench-with-padding-to-size",
                client, sequence)));
        return TopologyChange.newBuilder().setAdvertise(ad).build();
    }

    /** The average size in bytes of the entries the workload writes, as the state machine receives them. */
    double meanEntryBytes() {
        long total = 0;
        for (int i = 0; i < 2; i++) {
            MetadataEntry reassign = MetadataEntry.newBuilder().setRouting(reassign(i, i)).setProposedAtMs(1L << 40)
                    .build();
            MetadataEntry advertise = MetadataEntry.newBuilder().setTopology(advertise(nodes.get(i), i, i))
                    .setProposedAtMs(1L << 40).build();
            total += reassign.getSerializedSize() + advertise.getSerializedSize();
        }
        return total / 4.0;
    }

    Load.Clients clients() {
        List<NodeRecord> advertised = nodes;
        return index -> {
            MeridianClient client = client(Duration.ofSeconds(30));
            return new Load.Client() {
                @Override
                public void write(long sequence) {
                    if (sequence % 2 == 0) {
                        client.placement().changeRouting(reassign(index, sequence));
                    } else {
                        client.membership().changeTopology(advertise(
                                advertised.get((int) ((index + sequence) % advertised.size())), index, sequence));
                    }
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        };
    }

    String leader() {
        try (MeridianClient client = client(Duration.ofSeconds(5))) {
            return client.metadata().status().getLeaderId();
        }
    }

    void kill(String id) throws InterruptedException {
        procs.kill(id);
    }

    /** Starts a killed node again from its data directory. */
    void restart(String id) throws IOException {
        launch(id, List.of());
    }

    /** All three nodes answer, at the same applied index with the same state digest. */
    boolean converged() {
        try (MeridianClient client = client(Duration.ofSeconds(5))) {
            StatusReply status = client.metadata().status();
            List<MemberStatus> members = status.getMembersList();
            return !status.getLeaderId().isEmpty() && members.size() == IDS.size()
                    && members.stream().allMatch(m -> m.getError().isEmpty()
                    && m.getAppliedIndex() == members.get(0).getAppliedIndex()
                    && m.getStateDigest().equals(members.get(0).getStateDigest()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    String tail(String id) {
        return procs.tail(id);
    }

    @Override
    public void close() throws InterruptedException {
        procs.close();
    }
}
