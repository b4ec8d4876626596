package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.internal.Threshold.Crossing;
import org.junit.jupiter.api.Test;

class ThresholdTest {

    @Test
    void risesOncePerCrossingAndFallsOnceWhenBackAtOrBelow() {
        Threshold t = new Threshold(100);
        assertThat(t.measure(0)).isEqualTo(Crossing.NONE);
        assertThat(t.measure(100)).as("at the threshold is not above").isEqualTo(Crossing.NONE);
        assertThat(t.measure(101)).isEqualTo(Crossing.ROSE);
        assertThat(t.measure(5_000)).as("still above: no second warning").isEqualTo(Crossing.NONE);
        assertThat(t.measure(101)).isEqualTo(Crossing.NONE);
        assertThat(t.measure(100)).isEqualTo(Crossing.FELL);
        assertThat(t.measure(3)).isEqualTo(Crossing.NONE);
        assertThat(t.measure(101)).as("the next crossing warns again").isEqualTo(Crossing.ROSE);
    }

    @Test
    void theLimitIsTheThreshold() {
        assertThat(new Threshold(7).limit()).isEqualTo(7);
    }
}
