package dev.jscontract.benchmarks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A poison flood, a downstream outage behind a breaker, and shutdowns during handlers (CI size). */
class ConsumerFaultsIT {

    @Test
    void aPoisonFloodIsDeadLetteredAtFirstDeliveryThrottledByTheRateGuardWithoutSpinning() throws Exception {
        Figures f = ReliabilityChecks.run(Scenarios::poisonFlood);
        assertThat(f.lost()).as("every poison message dead-lettered or kept").isZero();
        assertThat(f.parked()).as("dead-lettered").isPositive().isLessThan(f.messages());
        assertThat(f.redeliveries()).as("poison is not retried").isLessThanOrEqualTo(8);
        assertThat(f.note()).doesNotContain("tripped 0 times");
    }

    @Test
    void aDownstreamOutageBehindABreakerDeadLettersNothingAndDeliversAtMostTwice() throws Exception {
        Figures f = ReliabilityChecks.run(Scenarios::downstreamOutage);
        assertThat(f.lost()).isZero();
        assertThat(f.duplicatedSideEffects()).isZero();
        assertThat(f.parked()).as("dead letters").isZero();
        assertThat(f.note()).containsPattern("highest delivery [12] of 5");
    }

    @Test
    void shutdownsDuringHandlersLoseDuplicateAndDeadLetterNothing() throws Exception {
        Figures f = ReliabilityChecks.run(Scenarios::shutdowns);
        ReliabilityChecks.assertNothingLostOrDuplicated(f, Size.CI.shutdowns());
    }
}
