package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.DeadLetterRateGuard;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateWindowTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final DeadLetterRateGuard guard = DeadLetterRateGuard.builder()
            .window(10)
            .minimumDeliveries(4)
            .maxShare(0.5)
            .pause(Duration.ofSeconds(30))
            .build();

    @Test
    void doesNotTripBeforeTheMinimumNumberOfDeliveries() {
        RateWindow w = new RateWindow(guard);
        assertThat(w.record(true, T0)).isNull();
        assertThat(w.record(true, T0)).isNull();
        assertThat(w.record(true, T0)).isNull();
        assertThat(w.isPaused()).isFalse();
        RateWindow.Trip trip = w.record(true, T0);
        assertThat(trip).isNotNull();
        assertThat(trip.deadLettered()).isEqualTo(4);
        assertThat(trip.window()).isEqualTo(4);
        assertThat(trip.share()).isEqualTo(1.0);
        assertThat(trip.pausedUntil()).isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void aShareAtTheLimitDoesNotTripAboveItDoes() {
        RateWindow w = new RateWindow(guard);
        w.record(true, T0);
        w.record(false, T0);
        w.record(true, T0);
        assertThat(w.record(false, T0)).as("2 of 4 = 0.5, not above 0.5").isNull();
        assertThat(w.record(true, T0)).as("3 of 5 = 0.6").isNotNull();
    }

    @Test
    void onlyTheLastWindowOfDeliveriesCounts() {
        RateWindow w = new RateWindow(guard);
        for (int i = 0; i < 25; i++) {
            w.record(false, T0);
        }
        for (int k = 1; k <= 5; k++) {
            assertThat(w.record(true, T0)).as("%d of the last 10", k).isNull();
        }
        assertThat(w.size()).isEqualTo(10);
        assertThat(w.deadLettered()).isEqualTo(5);
        RateWindow.Trip trip = w.record(true, T0);
        assertThat(trip).as("6 of the last 10: the older successes slid out").isNotNull();
        assertThat(trip.deadLettered()).isEqualTo(6);
        assertThat(trip.window()).isEqualTo(10);
    }

    @Test
    void trippedOnceWhilePausedThenResumesWithAnEmptyWindow() {
        RateWindow w = new RateWindow(guard);
        for (int i = 0; i < 3; i++) {
            w.record(true, T0);
        }
        assertThat(w.record(true, T0)).isNotNull();
        assertThat(w.record(true, T0)).as("already paused: no second trip").isNull();
        assertThat(w.resumeIfDue(T0.plusSeconds(29))).isFalse();
        assertThat(w.isPaused()).isTrue();
        assertThat(w.resumeIfDue(T0.plusSeconds(30))).isTrue();
        assertThat(w.isPaused()).isFalse();
        assertThat(w.size()).isZero();
        assertThat(w.record(true, T0.plusSeconds(31)))
                .as("fresh window below the minimum")
                .isNull();
    }
}
