package io.meridian.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import io.meridian.core.Area;
import io.meridian.core.MetadataImage;
import io.meridian.core.capability.CapabilitiesImage;
import io.meridian.core.capability.CapabilityCatalog;
import io.meridian.core.capability.CapabilityGate;
import io.meridian.core.testing.Effort;
import io.meridian.core.testing.EntryGen;
import io.meridian.core.testing.Replay;
import io.meridian.core.topology.Node;
import io.meridian.proto.MetadataEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * An entry a leader admitted while the cluster was at entry-format N may be applied after the
 * last old member was upgraded and the cluster went to N+1 (a rolling upgrade): it must apply
 * exactly as it would have at N. Otherwise replicas that applied it on either side of the upgrade
 * would diverge.
 */
@Timeout(300)
class EntryFormatPropertyTest {

    private static final String FORMAT = CapabilityCatalog.ENTRY_FORMAT.name();

    /** The image with every member supporting one entry-format more than the cluster is at. */
    private static MetadataImage oneFormatUp(MetadataImage image) {
        return atFormat(image, CapabilityGate.value(image.capabilities(), FORMAT) + 1);
    }

    /** The image with every member supporting entry-format 1 to {@code next}. */
    private static MetadataImage atFormat(MetadataImage image, long next) {
        TreePSet<Long> supported = TreePSet.empty();
        for (long v = 1; v <= next; v++) {
            supported = supported.plus(v);
        }
        TreePMap<String, TreePMap<String, TreePSet<Long>>> advertised = image.capabilities().advertised();
        for (Node node : image.topology().nodes().values()) {
            advertised = advertised.plus(node.id(), advertised.getOrDefault(node.id(), TreePMap.empty())
                    .plus(FORMAT, supported));
        }
        MetadataImage raised = image.withCapabilities(new CapabilitiesImage(advertised,
                CapabilitiesImage.negotiate(image.topology(), advertised)));
        assertThat(CapabilityGate.value(raised.capabilities(), FORMAT)).isEqualTo(next);
        return raised;
    }

    /** The outcome without the renegotiated capability values, which differ by construction. */
    private static Outcome withoutCapabilityChanges(Outcome outcome) {
        if (outcome instanceof Outcome.Applied applied) {
            return new Outcome.Applied(applied.changes().stream()
                    .filter(change -> !(change.area() == Area.CAPABILITY && change.subject().equals(FORMAT))).toList());
        }
        return outcome;
    }

    @Test
    void everyEntryAdmittedAtFormatNAppliesIdenticallyAtNPlusOne() {
        qt().withExamples(Effort.examples(300)).forAll(EntryGen.log(60)).checkAssert(log -> {
            Replay replay = EntryGen.start();
            MetadataApplier applier = new MetadataApplier();
            for (MetadataEntry entry : log) {
                MetadataImage before = replay.image();
                int logged = replay.log().size();
                ApplyResult atN = replay.apply(entry);
                if (replay.log().size() == logged) {
                    continue; // refused before the log: never applied anywhere
                }
                MetadataEntry stamped = replay.log().get(logged);
                ApplyResult atNPlusOne = applier.apply(oneFormatUp(before),
                        new EntryContext(replay.image().provenance().term(), replay.image().index()), stamped);

                assertThat(withoutCapabilityChanges(atNPlusOne.outcome())).as(stamped.toString())
                        .isEqualTo(withoutCapabilityChanges(atN.outcome()));
                MetadataImage expected = atN.image();
                MetadataImage actual = atNPlusOne.image().withCapabilities(expected.capabilities());
                assertThat(actual).as(stamped.toString()).isEqualTo(expected);
            }
        });
    }

    /**
     * The rules entry-format 5 and 6 added are keyed on the format stamped on the entry, never on the
     * cluster's value when it is applied: an entry the leader admitted at 5 (or 6) applies the same on
     * a replica whose cluster has dropped to 4 (or 5) since (a member joined without an advertisement).
     */
    @ParameterizedTest
    @ValueSource(ints = {5, 6})
    void anEntryAdmittedAtFormatNAppliesIdenticallyWhenTheClusterHasDroppedBelowN(int format) {
        qt().withExamples(Effort.examples(300)).forAll(EntryGen.log(60)).checkAssert(log -> {
            Replay replay = EntryGen.start();
            MetadataApplier applier = new MetadataApplier();
            for (MetadataEntry entry : log) {
                MetadataImage before = replay.image();
                int logged = replay.log().size();
                ApplyResult atN = replay.apply(entry);
                if (replay.log().size() == logged || replay.log().get(logged).getEntryFormat() < format) {
                    continue;
                }
                MetadataEntry stamped = replay.log().get(logged);
                ApplyResult below = applier.apply(atFormat(before, format - 1),
                        new EntryContext(replay.image().provenance().term(), replay.image().index()), stamped);

                assertThat(withoutCapabilityChanges(below.outcome())).as(stamped.toString())
                        .isEqualTo(withoutCapabilityChanges(atN.outcome()));
                MetadataImage expected = atN.image();
                assertThat(below.image().withCapabilities(expected.capabilities())).as(stamped.toString())
                        .isEqualTo(expected);
            }
        });
    }
}
