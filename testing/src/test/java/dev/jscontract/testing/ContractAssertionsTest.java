package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.contract.Severity;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The contract and dead-letter assertions, without a server. */
class ContractAssertionsTest {

    private static ContractBuilder contract() {
        return ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(2)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(20)
                .maxProcessingTime(Duration.ofMinutes(1));
    }

    @Test
    void passesAndFailsWithTheFindingsInTheMessage() {
        ContractAssertions.assertThat(contract().build()).hasNoLintErrors().doesNotHaveFinding("BO-001");
        ConsumerContract bad = contract()
                .serverBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10))
                .build();
        ContractAssertions.assertThat(bad).hasFinding("BO-001").hasFinding("BO-001", Severity.ERROR, null);
        assertThatThrownBy(() -> ContractAssertions.assertThat(bad).hasNoLintErrors())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected contract ORDERS/billing to have no lint errors but found:")
                .hasMessageContaining("[error] BO-001 ackWait 30s differs from serverBackoff[0] 5s");
        assertThatThrownBy(
                        () -> ContractAssertions.assertThat(contract().build()).hasFinding("BO-001"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to have finding BO-001 but it had:");
        assertThatThrownBy(() -> ContractAssertions.assertThat(bad).hasFinding("BO-001", Severity.WARNING, null))
                .hasMessageContaining("to be warning");
        ConsumerContract twoFilters = contract().filterSubjects("a", "b").build();
        ContractAssertions.assertThat(twoFilters).hasNoLintErrors(ServerVersion.parse("2.10.27"));
        assertThatThrownBy(
                        () -> ContractAssertions.assertThat(twoFilters).hasNoLintErrors(ServerVersion.parse("2.9.10")))
                .hasMessageContaining("on nats-server 2.9.10")
                .hasMessageContaining("VER-001");
        assertThatThrownBy(
                        () -> ContractAssertions.assertThat(contract().build()).hasFinding("NOPE-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown lint rule 'NOPE-1'");
    }

    @Test
    void deadLetterAssertions() {
        DeadLetterEnvelope env = DeadLetterEnvelope.builder()
                .originalStream("ORDERS")
                .originalSubject("orders.x")
                .originalSequence(9)
                .originalTimestamp(Instant.EPOCH)
                .consumer("billing")
                .deliveries(4)
                .reason(DeadLetterReason.HANDLER_ERROR)
                .error(new IllegalStateException("boom"))
                .deadLetteredAt(Instant.EPOCH)
                .instance("i")
                .build();
        ContractAssertions.assertThat(env)
                .hasReason(DeadLetterReason.HANDLER_ERROR)
                .hasDeliveries(4)
                .hasErrorClass(IllegalStateException.class)
                .isOf("ORDERS", 9);
        assertThatThrownBy(() -> ContractAssertions.assertThat(env).hasDeliveries(3))
                .isInstanceOf(AssertionError.class)
                .hasMessage("Expected dead letter dlq-ORDERS-9 to have been delivered 3 times but it was 4 times");
        assertThatThrownBy(() -> ContractAssertions.assertThat(env).hasReason(DeadLetterReason.POISON))
                .hasMessage("Expected dead letter dlq-ORDERS-9 to have reason poison but it was handler-error");
    }
}
