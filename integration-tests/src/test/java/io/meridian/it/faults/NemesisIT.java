package io.meridian.it.faults;

import static io.meridian.it.faults.HarnessLog.log;
import static io.meridian.it.faults.HarnessLog.millis;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meridian.client.MeridianClient;
import io.meridian.proto.CatalogDdl;
import io.meridian.proto.GetCatalogRequest;
import io.meridian.proto.MemberStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A longer run of the nemesis, off by default: {@code -Dfaults.nemesis=N} injects N faults
 * (every enabled fault once per round, in an order drawn from {@code -Dfaults.seed}), writes
 * between faults, and at the end expects every acknowledged write in the catalog, converged
 * replicas and the observer's invariants intact. {@code -Dfaults.enabled=KILL_LEADER,...} narrows
 * the faults; {@code -Dfaults.root=DIR} keeps the nodes' files.
 */
@Timeout(1800)
@EnabledIfSystemProperty(named = "faults.nemesis", matches = "[1-9][0-9]*")
class NemesisIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempRoot;

    @Test
    void everyFaultTakesEffectAndTheClusterKeepsEveryAcknowledgedWrite() throws Exception {
        int count = Integer.getInteger("faults.nemesis");
        long seed = Long.getLong("faults.seed", System.nanoTime());
        String enabledProperty = System.getProperty("faults.enabled", "");
        Set<Nemesis.Fault> enabled = enabledProperty.isBlank() ? EnumSet.allOf(Nemesis.Fault.class)
                : Arrays.stream(enabledProperty.split(",")).map(String::trim).map(Nemesis.Fault::valueOf)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Nemesis.Fault.class)));
        String keep = System.getProperty("faults.root");
        Path root = keep == null ? tempRoot : Files.createTempDirectory(Files.createDirectories(Path.of(keep)),
                "NemesisIT-");
        long begun = System.nanoTime();
        try (ProcessCluster cluster = ProcessCluster.builder(root)
                .electionTimeouts(Duration.ofMillis(500), Duration.ofSeconds(1))
                .nodeFlags("--snapshot-threshold", "200")
                .start()) {
            MeridianClient client = cluster.client();
            Nemesis nemesis = new Nemesis(cluster, seed, enabled,
                    Nemesis.Settings.defaults(cluster.electionTimeoutMax()));
            int writes = 0;
            List<String> failures = new ArrayList<>();
            for (Nemesis.Fault fault : nemesis.schedule(count)) {
                Nemesis.Record record = nemesis.inject(fault);
                if (!record.effective()) {
                    failures.add(record.toString());
                }
                for (int i = 0; i < 10; i++) {
                    client.placement().applyCatalogDdl(CatalogDdl.newBuilder().setPayload(ByteString.copyFromUtf8("x"))
                            .setDescription(fault + "-" + i).build());
                    writes++;
                }
            }
            SortedMap<String, MemberStatus> end = cluster.observer().awaitConverged(Duration.ofSeconds(60));
            long version = client.metadata().catalog(GetCatalogRequest.getDefaultInstance()).getVersion();
            log("NemesisIT (seed %d): %d faults in %d ms; converged at index %d; catalog version %d after %d "
                    + "acknowledged writes; %d polls; leaders by term %s%n  %s", seed, count,
                    millis(begun, System.nanoTime()), end.values().iterator().next().getAppliedIndex(), version,
                    writes, cluster.observer().polls(), cluster.observer().leadersByTerm(),
                    nemesis.history().stream().map(Nemesis.Record::toString).collect(Collectors.joining("\n  ")));
            cluster.observer().notes().forEach(note -> log("note: %s", note));
            assertThat(failures).as("faults that did not take effect (seed %d)", seed).isEmpty();
            assertThat(version).as("catalog entries after %d acknowledged writes (seed %d)", writes, seed)
                    .isEqualTo(writes);
            cluster.observer().assertInvariants();
        }
    }
}
