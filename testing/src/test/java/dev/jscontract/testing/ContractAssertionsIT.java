package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code assertThat(connection).consumer(stream, durable).matches(contract)} against a real server. */
@WithNatsServer
class ContractAssertionsIT {

    @Test
    void matchesUntilSomeoneChangesTheConsumer(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder()
                    .name("ASSERT")
                    .subjects("assert.>")
                    .build());
            ConsumerContract contract = ConsumerContract.builder().stream("ASSERT")
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(20))
                    .maxDeliver(3)
                    .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(10)
                    .build();
            assertThatThrownBy(() -> ContractAssertions.assertThat(nc)
                            .consumer("ASSERT", "billing")
                            .matches(contract))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("consumer ASSERT/billing does not exist");

            ContractProvisioner.builder(nc).build().provision(contract);
            ContractAssertions.assertThat(nc).consumer("ASSERT", "billing").matches(contract);

            jsm.addOrUpdateConsumer(
                    "ASSERT",
                    ConsumerConfiguration.builder(
                                    jsm.getConsumerInfo("ASSERT", "billing").getConsumerConfiguration())
                            .maxDeliver(7)
                            .build());
            assertThatThrownBy(() -> ContractAssertions.assertThat(nc)
                            .consumer("ASSERT", "billing")
                            .matches(contract))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expected consumer ASSERT/billing to match its contract, but the server has:")
                    .hasMessageContaining("max_deliver: contract 3, server 7 (mutable)");
        }
    }
}
