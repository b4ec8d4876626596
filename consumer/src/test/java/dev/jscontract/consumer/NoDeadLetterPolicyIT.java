package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageTerminated;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * With {@code DeadLetterPolicy.none()} (chosen explicitly, lint MD-002) a message the runtime gives up on is
 * terminated without a dead letter (outcome {@code terminated}); no dead-letter stream or sweeper is created.
 */
@NatsServerMatrix
@WithNatsServer
class NoDeadLetterPolicyIT {

    @Test
    void withoutADeadLetterPolicyAGivenUpMessageIsTerminatedAndCounted(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "ND");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("lossy")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(2)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.none())
                    .maxAckPending(64)
                    .suppress("MD-002", "this test is about DeadLetterPolicy.none(): a given-up message is terminated")
                    .build();
            EventRecorder events = new EventRecorder();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        throw new IllegalStateException("always");
                    })
                    .listeners(events)
                    .metrics(MicrometerConsumerMetrics.create(registry, contract))
                    .build()) {
                consumer.start();
                long seq = Fixtures.publish(nc, stream.subject(), "x");
                MessageTerminated t = events.await(MessageTerminated.class, Duration.ofSeconds(10));
                assertThat(t.streamSequence()).isEqualTo(seq);
                assertThat(t.deliveryCount()).isEqualTo(2);
                assertThat(t.reason()).isEqualTo(DeadLetterReason.HANDLER_ERROR);
                assertThat(registry.get("jscontract.consumer.messages")
                                .tag("outcome", "terminated")
                                .counter()
                                .count())
                        .isEqualTo(1);
                Fixtures.await("terminated: gone from the WorkQueue", Duration.ofSeconds(5), () -> {
                    try {
                        return !Fixtures.holds(nc, stream.name(), seq);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(streamExists(nc, "DLQ_" + stream.name())).isFalse();
                assertThat(streamExists(nc, "JSC_ADV_" + stream.name())).isFalse();
            }
        }
    }

    private static boolean streamExists(Connection nc, String name) throws Exception {
        try {
            nc.jetStreamManagement().getStreamInfo(name);
            return true;
        } catch (JetStreamApiException e) {
            return false;
        }
    }
}
