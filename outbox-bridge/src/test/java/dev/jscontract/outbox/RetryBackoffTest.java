package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import nl.jqno.equalsverifier.EqualsVerifier;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

    @Test
    void exponentialDoublesUpToTheCap() {
        RetryBackoff b = RetryBackoff.exponential(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1));
        assertThat(b.baseDelay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.baseDelay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.baseDelay(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.baseDelay(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.baseDelay(500)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitterSpreadsTheDelayAroundTheBase() {
        RetryBackoff b = RetryBackoff.fixed(Duration.ofSeconds(1)).withJitter(0.2);
        assertThat(b.delay(3, 0.0)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(3, 0.999999)).isBetween(Duration.ofMillis(1199), Duration.ofMillis(1200));
        assertThat(b.maxDelay(3)).isEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void maxTotalSumsTheLongestDelays() {
        RetryBackoff b = RetryBackoff.exponential(Duration.ofMillis(100), 2.0, Duration.ofMillis(400))
                .withJitter(0.5);
        // 150 + 300 + 600 + 600
        assertThat(b.maxTotal(4)).isEqualTo(Duration.ofMillis(1650));
        assertThat(b.maxTotal(0)).isEqualTo(Duration.ZERO);
    }

    @Test
    void theDefaultIsTheDocumentedOne() {
        assertThat(RetryBackoff.DEFAULT.getInitial()).isEqualTo(Duration.ofMillis(100));
        assertThat(RetryBackoff.DEFAULT.getMultiplier()).isEqualTo(2.0);
        assertThat(RetryBackoff.DEFAULT.getMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RetryBackoff.DEFAULT.getJitter()).isEqualTo(0.2);
    }

    @Test
    void rejectsBadValuesWithTheValueInTheMessage() {
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must be positive but was PT0S");
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must be positive but was PT-0.001S");
        assertThatThrownBy(() -> RetryBackoff.exponential(Duration.ofSeconds(1), 1.0, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multiplier must be greater than 1 but was 1.0; for a constant delay use"
                        + " RetryBackoff.fixed(initial)");
        assertThatThrownBy(() -> RetryBackoff.exponential(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max must be at least initial (PT2S) but was PT1S; raise max or lower initial");
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ofSeconds(1)).withJitter(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jitter must be in (0, 1] but was 0.0");
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ofSeconds(1)).withJitter(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jitter must be in (0, 1] but was 1.5");
        assertThatThrownBy(() -> RetryBackoff.fixed(Duration.ofSeconds(1))
                        .withJitter(0.1)
                        .withJitter(0.2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("jitter was already set to 0.1; set each option once");
        assertThatThrownBy(() -> RetryBackoff.DEFAULT.baseDelay(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failedAttempts must be at least 1 but was 0");
        assertThatThrownBy(() -> RetryBackoff.DEFAULT.delay(1, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("random must be in [0, 1) but was 1.0");
    }

    @Test
    void equalityIsByValue() {
        EqualsVerifier.forClass(RetryBackoff.class)
                .withNonnullFields("initial", "max")
                .verify();
        assertThat(RetryBackoff.fixed(Duration.ofSeconds(1))).hasToString("RetryBackoff{fixed PT1S}");
    }
}
