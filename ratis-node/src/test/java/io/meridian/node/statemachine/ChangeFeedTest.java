package io.meridian.node.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.proto.WatchEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChangeFeedTest {

    private static WatchEvent event(long index) {
        return WatchEvent.newBuilder().setIndex(index).setTerm(1).build();
    }

    @Test
    void readsTheAppliedEntriesFromAnIndexOn() throws Exception {
        ChangeFeed feed = new ChangeFeed(100, 1 << 20);
        feed.append(event(1));
        feed.advanceTo(2);
        feed.append(event(3));
        feed.append(event(4));

        assertThat(feed.read(2, 10, 0)).extracting(WatchEvent::getIndex).containsExactly(3L, 4L);
        assertThat(feed.read(0, 10, 0)).extracting(WatchEvent::getIndex).containsExactly(1L, 3L, 4L);
        assertThat(feed.read(1, 2, 0)).extracting(WatchEvent::getIndex).containsExactly(1L, 3L);
        assertThat(feed.read(5, 10, 0)).isEmpty();
    }

    @Test
    void aWatcherWaitsForTheNextEntry() throws Exception {
        ChangeFeed feed = new ChangeFeed(100, 1 << 20);
        CompletableFuture<List<WatchEvent>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return feed.read(1, 10, 30_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        feed.append(event(1));

        assertThat(waiting.get(30, TimeUnit.SECONDS)).extracting(WatchEvent::getIndex).containsExactly(1L);
    }

    @Test
    void olderEntriesThanTheFeedKeepsAreReportedNotSkipped() throws Exception {
        ChangeFeed feed = new ChangeFeed(16, 1 << 20);
        for (long i = 1; i <= 40; i++) {
            feed.append(event(i));
        }

        assertThatThrownBy(() -> feed.read(3, 10, 0)).isInstanceOfSatisfying(ChangeFeed.CompactedException.class,
                e -> assertThat(e.oldestAvailable()).isEqualTo(25));
        assertThat(feed.read(25, 100, 0)).hasSize(16);
    }

    @Test
    void aSnapshotLoadRestartsTheFeedAfterIt() throws Exception {
        ChangeFeed feed = new ChangeFeed(16, 1 << 20);
        feed.append(event(1));

        feed.restartAfter(50);

        assertThat(feed.firstKnown()).isEqualTo(51);
        assertThatThrownBy(() -> feed.read(2, 10, 0)).isInstanceOf(ChangeFeed.CompactedException.class);
        feed.append(event(51));
        assertThat(feed.read(51, 10, 0)).extracting(WatchEvent::getIndex).containsExactly(51L);
    }
}
