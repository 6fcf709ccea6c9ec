package io.meridian.node.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meridian.node.security.Authorization;
import io.meridian.node.security.CallerContext;
import io.meridian.node.statemachine.ChangeFeed;
import io.meridian.proto.AccessRole;
import io.meridian.proto.WatchEvent;
import io.meridian.proto.WatchRequest;
import io.meridian.proto.WatchServiceGrpc;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams applied entries in log order, each watch on a thread of its own, with flow control. A
 * watcher whose identity loses the right to read is cut off at the next batch of events.
 *
 * <p>Thread-safe.
 */
public final class WatchApi extends WatchServiceGrpc.WatchServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(WatchApi.class);

    private final ApiCalls calls;
    private final NodeRuntime node;
    private final ExecutorService watchExecutor;

    public WatchApi(NodeRuntime node, ExecutorService watchExecutor) {
        this.node = node;
        this.calls = new ApiCalls(node);
        this.watchExecutor = watchExecutor;
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
        ServerCallStreamObserver<WatchEvent> stream = (ServerCallStreamObserver<WatchEvent>) out;
        CallerContext caller = ApiCalls.caller();
        Object ready = new Object();
        stream.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        stream.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        watchExecutor.execute(() -> stream(request.getFromIndex(), caller, stream, ready));
    }

    private void stream(long fromIndex, CallerContext caller, ServerCallStreamObserver<WatchEvent> stream,
            Object ready) {
        Optional<StatusRuntimeException> corrupt = calls.corruptRefusal();
        if (corrupt.isPresent()) {
            stream.onError(corrupt.get());
            return;
        }
        ChangeFeed feed = node.stateMachine().feed();
        long next = fromIndex;
        try {
            while (!stream.isCancelled()) {
                if (node.isClosing()) {
                    stream.onError(Status.UNAVAILABLE.withDescription("node " + node.nodeId()
                            + " is shutting down; resume the watch on another node").asRuntimeException());
                    return;
                }
                Optional<Status> refused = Authorization.recheck(node.stateMachine().image().access(), caller,
                        AccessRole.ACCESS_ROLE_READER);
                if (refused.isPresent()) {
                    stream.onError(refused.get().asRuntimeException());
                    return;
                }
                List<WatchEvent> events = feed.read(next, 256, 500);
                for (WatchEvent event : events) {
                    synchronized (ready) {
                        while (!stream.isReady() && !stream.isCancelled() && !node.isClosing()) {
                            ready.wait(500);
                        }
                    }
                    if (stream.isCancelled()) {
                        return;
                    }
                    stream.onNext(event);
                    next = event.getIndex() + 1;
                }
            }
        } catch (ChangeFeed.CompactedException e) {
            stream.onError(Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.onError(Status.UNAVAILABLE.withDescription("node " + node.nodeId() + " is shutting down")
                    .asRuntimeException());
        } catch (RuntimeException e) {
            LOG.debug("{}: A watch stream ended: {}", node.nodeId(), e.toString());
        }
    }
}
