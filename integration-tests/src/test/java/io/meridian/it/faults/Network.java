package io.meridian.it.faults;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Raft network of a {@link ProcessCluster}: one {@link LinkProxy} per directed link between
 * nodes. Node {@code a} reaches node {@code b} at a loopback address of its own for that link,
 * {@code 127.0.a.b} (Linux routes all of 127.0.0.0/8 to lo), on {@code b}'s raft port; the proxy
 * listening there forwards to {@code 127.0.0.1}, where {@code b} listens. So every directed link
 * can be cut on its own, without root and without changing the nodes.
 *
 * <p>Only Raft traffic passes here. The nodes' API traffic (the test's clients, the status
 * fan-out, the forwarding of scheduler calls to the leader) goes straight to 127.0.0.1.
 *
 * <p>Thread-safe: operations are serialized; each returns once every link it changed is in force.
 */
public final class Network implements AutoCloseable {

    /** The links, by "from->to", in a stable order. */
    private final SortedMap<String, LinkProxy> links = new TreeMap<>();
    private final List<String> nodes;

    private Network(List<String> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts a proxy for every ordered pair of nodes. {@code raftPorts} gives each node's raft
     * port, in node order; the i-th node (from 1) is the i in its link addresses.
     */
    static Network start(SortedMap<String, Integer> raftPorts) throws IOException {
        List<String> ids = new ArrayList<>(raftPorts.keySet());
        if (ids.size() > 254) {
            throw new IllegalArgumentException("at most 254 nodes: link addresses are 127.0.<from>.<to>");
        }
        Network network = new Network(ids);
        try {
            for (int a = 0; a < ids.size(); a++) {
                for (int b = 0; b < ids.size(); b++) {
                    if (a == b) {
                        continue;
                    }
                    int port = raftPorts.get(ids.get(b));
                    InetSocketAddress listen = new InetSocketAddress(linkAddress(a + 1, b + 1), port);
                    InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                    String name = ids.get(a) + "->" + ids.get(b);
                    network.links.put(name, LinkProxy.start(name, listen, target));
                }
            }
            return network;
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /** The loopback address node number {@code from} dials to reach node number {@code to} (both from 1). */
    static InetAddress linkAddress(int from, int to) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, (byte) from, (byte) to});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public LinkProxy link(String from, String to) {
        LinkProxy link = links.get(from + "->" + to);
        if (link == null) {
            throw new IllegalArgumentException("no link " + from + "->" + to + "; nodes are " + nodes);
        }
        return link;
    }

    public Collection<LinkProxy> links() {
        return links.values();
    }

    /** Cuts every link to and from {@code node}, both ways. */
    public synchronized void isolate(String node) {
        partition(Set.of(node));
    }

    /** Cuts every link between {@code side} and the other nodes, both ways; links inside each side stay. */
    public synchronized void partition(Collection<String> side) {
        Set<String> inside = new TreeSet<>(side);
        if (!nodes.containsAll(inside)) {
            throw new IllegalArgumentException("unknown nodes in " + inside + "; nodes are " + nodes);
        }
        for (Map.Entry<String, LinkProxy> link : links.entrySet()) {
            String[] ends = link.getKey().split("->");
            if (inside.contains(ends[0]) != inside.contains(ends[1])) {
                link.getValue().setMode(LinkProxy.Mode.BLACKHOLE);
            }
        }
    }

    /**
     * One-way cut: what {@code from} sends no longer reaches {@code to}. Its requests to {@code to}
     * are dropped, and so are its replies to requests from {@code to}; {@code to}'s messages still
     * reach {@code from}.
     */
    public synchronized void cut(String from, String to) {
        LinkProxy out = link(from, to);
        LinkProxy back = link(to, from);
        out.setMode(out.mode() == LinkProxy.Mode.DROP_REPLIES ? LinkProxy.Mode.BLACKHOLE
                : out.mode() == LinkProxy.Mode.UP ? LinkProxy.Mode.DROP_REQUESTS : out.mode());
        back.setMode(back.mode() == LinkProxy.Mode.DROP_REQUESTS ? LinkProxy.Mode.BLACKHOLE
                : back.mode() == LinkProxy.Mode.UP ? LinkProxy.Mode.DROP_REPLIES : back.mode());
    }

    /** Every link up; connections that lost bytes while cut are reset, so peers reconnect at once. */
    public synchronized void heal() {
        for (LinkProxy link : links.values()) {
            link.setMode(LinkProxy.Mode.UP);
        }
    }

    /** Whether any link is not {@link LinkProxy.Mode#UP}. */
    public synchronized boolean isCut() {
        return links.values().stream().anyMatch(link -> link.mode() != LinkProxy.Mode.UP);
    }

    /** One line per link: mode and counters. */
    public synchronized String describe() {
        StringBuilder out = new StringBuilder();
        for (LinkProxy link : links.values()) {
            LinkProxy.Stats stats = link.stats();
            out.append(String.format("%-10s %-13s open=%d accepted=%d forwarded=%dB dropped=%dB severed=%d%n",
                    link.name(), link.mode(), stats.open(), stats.accepted(), stats.forwardedBytes(),
                    stats.droppedBytes(), stats.severed()));
        }
        return out.toString();
    }

    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        for (LinkProxy link : links.values()) {
            try {
                link.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
