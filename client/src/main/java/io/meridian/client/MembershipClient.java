package io.meridian.client;

import io.meridian.proto.IssueTokenReply;
import io.meridian.proto.IssueTokenRequest;
import io.meridian.proto.JoinReply;
import io.meridian.proto.JoinRequest;
import io.meridian.proto.ListTokensReply;
import io.meridian.proto.MembershipServiceGrpc;
import io.meridian.proto.MembershipServiceGrpc.MembershipServiceBlockingStub;
import io.meridian.proto.ReadOptions;
import io.meridian.proto.RevokeTokenRequest;
import io.meridian.proto.TakeSnapshotReply;
import io.meridian.proto.TakeSnapshotRequest;
import io.meridian.proto.TopologyChange;
import io.meridian.proto.TransferLeadershipReply;
import io.meridian.proto.TransferLeadershipRequest;
import io.meridian.proto.WriteReply;
import io.meridian.wire.JoinTokens;

/**
 * Who is in the cluster (MembershipService): topology changes, join tokens, joining, and the
 * metadata group's snapshots and leadership. Thread-safe.
 */
public final class MembershipClient {

    private final MeridianClient.Calls<MembershipServiceBlockingStub> calls;

    MembershipClient(MeridianClient client) {
        this.calls = client.calls(MembershipServiceGrpc::newBlockingStub);
    }

    public WriteReply changeTopology(TopologyChange change) {
        return calls.write(stub -> stub.changeTopology(change));
    }

    /** Joins with a token; with a certificate signing request, the reply holds the signed certificate. */
    public JoinReply join(JoinRequest request) {
        return calls.write(stub -> stub.join(request));
    }

    /**
     * Issues a join token. The client draws the token when the request has none, so that every
     * attempt issues the same one.
     */
    public IssueTokenReply issueToken(IssueTokenRequest request) {
        IssueTokenRequest drawn = request.getToken().isEmpty()
                ? request.toBuilder().setToken(JoinTokens.draw()).build() : request;
        return calls.write(stub -> stub.issueToken(drawn));
    }

    public WriteReply revokeToken(RevokeTokenRequest request) {
        return calls.write(stub -> stub.revokeToken(request));
    }

    public ListTokensReply listTokens(ReadOptions options) {
        return calls.read(stub -> stub.listTokens(options));
    }

    /** Makes the node at this endpoint write a snapshot now. */
    public TakeSnapshotReply takeSnapshot(String endpoint) {
        return calls.at(endpoint, stub -> stub.takeSnapshot(TakeSnapshotRequest.getDefaultInstance()));
    }

    public TransferLeadershipReply transferLeadership(String to) {
        // One attempt may take the whole timeout: an election can outlast the attempt timeout, and
        // a second attempt would report the transfer the first one made as a move to itself.
        TransferLeadershipRequest request = TransferLeadershipRequest.newBuilder().setTo(to).build();
        return calls.readOnce(stub -> stub.transferLeadership(request));
    }
}
