package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void withoutServerBackoffEveryDeliveryHasTheAckWaitAndTheNakDelayIsTheBackoff() {
        Deadlines d = new Deadlines(s(30), List.of(), 5);
        assertThat(d.forDelivery(1)).isEqualTo(s(30));
        assertThat(d.forDelivery(4)).isEqualTo(s(30));
        assertThat(d.shortest()).isEqualTo(s(30));
        assertThat(d.defaultHeartbeatInterval()).isEqualTo(s(10));
        assertThat(d.nakDelay(3, s(7))).isEqualTo(s(7));
    }

    @Test
    void serverBackoffGivesDeliveryNItsEntryAndTheLastRepeats() {
        Deadlines d = new Deadlines(s(2), List.of(s(2), s(5), s(9)), 6);
        assertThat(d.forDelivery(1)).isEqualTo(s(2));
        assertThat(d.forDelivery(2)).isEqualTo(s(5));
        assertThat(d.forDelivery(3)).isEqualTo(s(9));
        assertThat(d.forDelivery(6)).isEqualTo(s(9));
    }

    @Test
    void theDefaultHeartbeatIsAThirdOfTheShortestDeadlineThatCanBeUsed() {
        assertThat(new Deadlines(s(9), List.of(s(9), s(3), s(12)), 6).defaultHeartbeatInterval())
                .isEqualTo(s(1));
        assertThat(new Deadlines(s(9), List.of(s(9), s(12), s(3)), 2).shortest())
                .as("entry 3 is never used with maxDeliver 2")
                .isEqualTo(s(9));
    }

    @Test
    void withServerBackoffTheNakDelayIsReducedByTheStretchTheServerAdds() {
        // B-09: after a NAK with delay d on delivery n the server waits d + eff(n) - eff(1)
        Deadlines d = new Deadlines(s(2), List.of(s(2), s(5)), 4);
        assertThat(d.nakDelay(1, s(4))).isEqualTo(s(4));
        assertThat(d.nakDelay(2, s(4))).isEqualTo(s(1));
        assertThat(d.nakDelay(3, s(2))).as("cannot go below zero").isEqualTo(Duration.ZERO);
    }
}
