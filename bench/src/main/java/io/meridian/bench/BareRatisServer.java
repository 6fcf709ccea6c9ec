package io.meridian.bench;

import io.meridian.node.HostPort;
import io.meridian.node.RaftSettings;
import io.meridian.node.RaftTuning;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The baseline of the write benchmark: a Ratis server with a trivial state machine that counts
 * the entries it applies and answers each with the count. Started by the benchmark as
 * {@code BareRatisServer ID DATA_DIR ELECTION_MIN_MS ELECTION_MAX_MS ID=HOST:PORT,...}, with the
 * Ratis properties of a Meridian node ({@link RaftSettings}), so that the gap is Meridian's own.
 */
public final class BareRatisServer {

    /** The group every bare-Ratis benchmark cluster runs. */
    static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.fromString("6d657269-6469-616e-2d62-656e63680001"));

    private BareRatisServer() {
    }

    static RaftGroup group(String peers) {
        List<RaftPeer> members = new ArrayList<>();
        for (String peer : peers.split(",")) {
            String[] parts = peer.split("=", 2);
            members.add(RaftPeer.newBuilder().setId(parts[0]).setAddress(parts[1]).build());
        }
        return RaftGroup.valueOf(GROUP, members);
    }

    static RaftTuning tuning(long electionMinMs, long electionMaxMs) {
        return RaftTuning.DEFAULT.withElectionTimeouts(Duration.ofMillis(electionMinMs),
                Duration.ofMillis(electionMaxMs));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: BareRatisServer ID DATA_DIR ELECTION_MIN_MS ELECTION_MAX_MS ID=HOST:PORT,...");
            System.exit(2);
        }
        String id = args[0];
        Path dir = Files.createDirectories(Path.of(args[1]));
        RaftGroup group = group(args[4]);
        RaftPeer self = group.getPeer(RaftPeerId.valueOf(id));
        if (self == null) {
            System.err.println("BareRatisServer: " + id + " is not among the peers " + args[4]);
            System.exit(2);
        }
        RaftServer server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setGroup(group)
                .setStateMachine(new Counter())
                .setProperties(RaftSettings.properties(tuning(Long.parseLong(args[2]), Long.parseLong(args[3])),
                        dir, HostPort.parse("address", self.getAddress())))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        System.out.println("bare ratis server " + id + " started");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                System.err.println("closing: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    /** Counts applied entries; its snapshot is the count, written as Meridian's are, every N entries. */
    static final class Counter extends BaseStateMachine {

        private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
        private long count;

        @Override
        public SimpleStateMachineStorage getStateMachineStorage() {
            return storage;
        }

        @Override
        public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
            if (latest != null) {
                byte[] bytes = Files.readAllBytes(latest.getFile().getPath());
                count = ByteBuffer.wrap(bytes).getLong();
                updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
            }
        }

        @Override
        public synchronized CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            LogEntryProto entry = trx.getLogEntry();
            count++;
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.valueOf(
                    ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(count).flip())));
        }

        @Override
        public synchronized long takeSnapshot() throws IOException {
            TermIndex last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) {
                return -1;
            }
            File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
            Files.write(file.toPath(), ByteBuffer.allocate(Long.BYTES).putLong(count).array());
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), last));
            return last.getIndex();
        }
    }
}
