package io.meridian.node.raft;

import io.meridian.node.RaftTuning;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;

/**
 * The Raft configuration of the metadata group as this replica sees it, the leader's view of its
 * followers, and the configuration changes the membership reconciler makes. Changes go to this
 * replica only (it leads when it makes them) and compare-and-set against the configuration they
 * were planned from, so a change planned from a stale view fails instead of undoing another.
 *
 * <p>Thread-safe.
 */
public final class RaftMembership implements Closeable {

    /** The voters and listeners of a configuration, by id; {@code stable} when no change is under way. */
    public record Conf(Map<String, RaftPeer> voters, Map<String, RaftPeer> listeners, boolean stable) {

        public Conf {
            voters = Collections.unmodifiableMap(new TreeMap<>(voters));
            listeners = Collections.unmodifiableMap(new TreeMap<>(listeners));
        }

        public static final Conf EMPTY = new Conf(Map.of(), Map.of(), true);

        public boolean contains(String id) {
            return voters.containsKey(id) || listeners.containsKey(id);
        }
    }

    /** What the leader knows of a follower: how far its log matches, and when it last answered. */
    public record Progress(long matchIndex, long lastContactMs) {
    }

    private final Supplier<Optional<RaftServer.Division>> division;
    private final RaftClient admin;
    private final RaftPeerId self;
    private final RaftTuning tuning;

    public RaftMembership(Supplier<Optional<RaftServer.Division>> division, RaftGroup selfOnly, RaftTuning tuning,
            Parameters transport) {
        this.division = division;
        this.tuning = tuning;
        this.self = selfOnly.getPeers().iterator().next().getId();
        RaftProperties properties = new RaftProperties();
        // A change waits for new members to catch up (staging) and for the joint configuration to
        // commit; the reconciler retries on its next pass rather than here.
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(changeTimeoutMs(tuning), TimeUnit.MILLISECONDS));
        this.admin = RaftClient.newBuilder().setRaftGroup(selfOnly).setProperties(properties)
                .setParameters(transport).setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    /** How long one configuration change may take: staging (3 election timeouts) and a commit. */
    public static long changeTimeoutMs(RaftTuning tuning) {
        return tuning.electionTimeoutMax().toMillis() * 4 + tuning.requestTimeout().toMillis();
    }

    /** The configuration this replica last saw; empty before it joined any. */
    public Conf current() {
        Optional<RaftServer.Division> d = division.get();
        if (d.isEmpty()) {
            return Conf.EMPTY;
        }
        RaftConfiguration conf = d.get().getRaftConf();
        boolean stable = conf.getPreviousPeers(RaftPeerRole.FOLLOWER).isEmpty()
                && conf.getPreviousPeers(RaftPeerRole.LISTENER).isEmpty();
        return new Conf(byId(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
                byId(conf.getCurrentPeers(RaftPeerRole.LISTENER)), stable);
    }

    private static Map<String, RaftPeer> byId(Collection<RaftPeer> peers) {
        Map<String, RaftPeer> out = new TreeMap<>();
        peers.forEach(peer -> out.put(peer.getId().toString(), peer));
        return out;
    }

    /** The highest index this replica knows committed. */
    public long commitIndex() {
        return division.get().map(d -> d.getRaftLog().getLastCommittedIndex()).orElse(0L);
    }

    /** While this replica leads: each follower's (voter or listener) progress; empty otherwise. */
    public Map<String, Progress> followers() {
        Optional<RaftServer.Division> d = division.get();
        if (d.isEmpty() || !d.get().getInfo().isLeader()) {
            return Map.of();
        }
        RoleInfoProto role = d.get().getInfo().getRoleInfoProto();
        long[] match = d.get().getInfo().getFollowerMatchIndices();
        List<ServerRpcProto> infos = role.getLeaderInfo().getFollowerInfoList();
        if (match == null || infos.size() != match.length) {
            return Map.of(); // the followers changed between the two reads; ask again later
        }
        Map<String, Progress> out = new TreeMap<>();
        for (int i = 0; i < infos.size(); i++) {
            out.put(infos.get(i).getId().getId().toStringUtf8(),
                    new Progress(match[i], infos.get(i).getLastRpcElapsedTimeMs()));
        }
        return out;
    }

    /** Whether the leader heard from a follower recently enough to count it as alive. */
    public boolean alive(Progress progress) {
        return progress.lastContactMs() <= tuning.electionTimeoutMax().toMillis();
    }

    /**
     * Replaces the configuration {@code from} by one with these voters and listeners; fails if the
     * configuration is no longer {@code from}, or the change does not complete in time.
     */
    public void change(Conf from, Collection<RaftPeer> voters, Collection<RaftPeer> listeners) throws IOException {
        List<RaftPeer> asListeners = new ArrayList<>();
        listeners.forEach(peer -> asListeners.add(RaftPeer.newBuilder(peer)
                .setStartupRole(RaftPeerRole.LISTENER).build()));
        List<RaftPeer> asVoters = new ArrayList<>();
        voters.forEach(peer -> asVoters.add(RaftPeer.newBuilder(peer).setStartupRole(RaftPeerRole.FOLLOWER).build()));
        RaftClientReply reply = admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(asVoters)
                .setListenersInNewConf(asListeners)
                .setServersInCurrentConf(new ArrayList<>(from.voters().values()))
                .setListenersInCurrentConf(new ArrayList<>(from.listeners().values()))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build());
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("the configuration change was not accepted");
        }
    }

    /** Makes this replica write a snapshot now; returns the index it covers. */
    public long takeSnapshot(long timeoutMs) throws IOException {
        RaftClientReply reply = admin.getSnapshotManagementApi(self).create(true, timeoutMs);
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("the Raft server refused to take a snapshot");
        }
        return reply.getLogIndex();
    }

    /** Hands leadership to another voter (this replica leads). */
    public void transferLeadership(String to) throws IOException {
        RaftClientReply reply = admin.admin().transferLeadership(RaftPeerId.valueOf(to),
                tuning.electionTimeoutMax().toMillis() * 2);
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("leadership did not move to " + to);
        }
    }

    @Override
    public void close() throws IOException {
        admin.close();
    }
}
