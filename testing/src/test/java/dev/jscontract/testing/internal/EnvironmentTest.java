package dev.jscontract.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.ServerUnavailableException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentTest {

    @Test
    void outsideJUnitAMissingServerIsAPlainErrorWithTheHowToFixTextNotASkip() {
        RuntimeException skip =
                Environment.of(Map.of()).unavailable("no nats-server found; install it (apt-get install nats-server)");
        assertThatThrownBy(() -> Environment.outsideJUnit(() -> {
                    throw skip;
                }))
                .isExactlyInstanceOf(ServerUnavailableException.class)
                .hasMessage("no nats-server found; install it (apt-get install nats-server)");
    }

    @Test
    void outsideJUnitOtherFailuresAndResultsPassThrough() {
        assertThat(Environment.outsideJUnit(() -> "server")).isEqualTo("server");
        RuntimeException ci = Environment.of(Map.of("CI", "true")).unavailable("missing");
        assertThatThrownBy(() -> Environment.outsideJUnit(() -> {
                    throw ci;
                }))
                .isSameAs(ci);
    }
}
