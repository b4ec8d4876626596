package dev.jscontract.testing;

import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import io.nats.client.Connection;

/**
 * AssertJ-style assertions for contracts, live consumers and dead letters.
 *
 * <pre>{@code
 * import static dev.jscontract.testing.ContractAssertions.assertThat;
 *
 * assertThat(contract).hasNoLintErrors();
 * assertThat(contract).hasNoLintErrors(ServerVersion.parse("2.9.10"));
 * assertThat(contract).hasFinding("BO-001");
 * assertThat(connection).consumer("ORDERS", "billing").matches(contract);
 * assertThat(DeadLetterEnvelope.read(msg)).hasReason(DeadLetterReason.HANDLER_ERROR).hasDeliveries(4)
 *     .hasErrorClass(IllegalStateException.class);
 * }</pre>
 *
 * <p>The methods are named {@code assertThat} so they read like AssertJ; AssertJ's own {@code assertThat} can be
 * statically imported alongside (the argument types differ).
 */
public final class ContractAssertions {
    private ContractAssertions() {}

    /** Assertions on a contract: lint findings. */
    public static ContractAssert assertThat(ConsumerContract actual) {
        return new ContractAssert(actual);
    }

    /** Assertions on what a live server holds: {@code .consumer(stream, durable).matches(contract)}. */
    public static ConnectionAssert assertThat(Connection actual) {
        return new ConnectionAssert(actual);
    }

    /** Assertions on a dead letter. */
    public static DeadLetterAssert assertThat(DeadLetterEnvelope actual) {
        return new DeadLetterAssert(actual);
    }
}
