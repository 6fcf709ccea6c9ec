package io.meridian.client;

import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessGrant;
import io.meridian.proto.AccessRevoke;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AccessServiceGrpc;
import io.meridian.proto.AccessServiceGrpc.AccessServiceBlockingStub;
import io.meridian.proto.ListAccessReply;
import io.meridian.proto.ListAccessRequest;
import io.meridian.proto.ListAuditReply;
import io.meridian.proto.ListAuditRequest;
import io.meridian.proto.WhoAmIReply;
import io.meridian.proto.WhoAmIRequest;
import io.meridian.proto.WriteReply;

/**
 * Who may do what, and what was done (AccessService): bindings of identities to roles, applied
 * cluster-wide at one log index, and the audit trail. Administrators only, but for whoAmI. Thread-safe.
 */
public final class AccessClient {

    private final MeridianClient.Calls<AccessServiceBlockingStub> calls;

    AccessClient(MeridianClient client) {
        this.calls = client.calls(AccessServiceGrpc::newBlockingStub);
    }

    /** Binds the identity to the role, whatever its certificate names. */
    public WriteReply grant(String identity, AccessRole role) {
        AccessChange change = AccessChange.newBuilder().setIdentity(identity)
                .setGrant(AccessGrant.newBuilder().setRole(role)).build();
        return calls.write(stub -> stub.changeAccess(change));
    }

    /** Revokes the identity: the cluster refuses its calls from the entry's index on. */
    public WriteReply revoke(String identity, String reason) {
        AccessChange change = AccessChange.newBuilder().setIdentity(identity)
                .setRevoke(AccessRevoke.newBuilder().setReason(reason == null ? "" : reason)).build();
        return calls.write(stub -> stub.changeAccess(change));
    }

    /** Every binding, sorted by identity. */
    public ListAccessReply list() {
        return calls.read(stub -> stub.listAccess(ListAccessRequest.getDefaultInstance()));
    }

    /** The audit trail, oldest first, with the hash its first record chains to. */
    public ListAuditReply audit(ListAuditRequest request) {
        return calls.read(stub -> stub.listAudit(request));
    }

    /** Who the node answering takes this client to be, and with which role. */
    public WhoAmIReply whoAmI() {
        return calls.read(stub -> stub.whoAmI(WhoAmIRequest.getDefaultInstance()));
    }
}
