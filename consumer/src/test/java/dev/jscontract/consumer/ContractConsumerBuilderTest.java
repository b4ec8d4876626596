package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Connection;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Option validation of {@link ContractConsumer.Builder}: negative, zero, twice and conflict cases. The connection is
 * a placeholder that fails on any call: nothing here talks to a server (the builder never does; {@code start()}
 * does, and is covered by the integration tests).
 */
class ContractConsumerBuilderTest {
    private static final Connection NO_SERVER = (Connection) Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                if (method.getName().equals("toString")) {
                    return "no-server";
                }
                throw new UnsupportedOperationException("builder tests do not talk to a server: " + method);
            });

    private final ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
            .durable("billing")
            .ackWait(Duration.ofSeconds(10))
            .maxDeliver(3)
            .backoff(Backoff.fixed(Duration.ofSeconds(1)))
            .deadLetter(DeadLetterPolicy.toDefaultSubject())
            .build();

    private ContractConsumer.Builder builder() {
        return ContractConsumer.builder(NO_SERVER, contract).handler(m -> {});
    }

    @Test
    void buildsANewConsumerWithoutTouchingTheServer() {
        try (ContractConsumer c = builder().build()) {
            assertThat(c.getState()).isEqualTo(ConsumerState.NEW);
            assertThat(c.getContract()).isSameAs(contract);
            assertThat(c.getProvisionResult()).isEmpty();
            assertThat(c.getHeartbeatInterval()).isEmpty();
            assertThat(c).hasToString("ContractConsumer{ORDERS/billing, NEW}");
        }
    }

    @Test
    void rejectsNulls() {
        assertThatThrownBy(() -> ContractConsumer.builder(null, contract))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("connection");
        assertThatThrownBy(() -> ContractConsumer.builder(NO_SERVER, contract).handler((ContractHandler) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(() -> builder().clock(null)).hasMessage("clock");
    }

    @Test
    void rejectsAnOptionSetTwice() {
        assertThatThrownBy(() -> builder().pullExpiry(Duration.ofSeconds(2)).pullExpiry(Duration.ofSeconds(3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("pullExpiry was already set; set each option once");
        assertThatThrownBy(() -> builder().noDeadLetterRateGuard().deadLetterRateGuard(DeadLetterRateGuard.defaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("deadLetterRateGuard was already set; set each option once");
        assertThatThrownBy(() -> builder().gate(new AlwaysOpen()).gate(new AlwaysOpen()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("gate was already set; set each option once");
        ConsumerMetrics metrics = new ConsumerMetrics() {
            @Override
            public void onEvent(ConsumerEvent event) {}

            @Override
            public void close() {}
        };
        assertThatThrownBy(() -> builder().metrics(metrics).metrics(metrics))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("metrics was already set; set each option once");
        assertThatThrownBy(() -> builder().handler(m -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("handler was already set; set each option once");
    }

    @Test
    void rejectsOutOfRangeDurationsWithTheValue() {
        assertThatThrownBy(() -> builder().pullExpiry(Duration.ofMillis(999)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pullExpiry must be between PT1S and PT5M but was PT0.999S");
        assertThatThrownBy(() -> builder().pullExpiry(Duration.ofMinutes(6)))
                .hasMessage("pullExpiry must be between PT1S and PT5M but was PT6M");
        assertThatThrownBy(() -> builder().deadLetterPublishTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deadLetterPublishTimeout must be positive but was PT0S");
        assertThatThrownBy(() -> builder().consumerInfoInterval(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumerInfoInterval must be at least PT0.1S but was PT-0.005S");
        assertThatThrownBy(() -> builder().instance(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("instance must not be blank; leave it unset for <host>/<pid>");
        assertThatThrownBy(() -> builder().listeners())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listeners needs at least one listener but got none");
    }

    @Test
    void drainAndCloseOfANeverStartedConsumerAreHarmless() {
        ContractConsumer c =
                builder().provisioningMode(ContractProvisioner.Mode.VERIFY_ONLY).build();
        assertThat(c.drain(Duration.ZERO)).isTrue();
        c.close();
        assertThat(c.getState()).isEqualTo(ConsumerState.CLOSED);
        assertThatThrownBy(c::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("start() can be called once, on a NEW consumer, but the consumer ORDERS/billing is"
                        + " CLOSED; build a new ContractConsumer to run it again");
        assertThatThrownBy(() -> c.drain(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must not be negative but was PT-1S");
    }

    private static final class AlwaysOpen implements ConsumerGate {
        @Override
        public boolean allowsPulling() {
            return true;
        }

        @Override
        public boolean tryAcquire() {
            return true;
        }

        @Override
        public void onSuccess(Duration duration) {}

        @Override
        public void onFailure(Duration duration, Throwable failure) {}

        @Override
        public void release() {}
    }
}
