package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import nl.jqno.equalsverifier.EqualsVerifier;
import org.junit.jupiter.api.Test;

class DeadLetterRateGuardTest {
    @Test
    void defaults() {
        DeadLetterRateGuard g = DeadLetterRateGuard.defaults();
        assertThat(g.getWindow()).isEqualTo(100);
        assertThat(g.getMinimumDeliveries()).isEqualTo(20);
        assertThat(g.getMaxShare()).isEqualTo(0.5);
        assertThat(g.getPause()).isEqualTo(Duration.ofSeconds(30));
        assertThat(g).isEqualTo(DeadLetterRateGuard.builder().build());
        assertThat(g.toString())
                .isEqualTo("DeadLetterRateGuard{window=100, minimumDeliveries=20, maxShare=0.5, pause=PT30S}");
    }

    @Test
    void rejectsOutOfRangeValuesWithTheValue() {
        assertThatThrownBy(() -> DeadLetterRateGuard.builder().window(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window must be between 1 and 100000 but was 0");
        assertThatThrownBy(() -> DeadLetterRateGuard.builder().minimumDeliveries(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minimumDeliveries must be at least 1 but was -1");
        assertThatThrownBy(() -> DeadLetterRateGuard.builder().maxShare(1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxShare must be between 0 and 1 (exclusive) but was 1.0; to turn the guard off use"
                        + " ContractConsumer.Builder.noDeadLetterRateGuard()");
        assertThatThrownBy(() -> DeadLetterRateGuard.builder().pause(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pause must be positive but was PT0S");
    }

    @Test
    void rejectsOptionsSetTwiceAndConflicts() {
        assertThatThrownBy(() -> DeadLetterRateGuard.builder().window(10).window(20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("window was already set to 10; set each option once");
        assertThatThrownBy(() -> DeadLetterRateGuard.builder()
                        .window(10)
                        .minimumDeliveries(11)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("minimumDeliveries 11 exceeds window 10, so the guard could never trip; lower"
                        + " minimumDeliveries or raise window");
    }

    @Test
    void toBuilderKeepsValues() {
        DeadLetterRateGuard g =
                DeadLetterRateGuard.builder().window(50).maxShare(0.2).build();
        assertThat(g.toBuilder().build()).isEqualTo(g);
        assertThat(g.toBuilder().pause(Duration.ofMinutes(1)).build().getWindow())
                .isEqualTo(50);
    }

    @Test
    void equalsAndHashCode() {
        EqualsVerifier.forClass(DeadLetterRateGuard.class).verify();
    }
}
