package io.meridian.node.api;

import io.grpc.stub.StreamObserver;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.snapshot.RecordCodec;
import io.meridian.node.security.CallerContext;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AccessServiceGrpc;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.ListAccessReply;
import io.meridian.proto.ListAccessRequest;
import io.meridian.proto.ListAuditReply;
import io.meridian.proto.ListAuditRequest;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.WhoAmIReply;
import io.meridian.proto.WhoAmIRequest;
import io.meridian.proto.WriteReply;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may do what, and what was done: access bindings (replicated, so a grant or a revocation
 * takes effect on every node at one log index) and the hash-chained audit trail.
 *
 * <p>Thread-safe.
 */
public final class AccessApi extends AccessServiceGrpc.AccessServiceImplBase {

    private final ApiCalls calls;

    public AccessApi(NodeRuntime node) {
        this.calls = new ApiCalls(node);
    }

    @Override
    public void changeAccess(AccessChange request, StreamObserver<WriteReply> out) {
        calls.write(MetadataEntry.newBuilder().setAccess(request).build(), out);
    }

    @Override
    public void listAccess(ListAccessRequest request, StreamObserver<ListAccessReply> out) {
        calls.read(false, AccessRole.ACCESS_ROLE_ADMIN, out, image -> ListAccessReply.newBuilder()
                .addAllBindings(image.access().bindings().values().stream().map(RecordCodec::toProto).toList())
                .setIndex(image.index())
                .build());
    }

    @Override
    public void listAudit(ListAuditRequest request, StreamObserver<ListAuditReply> out) {
        calls.read(false, AccessRole.ACCESS_ROLE_ADMIN, out, image -> {
            AuditTrail trail = image.audit();
            List<AuditRecord> matching = new ArrayList<>();
            for (AuditRecord record : trail.list()) {
                if (record.getIndex() >= request.getSinceIndex()
                        && (request.getIdentity().isEmpty() || record.getIdentity().equals(request.getIdentity()))) {
                    matching.add(record);
                }
            }
            if (request.getLimit() > 0 && matching.size() > request.getLimit()) {
                matching = matching.subList(matching.size() - request.getLimit(), matching.size());
            }
            return ListAuditReply.newBuilder()
                    .addAllRecords(matching)
                    .setAnchor(trail.anchor())
                    .setDropped(trail.dropped())
                    .setIndex(image.index())
                    .build();
        });
    }

    @Override
    public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIReply> out) {
        CallerContext caller = ApiCalls.caller();
        out.onNext(WhoAmIReply.newBuilder()
                .setIdentity(caller.identity())
                .setRole(caller.role())
                .setCertificateRole(caller.certificateRole())
                .setAuthenticated(caller.kind() == CallerContext.Kind.CERTIFICATE)
                .build());
        out.onCompleted();
    }
}
