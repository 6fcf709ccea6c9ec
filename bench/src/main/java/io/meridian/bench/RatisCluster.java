package io.meridian.bench;

import io.meridian.node.RaftTuning;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Three {@link BareRatisServer} JVMs on loopback, written to by Ratis's own async client, one
 * client per load thread, with a payload of the size of Meridian's entries.
 */
final class RatisCluster implements AutoCloseable {

    private final Procs procs;
    private final RaftTuning tuning;
    private RaftGroup group;

    RatisCluster(Path dir, RaftTuning tuning) throws IOException {
        this.procs = new Procs(dir);
        this.tuning = tuning;
    }

    void start() throws Exception {
        List<String> peers = new ArrayList<>();
        for (String id : MeridianCluster.IDS) {
            peers.add(id + "=127.0.0.1:" + Procs.freePort());
        }
        String peerList = String.join(",", peers);
        group = BareRatisServer.group(peerList);
        for (String id : MeridianCluster.IDS) {
            procs.java("ratis-" + id, BareRatisServer.class.getName(), List.of(id, procs.dir().resolve(id).toString(),
                    String.valueOf(tuning.electionTimeoutMin().toMillis()),
                    String.valueOf(tuning.electionTimeoutMax().toMillis()), peerList));
        }
        byte[] probe = new byte[16];
        try (RaftClient client = client()) {
            Wait.until("the bare Ratis cluster to take a write (logs in " + procs.dir() + ")",
                    java.time.Duration.ofSeconds(120), () -> client.async().send(Message.valueOf(
                            ByteString.copyFrom(probe))).get(10, TimeUnit.SECONDS).isSuccess());
        }
    }

    private RaftClient client() {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(tuning.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        return RaftClient.newBuilder().setRaftGroup(group).setProperties(properties)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(150,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    Load.Clients clients(int payloadBytes) {
        return index -> {
            RaftClient client = client();
            byte[] payload = new byte[payloadBytes];
            return new Load.Client() {
                @Override
                public void write(long sequence) throws Exception {
                    payload[(int) (sequence % payload.length)]++;
                    RaftClientReply reply = client.async().send(Message.valueOf(ByteString.copyFrom(payload))).get();
                    if (!reply.isSuccess()) {
                        throw reply.getException();
                    }
                }

                @Override
                public void close() throws IOException {
                    client.close();
                }
            };
        };
    }

    @Override
    public void close() throws InterruptedException {
        procs.close();
    }
}
