package dev.jscontract.testing;

import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.ContractProvisioningException;
import dev.jscontract.contract.Drift;
import io.nats.client.Connection;
import org.assertj.core.api.AbstractAssert;

/** Assertions on what a server holds; start with {@link ContractAssertions#assertThat(Connection)}. */
public final class ConnectionAssert extends AbstractAssert<ConnectionAssert, Connection> {

    ConnectionAssert(Connection actual) {
        super(actual, ConnectionAssert.class);
    }

    /** Selects a consumer for further assertions. */
    public ConsumerAssert consumer(String stream, String durable) {
        isNotNull();
        return new ConsumerAssert(actual, stream, durable);
    }

    /** Assertions on one consumer of a live server. */
    public static final class ConsumerAssert extends AbstractAssert<ConsumerAssert, Connection> {
        private final String stream;
        private final String durable;

        ConsumerAssert(Connection connection, String stream, String durable) {
            super(connection, ConsumerAssert.class);
            this.stream = stream;
            this.durable = durable;
        }

        /**
         * The consumer exists and its effective configuration matches the contract (no drift; read-only check with
         * {@link ContractProvisioner.Mode#VERIFY_ONLY}).
         */
        public ConsumerAssert matches(ConsumerContract contract) {
            if (!contract.getStream().equals(stream) || !contract.getDurable().equals(durable)) {
                failWithMessage(
                        "The contract is for %s/%s, not for %s/%s",
                        contract.getStream(), contract.getDurable(), stream, durable);
            }
            Drift drift;
            try {
                drift = ContractProvisioner.builder(actual)
                        .mode(ContractProvisioner.Mode.VERIFY_ONLY)
                        .failOnDrift(false)
                        .deadLetterStreams(false)
                        .build()
                        .provision(contract)
                        .getDrift();
            } catch (ContractProvisioningException e) {
                failWithMessage(
                        "Expected consumer %s/%s to match its contract, but: %s", stream, durable, e.getMessage());
                return this;
            }
            if (!drift.isEmpty()) {
                failWithMessage(
                        "Expected consumer %s/%s to match its contract, but the server has:%n%s",
                        stream, durable, drift.toText());
            }
            return this;
        }
    }
}
