package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DuplicateWindowGuardTest {

    @Test
    void aWindowLongerThanTheHorizonIsFine() {
        assertThat(DuplicateWindowGuard.problem("ORDERS", Duration.ofMinutes(2), Duration.ofSeconds(60)))
                .isEmpty();
    }

    @Test
    void aShortWindowIsReportedWithStreamWindowHorizonAndFix() {
        String problem = DuplicateWindowGuard.problem("ORDERS", Duration.ofSeconds(1), Duration.ofMinutes(2))
                .orElseThrow();
        assertThat(problem)
                .isEqualTo("stream ORDERS has a duplicate window of 1s (PT1S) but the outbox relay may re-publish a"
                        + " row up to 2m (PT2M) after its first publish (its retry horizon), so a re-published row"
                        + " would be stored twice (PUB-002). Fix: raise the stream's duplicate_window above PT2M (it"
                        + " must stay at most max_age), or shorten the relay's horizon (maxAttempts, retryBackoff,"
                        + " publishTimeout, rebalanceInterval, retryHorizon), or accept the risk with"
                        + " duplicateWindowCheck(DuplicateWindowCheck.WARN)");
    }

    @Test
    void theWalRelayNamesEventsAndItsOwnSettings() {
        String problem = DuplicateWindowGuard.problem(
                        "ORDERS", Duration.ofSeconds(1), Duration.ofMinutes(2), DuplicateWindowGuard.Mode.WAL)
                .orElseThrow();
        assertThat(problem)
                .isEqualTo("stream ORDERS has a duplicate window of 1s (PT1S) but the outbox relay may re-publish an"
                        + " event up to 2m (PT2M) after its first publish (its retry horizon), so a re-published event"
                        + " would be stored twice (PUB-002). Fix: raise the stream's duplicate_window above PT2M (it"
                        + " must stay at most max_age), or shorten the relay's horizon (maxAttempts, retryBackoff,"
                        + " publishTimeout, retryHorizon, or WalSettings' takeoverInterval and statusInterval), or"
                        + " accept the risk with duplicateWindowCheck(DuplicateWindowCheck.WARN)");
    }

    @Test
    void anEqualWindowIsNotEnough() {
        assertThat(DuplicateWindowGuard.problem("S", Duration.ofSeconds(30), Duration.ofSeconds(30)))
                .isPresent();
    }

    @Test
    void anUnsetWindowMeansTheServerDefaultOfTwoMinutes() {
        assertThat(DuplicateWindowGuard.effective(Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
        assertThat(DuplicateWindowGuard.problem("S", Duration.ZERO, Duration.ofSeconds(119)))
                .isEmpty();
        assertThat(DuplicateWindowGuard.problem("S", Duration.ZERO, Duration.ofSeconds(121)))
                .isPresent();
    }

    @Test
    void theMinimumHorizonAddsAttemptsBackoffAndTakeover() {
        Duration h = RelayConfig.minimumHorizon(
                3,
                Duration.ofSeconds(5),
                dev.jscontract.outbox.RetryBackoff.fixed(Duration.ofSeconds(1)),
                Duration.ofSeconds(2));
        // 3 x 5 s + 2 x 1 s + 2 x 2 s
        assertThat(h).isEqualTo(Duration.ofSeconds(21));
    }
}
