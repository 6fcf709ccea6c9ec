package io.meridian.it.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The link proxies on their own, against echo servers in this JVM: they forward many concurrent
 * connections intact, a black hole accepts and delivers nothing, healing resets what was cut,
 * a one-way cut drops one direction only, and closing leaves no thread behind.
 */
@Timeout(60)
class LinkProxyIT {

    /** Echoes every byte back and counts what it received. */
    private static final class Echo implements AutoCloseable {
        final ServerSocket server;
        final AtomicLong received = new AtomicLong();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        Echo() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    Thread copier = new Thread(() -> copy(socket), "echo");
                    copier.setDaemon(true);
                    copier.start();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void copy(Socket socket) {
            byte[] buffer = new byte[8192];
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received.addAndGet(n);
                    out.write(buffer, 0, n);
                }
            } catch (IOException ignored) {
                // a reset: the connection is over
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private Echo echo() throws IOException {
        Echo echo = new Echo();
        closeables.add(echo);
        return echo;
    }

    private LinkProxy proxy(Echo echo) throws IOException {
        LinkProxy proxy = LinkProxy.start("a->b", new InetSocketAddress(Network.linkAddress(9, 9), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()));
        closeables.add(0, proxy);
        return proxy;
    }

    private Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 2_000);
        socket.setSoTimeout(5_000);
        closeables.add(socket);
        return socket;
    }

    private static byte[] roundTrip(Socket socket, byte[] sent) throws IOException {
        socket.getOutputStream().write(sent);
        return socket.getInputStream().readNBytes(sent.length);
    }

    @Test
    void forwardsManyConcurrentConnectionsIntact() throws Exception {
        LinkProxy proxy = proxy(echo());
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int seed = i;
                results.add(clients.submit(() -> {
                    byte[] sent = new byte[256 << 10];
                    new Random(seed).nextBytes(sent);
                    try (Socket socket = new Socket(proxy.listenAddress().getAddress(),
                            proxy.listenAddress().getPort())) {
                        socket.setSoTimeout(10_000);
                        // Write on another thread: 256 KiB is more than the buffers hold, so the
                        // echo stalls until this side reads, as a stream's flow control would.
                        Thread writer = new Thread(() -> {
                            try {
                                socket.getOutputStream().write(sent);
                            } catch (IOException ignored) {
                                // the read below fails too
                            }
                        });
                        writer.start();
                        byte[] back = socket.getInputStream().readNBytes(sent.length);
                        writer.join();
                        return Arrays.equals(sent, back);
                    }
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            clients.shutdownNow();
        }
        // The loop counts a write after it returns, which may be after the client read the bytes.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> proxy.stats().forwardedBytes() == 2L * 64 * (256 << 10));
        assertThat(proxy.stats().accepted()).isEqualTo(64);
        assertThat(proxy.stats().droppedBytes()).isZero();
    }

    @Test
    void aBlackHoleAcceptsAndDeliversNothingAndHealingResetsWhatItCut() throws Exception {
        Echo echo = echo();
        LinkProxy proxy = proxy(echo);
        Socket before = connect(proxy.listenAddress());
        assertThat(roundTrip(before, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);

        proxy.setMode(LinkProxy.Mode.BLACKHOLE);
        long received = echo.received.get();
        before.setSoTimeout(300);
        before.getOutputStream().write(new byte[] {4, 5, 6});
        assertThatThrownBy(() -> before.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        Socket during = connect(proxy.listenAddress());
        during.setSoTimeout(300);
        during.getOutputStream().write(new byte[] {7});
        assertThatThrownBy(() -> during.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        assertThat(echo.received.get()).isEqualTo(received);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.stats().droppedBytes() == 4);

        proxy.setMode(LinkProxy.Mode.UP);
        for (Socket cut : List.of(before, during)) {
            cut.setSoTimeout(2_000);
            assertThatThrownBy(() -> {
                if (cut.getInputStream().read() < 0) {
                    throw new SocketException("end of stream");
                }
            }).isInstanceOf(SocketException.class);
        }
        assertThat(proxy.stats().severed()).isEqualTo(2);
        assertThat(roundTrip(connect(proxy.listenAddress()), new byte[] {8, 9})).containsExactly(8, 9);
    }

    @Test
    void aOneWayCutDropsOnlyWhatTheCutNodeSends() throws Exception {
        Echo a = echo();
        Echo b = echo();
        SortedMap<String, Integer> ports = new TreeMap<>();
        ports.put("a", a.port());
        ports.put("b", b.port());
        Network network = Network.start(ports);
        closeables.add(0, network);
        Socket aToB = connect(network.link("a", "b").listenAddress());
        Socket bToA = connect(network.link("b", "a").listenAddress());
        assertThat(network.link("a", "b").listenAddress().getAddress()).isEqualTo(Network.linkAddress(1, 2));
        assertThat(roundTrip(aToB, new byte[] {1})).containsExactly(1);
        assertThat(roundTrip(bToA, new byte[] {2})).containsExactly(2);

        network.cut("a", "b");
        long bReceived = b.received.get();
        long aReceived = a.received.get();
        aToB.setSoTimeout(300);
        bToA.setSoTimeout(300);
        aToB.getOutputStream().write(new byte[] {3});
        bToA.getOutputStream().write(new byte[] {4});
        assertThatThrownBy(() -> aToB.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        assertThatThrownBy(() -> bToA.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        // a's request never reached b; b's request reached a, but a's answer never came back.
        assertThat(b.received.get()).isEqualTo(bReceived);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.received.get() == aReceived + 1);
        assertThat(network.isCut()).isTrue();

        network.heal();
        assertThat(network.isCut()).isFalse();
        assertThat(roundTrip(connect(network.link("a", "b").listenAddress()), new byte[] {5})).containsExactly(5);
        assertThat(roundTrip(connect(network.link("b", "a").listenAddress()), new byte[] {6})).containsExactly(6);
    }

    @Test
    void closingStopsTheThreadAndRefusesNewConnections() throws Exception {
        LinkProxy proxy = proxy(echo());
        InetSocketAddress address = proxy.listenAddress();
        Socket open = connect(address);
        assertThat(roundTrip(open, new byte[] {1})).containsExactly(1);

        proxy.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(thread -> thread.getName().equals("link-a->b"));
        assertThatThrownBy(() -> {
            if (open.getInputStream().read() < 0) {
                throw new SocketException("end of stream");
            }
        }).isInstanceOf(SocketException.class);
        assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
                .isInstanceOf(java.net.ConnectException.class);
    }
}
