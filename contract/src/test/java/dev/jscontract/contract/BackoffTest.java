package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void fixedIsTheSameEveryTime() {
        Backoff b = Backoff.fixed(Duration.ofSeconds(5));
        assertThat(b.delayFor(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.delayFor(7)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.toString()).isEqualTo("Backoff.fixed(PT5S)");
    }

    @Test
    void exponentialGrowsAndIsCapped() {
        Backoff b = Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10));
        assertThat(b.delayFor(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delayFor(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delayFor(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(b.delayFor(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.delayFor(1000)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void listRepeatsItsLastEntry() {
        Backoff b = Backoff.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
        assertThat(b.delayFor(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delayFor(3)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.delayFor(9)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.getMax()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void noneIsZero() {
        assertThat(Backoff.none().delayFor(3)).isZero();
        assertThat(Backoff.none().isNone()).isTrue();
    }

    @Test
    void jitterStaysWithinItsBounds() {
        Backoff b = Backoff.fixed(Duration.ofSeconds(10)).withJitter(0.2);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 1000; i++) {
            Duration d = b.delayFor(1, random);
            assertThat(d).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
        }
        assertThat(b.minDelayFor(1)).isEqualTo(Duration.ofSeconds(8));
        assertThat(b.maxDelayFor(1)).isEqualTo(Duration.ofSeconds(12));
        assertThat(b.baseDelayFor(1)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badValuesAreRejectedWithTheFix() {
        assertThatThrownBy(() -> Backoff.fixed(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must be positive but was PT0S; for immediate redelivery use Backoff.none()");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(-1), 2, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initial must be positive but was PT-1S");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), 1.0, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multiplier must be greater than 1 but was 1.0; for a constant delay use"
                        + " Backoff.fixed(initial)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Double.NaN, Duration.ofSeconds(5)))
                .hasMessageStartingWith("multiplier must be greater than 1 but was NaN");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(10), 2, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max must be at least initial (PT10S) but was PT5S; raise max or lower initial");
        assertThatThrownBy(Backoff::of)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("delays must not be empty");
        assertThatThrownBy(() -> Backoff.of(Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delays[1] must be positive but was PT0S");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(1)).withJitter(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jitter must be in (0, 1] but was 0.0");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(1)).withJitter(1.5))
                .hasMessage("jitter must be in (0, 1] but was 1.5");
        assertThatThrownBy(() ->
                        Backoff.fixed(Duration.ofSeconds(1)).withJitter(0.1).withJitter(0.2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("jitter was already set to 0.1; set each option once");
        assertThatThrownBy(() -> Backoff.none().withJitter(0.1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Backoff.none() has no delay to jitter");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofSeconds(1)).delayFor(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deliveryCount must be at least 1 but was 0");
    }
}
