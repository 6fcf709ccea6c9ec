package io.meridian.client;

import io.meridian.proto.WatchEvent;

/** Receives the changes of a watch, in log order, each once. Called on the watch's own thread. */
public interface WatchListener {

    void onEvent(WatchEvent event);

    /**
     * The watch ended for good: the cluster no longer keeps the changes it needed (OUT_OF_RANGE),
     * or the client was closed. Transient failures are resumed, not reported.
     */
    default void onError(MeridianException error) {
    }
}
