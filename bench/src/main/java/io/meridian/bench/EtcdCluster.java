package io.meridian.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Three etcd members on loopback (the `etcd` binary on the PATH, e.g. Debian's etcd-server), with
 * default durability, written to by jetcd: puts of the size of Meridian's entries over 64 keys
 * per client.
 */
final class EtcdCluster implements AutoCloseable {

    private final Procs procs;
    private final String binary;
    private final List<String> endpoints = new ArrayList<>();

    private EtcdCluster(Path dir, String binary) throws IOException {
        this.procs = new Procs(dir);
        this.binary = binary;
    }

    /** The etcd binary on the PATH, if there is one. */
    static Optional<String> binary() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    static EtcdCluster create(Path dir, String binary) throws IOException {
        return new EtcdCluster(dir, binary);
    }

    /** The version the binary reports, e.g. "3.4.23". */
    String version() {
        try {
            Process process = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            return out.lines().filter(line -> line.startsWith("etcd Version:")).findFirst()
                    .map(line -> line.substring("etcd Version:".length()).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    void start() throws Exception {
        List<String> names = List.of("e1", "e2", "e3");
        List<Integer> peerPorts = new ArrayList<>();
        List<String> initial = new ArrayList<>();
        for (String name : names) {
            int peer = Procs.freePort();
            peerPorts.add(peer);
            endpoints.add("http://127.0.0.1:" + Procs.freePort());
            initial.add(name + "=http://127.0.0.1:" + peer);
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            String peerUrl = "http://127.0.0.1:" + peerPorts.get(i);
            procs.exec(name, List.of(binary, "--name", name, "--data-dir", procs.dir().resolve(name).toString(),
                    "--listen-client-urls", endpoints.get(i), "--advertise-client-urls", endpoints.get(i),
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", String.join(",", initial), "--initial-cluster-state", "new",
                    "--initial-cluster-token", "meridian-bench", "--log-outputs", "stderr"));
        }
        try (Client client = client()) {
            ByteSequence key = bytes("/meridian-bench/probe");
            Wait.until("etcd to take a put (logs in " + procs.dir() + ")", Duration.ofSeconds(60),
                    () -> client.getKVClient().put(key, key).get(10, TimeUnit.SECONDS) != null);
        }
    }

    private Client client() {
        return Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    Load.Clients clients(int payloadBytes) {
        return index -> {
            Client client = client();
            byte[] payload = new byte[payloadBytes];
            ByteSequence[] keys = new ByteSequence[MeridianCluster.SHARDS];
            for (int k = 0; k < keys.length; k++) {
                keys[k] = bytes(String.format(Locale.ROOT, "/meridian-bench/c%03d/k%02d", index, k));
            }
            return new Load.Client() {
                @Override
                public void write(long sequence) throws Exception {
                    payload[(int) (sequence % payload.length)]++;
                    client.getKVClient().put(keys[(int) (sequence % keys.length)], ByteSequence.from(payload)).get();
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        };
    }

    @Override
    public void close() throws InterruptedException {
        procs.close();
    }
}
