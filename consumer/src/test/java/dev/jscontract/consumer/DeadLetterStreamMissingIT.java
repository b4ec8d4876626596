package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.DeadLetterFailed;
import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DLQ-001: the original is terminated only after the dead letter's PubAck. When the dead-letter stream is missing,
 * the publish fails, the message is NAKed with delay and kept (outcome {@code failed}, counted), and once the stream
 * exists again the next delivery is dead-lettered.
 */
@NatsServerMatrix
@WithNatsServer
class DeadLetterStreamMissingIT {

    @Test
    void withoutTheDeadLetterStreamThePoisonIsKeptAndRetriedAndDeadLetteredOnceTheStreamExists(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "DM");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("orders")
                    .ackWait(Duration.ofSeconds(5))
                    .maxDeliver(6)
                    .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .build();
            EventRecorder events = new EventRecorder();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(Map.class, (payload, msg) -> {})
                    .listeners(events)
                    .metrics(MicrometerConsumerMetrics.create(registry, contract))
                    .deadLetterPublishTimeout(Duration.ofSeconds(1))
                    .build()) {
                consumer.start();
                nc.jetStreamManagement().deleteStream("DLQ_" + stream.name());
                long seq = Fixtures.publish(nc, stream.subject(), "<not json>");

                DeadLetterFailed failed = events.await(DeadLetterFailed.class, Duration.ofSeconds(10));
                assertThat(failed.reason()).isEqualTo(DeadLetterReason.POISON);
                assertThat(failed.deliveryCount()).isEqualTo(1);
                assertThat(failed.retryDelay()).isEqualTo(Duration.ofSeconds(1));
                assertThat(Fixtures.holds(nc, stream.name(), seq)).as("kept").isTrue();

                ContractProvisioner.builder(nc).build().provision(contract); // recreates the dead-letter stream

                MessageDeadLettered dl = events.await(MessageDeadLettered.class, Duration.ofSeconds(15));
                assertThat(dl.reason()).isEqualTo(DeadLetterReason.POISON);
                int failures = events.count(DeadLetterFailed.class);
                assertThat(dl.deliveryCount()).isEqualTo(failures + 1);
                assertThat(Fixtures.deadLetters(nc, "DLQ_" + stream.name())).hasSize(1);
                Fixtures.await("original terminated", Duration.ofSeconds(5), () -> {
                    try {
                        return !Fixtures.holds(nc, stream.name(), seq);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(registry.get("jscontract.consumer.messages")
                                .tag("outcome", "failed")
                                .counter()
                                .count())
                        .isEqualTo(failures);
                assertThat(registry.get("jscontract.consumer.dead_letter.failures")
                                .tag("reason", "poison")
                                .counters())
                        .singleElement()
                        .satisfies(c -> assertThat(c.count()).isEqualTo(failures));
                assertThat(registry.get("jscontract.consumer.dead_letters")
                                .tag("reason", "poison")
                                .counter()
                                .count())
                        .isEqualTo(1);
            }
        }
    }
}
