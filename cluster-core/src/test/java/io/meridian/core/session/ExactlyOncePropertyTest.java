package io.meridian.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import com.google.protobuf.ByteString;
import io.meridian.core.MetadataImage;
import io.meridian.core.apply.Outcome;
import io.meridian.core.apply.Outcomes;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.testing.Effort;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.EntryGen;
import io.meridian.core.testing.Replay;
import io.meridian.proto.EntryOutcome;
import io.meridian.proto.MetadataEntry;
import io.meridian.proto.RequestId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exactly once over random logs: a log in which copies of requests come back later (as when a
 * leader steps down and a request is sent again) reaches the same state as the log without the
 * copies, and every copy is answered with its request's first outcome.
 */
@Timeout(300)
class ExactlyOncePropertyTest {

    /** Where the logs start: EntryGen's cluster, with every member at this build's entry format. */
    private static Replay start() {
        Replay replay = EntryGen.start();
        byte[] local = CapabilityCatalog.localAdvertisement().encode();
        for (String node : new String[] {"n1", "n2", "n3", "n4", "n5"}) {
            replay.applied(Entries.advertiseCapabilities(node, local));
        }
        return replay;
    }

    /** The entry as request {@code sequence} of one of three clients. */
    private static MetadataEntry identified(MetadataEntry entry, int sequence) {
        byte[] client = new byte[ClientId.LENGTH];
        client[0] = (byte) (sequence % 3);
        return entry.toBuilder().setRequest(RequestId.newBuilder().setClientId(ByteString.copyFrom(client))
                .setSequence(sequence).setLowestUnanswered(1)).build();
    }

    /**
     * Whether the entry may lower the cluster's entry format (an advertisement, or a member that
     * joins without one): below 4 the leader leaves identities out, so exactly-once holds while
     * every member applies entry-format 4. Real joins carry the node's advertisement in their batch.
     */
    private static boolean advertisesCapabilities(MetadataEntry entry) {
        if (entry.hasBatch()) {
            return entry.getBatch().getEntriesList().stream().anyMatch(ExactlyOncePropertyTest::advertisesCapabilities);
        }
        return entry.hasCapabilityAdvertisement()
                || (entry.hasTopology() && entry.getTopology().hasJoin())
                || (entry.hasTopology() && entry.getTopology().hasAdvertise()
                        && !entry.getTopology().getAdvertise().getCapabilities().isEmpty());
    }

    @Test
    void copiesOfRequestsChangeNothingAndAreAnsweredWithTheFirstOutcome() {
        qt().withExamples(Effort.examples(300))
                .forAll(EntryGen.log(40), lists().of(integers().between(0, 1_000)).ofSizeBetween(1, 8))
                .checkAssert((log, copies) -> {
                    List<MetadataEntry> requests = new ArrayList<>();
                    for (MetadataEntry entry : log) {
                        if (!advertisesCapabilities(entry)) {
                            requests.add(identified(entry, requests.size() + 1));
                        }
                    }
                    if (requests.isEmpty()) {
                        return;
                    }
                    Replay once = start();
                    requests.forEach(once::apply);

                    Replay withCopies = start();
                    List<EntryOutcome> firstOutcomes = new ArrayList<>();
                    List<Integer> copyAfter = copies.stream().map(c -> c % requests.size()).sorted().toList();
                    int nextCopy = 0;
                    for (int i = 0; i < requests.size(); i++) {
                        MetadataImage before = withCopies.image();
                        Outcome outcome = withCopies.apply(requests.get(i)).outcome();
                        long index = withCopies.image().index();
                        firstOutcomes.add(index == before.index() ? null
                                : Outcomes.recorded(withCopies.image().provenance().term(), index, outcome));
                        while (nextCopy < copyAfter.size() && copyAfter.get(nextCopy) <= i) {
                            int copied = copyAfter.get(nextCopy++) % (i + 1);
                            long logged = withCopies.log().size();
                            Outcome again = withCopies.apply(requests.get(copied)).outcome();
                            if (withCopies.log().size() > logged) {
                                withCopies.advance(-1); // the copy takes no logical time from the entries after it
                            }
                            if (firstOutcomes.get(copied) != null) {
                                assertThat(again).isEqualTo(new Outcome.Repeated(firstOutcomes.get(copied)));
                            }
                        }
                    }

                    MetadataImage a = once.image();
                    MetadataImage b = withCopies.image();
                    assertThat(b.topology()).isEqualTo(a.topology());
                    assertThat(b.routing()).isEqualTo(a.routing());
                    assertThat(b.migrations()).isEqualTo(a.migrations());
                    assertThat(b.joinTokens()).isEqualTo(a.joinTokens());
                    assertThat(b.ghosts()).isEqualTo(a.ghosts());
                    assertThat(b.edgeCache()).isEqualTo(a.edgeCache());
                    assertThat(b.capabilities()).isEqualTo(a.capabilities());
                    assertThat(b.scheduler()).isEqualTo(a.scheduler());
                    assertThat(b.catalog().version()).isEqualTo(a.catalog().version());
                });
    }
}
