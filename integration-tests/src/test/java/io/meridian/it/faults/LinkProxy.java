package io.meridian.it.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder for one directed Raft link: node {@code from} dials {@link #listenAddress()} (its
 * hosts file maps the peer's name there) and the bytes go on to {@code target}, where node
 * {@code to} listens. Dropping bytes here is how the harness cuts a link without root: the kernel
 * still accepts every connection, so nothing is refused and the peers must time out, as in a
 * real partition.
 *
 * <p>Each connection keeps a 64 KiB buffer per direction; a full buffer stops reading from the
 * sender, so backpressure reaches the sender's TCP window and gRPC's long-lived HTTP/2 streams
 * (AppendEntries, snapshot chunks) behave as on a plain connection.
 *
 * <p>Thread-safe: one selector thread does all the I/O; {@link #setMode} and {@link #sever} hand
 * their work to it and return once it is applied, so a fault is in force when the call returns.
 */
public final class LinkProxy implements AutoCloseable {

    /** What the link does with the bytes of each direction. */
    public enum Mode {
        /** Forward both ways. */
        UP(false, false),
        /** Keep and accept connections, drop every byte both ways; open no new upstream connections. */
        BLACKHOLE(true, true),
        /** Drop what the dialing node sends; forward what comes back. */
        DROP_REQUESTS(true, false),
        /** Forward what the dialing node sends; drop what comes back. */
        DROP_REPLIES(false, true);

        private final boolean dropsRequests;
        private final boolean dropsReplies;

        Mode(boolean dropsRequests, boolean dropsReplies) {
            this.dropsRequests = dropsRequests;
            this.dropsReplies = dropsReplies;
        }
    }

    /** Counters since the proxy started. */
    public record Stats(long accepted, int open, long forwardedBytes, long droppedBytes, long severed) {
    }

    private static final int BUFFER = 64 << 10;
    private static final long LOOP_CALL_TIMEOUT_SECONDS = 10;

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread loop;
    private final ConcurrentLinkedQueue<FutureTask<?>> tasks = new ConcurrentLinkedQueue<>();
    private final Set<Connection> connections = new LinkedHashSet<>();
    /** Where the loop reads bytes that are dropped; owned by the loop thread. */
    private final ByteBuffer sink = ByteBuffer.allocate(BUFFER);
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong severed = new AtomicLong();
    private volatile Mode mode = Mode.UP;
    private volatile boolean closing;

    private LinkProxy(String name, InetSocketAddress listen, InetSocketAddress target) throws IOException {
        this.name = name;
        this.target = target;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.bind(listen, 128);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw new IOException("link " + name + " cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        this.loop = new Thread(this::run, "link-" + name);
        this.loop.setDaemon(true);
    }

    /** A proxy listening on {@code listen} and forwarding to {@code target}, running when it returns. */
    public static LinkProxy start(String name, InetSocketAddress listen, InetSocketAddress target)
            throws IOException {
        LinkProxy proxy = new LinkProxy(name, listen, target);
        proxy.loop.start();
        return proxy;
    }

    public String name() {
        return name;
    }

    public InetSocketAddress listenAddress() {
        return (InetSocketAddress) server.socket().getLocalSocketAddress();
    }

    public InetSocketAddress target() {
        return target;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Switches the link to {@code next}. Bytes buffered in a direction that now drops are lost, as
     * packets in flight are in a partition. Back to {@link Mode#UP}, every connection that lost
     * bytes is severed (its HTTP/2 framing is torn), so the peers reconnect at once instead of
     * waiting out their own timeouts.
     */
    public void setMode(Mode next) {
        onLoop(() -> {
            mode = next;
            List<Connection> torn = new ArrayList<>();
            for (Connection connection : connections) {
                connection.modeChanged();
                if (next == Mode.UP && connection.lostBytes) {
                    torn.add(connection);
                }
            }
            torn.forEach(Connection::abort);
            severed.addAndGet(torn.size());
            return null;
        });
    }

    /** Resets every open connection (RST both ways); returns how many there were. */
    public int sever() {
        return onLoop(() -> {
            List<Connection> all = new ArrayList<>(connections);
            all.forEach(Connection::abort);
            severed.addAndGet(all.size());
            return all.size();
        });
    }

    public Stats stats() {
        int open = closing ? 0 : onLoop(connections::size);
        return new Stats(accepted.get(), open, forwarded.get(), dropped.get(), severed.get());
    }

    @Override
    public String toString() {
        return name + " " + mode;
    }

    /** Stops accepting, resets every connection and ends the loop thread. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        selector.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(LOOP_CALL_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive()) {
            throw new IllegalStateException("link " + name + ": its loop thread did not stop");
        }
    }

    // ---- The loop thread. ----

    private <T> T onLoop(Callable<T> work) {
        if (Thread.currentThread() == loop) {
            try {
                return work.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (closing || !loop.isAlive()) {
            throw new IllegalStateException("link " + name + " is closed");
        }
        FutureTask<T> task = new FutureTask<>(work);
        tasks.add(task);
        selector.wakeup();
        try {
            return task.get(LOOP_CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for link " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("link " + name + ": " + e, e);
        }
    }

    private void run() {
        try {
            while (!closing) {
                selector.select();
                for (FutureTask<?> task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        ((Connection) key.attachment()).ready(key);
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closing) {
                System.err.println("link " + name + ": loop failed: " + e);
            }
        } finally {
            new ArrayList<>(connections).forEach(Connection::abort);
            for (FutureTask<?> task = tasks.poll(); task != null; task = tasks.poll()) {
                task.cancel(false);
            }
            closeQuietly(server);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel client;
        while ((client = server.accept()) != null) {
            accepted.incrementAndGet();
            try {
                client.configureBlocking(false);
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connections.add(new Connection(client));
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    /**
     * One accepted connection and, unless it was accepted while the link was a black hole, its
     * upstream connection to the target. Confined to the loop thread.
     */
    private final class Connection {
        private final SocketChannel client;
        private final SelectionKey clientKey;
        private SocketChannel upstream;
        private SelectionKey upstreamKey;
        private boolean upstreamConnected;
        /** Bytes from the client for upstream, in write mode. */
        private final ByteBuffer requests = ByteBuffer.allocate(BUFFER);
        /** Bytes from upstream for the client, in write mode. */
        private final ByteBuffer replies = ByteBuffer.allocate(BUFFER);
        private boolean clientEof;
        private boolean upstreamEof;
        private boolean closed;
        /** Some bytes were dropped: the streams are torn, so the connection must not outlive the fault. */
        private boolean lostBytes;

        Connection(SocketChannel client) throws IOException {
            this.client = client;
            this.clientKey = client.register(selector, 0, this);
            if (mode == Mode.BLACKHOLE) {
                // Like a SYN into a partition: the dialer waits and nothing reaches the peer.
                lostBytes = true;
            } else {
                openUpstream();
            }
            updateInterest();
        }

        private void openUpstream() throws IOException {
            upstream = SocketChannel.open();
            upstream.configureBlocking(false);
            upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
            upstreamConnected = upstream.connect(target);
            upstreamKey = upstream.register(selector, 0, this);
        }

        void ready(SelectionKey key) {
            try {
                if (key == upstreamKey && key.isConnectable()) {
                    upstreamConnected = upstream.finishConnect();
                }
                if (key.isValid() && key.isReadable()) {
                    if (key == clientKey) {
                        readClient();
                    } else {
                        readUpstream();
                    }
                }
                if (!closed && key.isValid() && key.isWritable()) {
                    if (key == clientKey) {
                        flush(replies, client);
                    } else {
                        flush(requests, upstream);
                    }
                }
                if (!closed) {
                    finishHalfCloses();
                }
                if (!closed) {
                    updateInterest();
                }
            } catch (IOException e) {
                // A reset, a refused upstream or a peer that died: the connection is over both ways.
                abort();
            }
        }

        private void readClient() throws IOException {
            if (mode.dropsRequests || upstream == null) {
                drain(client, true);
                return;
            }
            int n = client.read(requests);
            if (n < 0) {
                clientEof = true;
            }
        }

        private void readUpstream() throws IOException {
            if (mode.dropsReplies) {
                drain(upstream, false);
                return;
            }
            int n = upstream.read(replies);
            if (n < 0) {
                upstreamEof = true;
            }
        }

        /** Reads and forgets; an end of stream is not passed on either, as a partition would not. */
        private void drain(SocketChannel from, boolean isClient) throws IOException {
            sink.clear();
            int n = from.read(sink);
            if (n > 0) {
                dropped.addAndGet(n);
                lostBytes = true;
            } else if (n < 0) {
                lostBytes = true;
                if (isClient) {
                    clientEof = true;
                } else {
                    upstreamEof = true;
                }
            }
        }

        private void flush(ByteBuffer buffer, SocketChannel to) throws IOException {
            buffer.flip();
            try {
                forwarded.addAndGet(to.write(buffer));
            } finally {
                buffer.compact();
            }
        }

        /** Passes an end of stream on once what came before it is delivered. */
        private void finishHalfCloses() throws IOException {
            boolean clientDone = clientEof && requests.position() == 0;
            boolean upstreamDone = upstream == null || upstreamEof && replies.position() == 0;
            if (clientDone && upstreamDone) {
                close();
                return;
            }
            if (clientDone && upstream != null && upstreamConnected && !mode.dropsRequests && !lostBytes) {
                upstream.shutdownOutput();
            }
            if (upstreamDone && !mode.dropsReplies && !lostBytes) {
                client.shutdownOutput();
            }
        }

        void modeChanged() {
            if (closed) {
                return;
            }
            if (mode.dropsRequests && requests.position() > 0) {
                dropped.addAndGet(requests.position());
                requests.clear();
                lostBytes = true;
            }
            if (mode.dropsReplies && replies.position() > 0) {
                dropped.addAndGet(replies.position());
                replies.clear();
                lostBytes = true;
            }
            updateInterest();
        }

        private void updateInterest() {
            if (closed) {
                return;
            }
            boolean draining = mode.dropsRequests || upstream == null;
            int clientOps = 0;
            if (!clientEof && (draining || requests.hasRemaining())) {
                clientOps |= SelectionKey.OP_READ;
            }
            if (replies.position() > 0) {
                clientOps |= SelectionKey.OP_WRITE;
            }
            clientKey.interestOps(clientOps);
            if (upstreamKey != null) {
                int upstreamOps = 0;
                if (!upstreamConnected) {
                    upstreamOps = SelectionKey.OP_CONNECT;
                } else {
                    if (!upstreamEof && (mode.dropsReplies || replies.hasRemaining())) {
                        upstreamOps |= SelectionKey.OP_READ;
                    }
                    if (requests.position() > 0) {
                        upstreamOps |= SelectionKey.OP_WRITE;
                    }
                }
                upstreamKey.interestOps(upstreamOps);
            }
        }

        private void close() {
            if (closed) {
                return;
            }
            closed = true;
            connections.remove(this);
            clientKey.cancel();
            closeQuietly(client);
            if (upstream != null) {
                upstreamKey.cancel();
                closeQuietly(upstream);
            }
        }

        /** Closes both sides with a reset, so each peer learns at once that the connection is gone. */
        void abort() {
            if (closed) {
                return;
            }
            for (SocketChannel channel : upstream == null ? List.of(client) : List.of(client, upstream)) {
                try {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                } catch (IOException | UncheckedIOException ignored) {
                    // already closed by the peer: a plain close will do
                }
            }
            close();
        }
    }
}
