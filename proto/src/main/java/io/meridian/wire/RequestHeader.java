package io.meridian.wire;

import io.grpc.Metadata;
import io.grpc.protobuf.ProtoUtils;
import io.meridian.proto.RequestId;

/** The gRPC header that carries a write's request identity (see api.proto). */
public final class RequestHeader {

    public static final Metadata.Key<RequestId> KEY = Metadata.Key.of("meridian-request-id-bin",
            ProtoUtils.metadataMarshaller(RequestId.getDefaultInstance()));

    private RequestHeader() {
    }

    /** Headers holding this identity. */
    public static Metadata of(RequestId id) {
        Metadata headers = new Metadata();
        headers.put(KEY, id);
        return headers;
    }
}
