package io.meridian.core.capability;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import org.junit.jupiter.api.Test;

class CapabilityGateTest {

    @Test
    void everyKindOfTheCatalogueNeedsOnlyTheFloor() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3");

        assertThat(CapabilityGate.check(replay.image().topology(), replay.image().capabilities(),
                Entries.split(1, "m"))).isEmpty();
        assertThat(CapabilityGate.requirement(Entries.batch(Entries.catalogDdl("x"), Entries.join("n4"))))
                .isEqualTo(new CapabilityGate.Requirement("meridian.entry-format", 1));
    }
}
