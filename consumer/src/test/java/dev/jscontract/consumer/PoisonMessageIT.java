package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A payload the codec cannot decode is poison: dead-lettered at once (one delivery, reason {@code poison}) and
 * terminated, which removes it from a WorkQueue stream (B-10) after the envelope was stored (DLQ-001).
 */
@NatsServerMatrix
@WithNatsServer
class PoisonMessageIT {
    /** The payload type. */
    public record Order(String id, long cents) {}

    @Test
    void invalidJsonIsDeadLetteredAfterOneDeliveryAsPoisonAndRemovedFromTheWorkQueue(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "PO");
            ConsumerContract contract = Fixtures.contract(stream, "orders").build();
            EventRecorder events = new EventRecorder();
            AtomicInteger handled = new AtomicInteger();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(Order.class, (order, msg) -> handled.incrementAndGet())
                    .listeners(events)
                    .build()) {
                consumer.start();
                Headers headers = new Headers().add("Trace-Id", "t-42").add("Tenant", "acme");
                String body = "{\"id\": \"o-1\", \"cents\": ";
                long seq = Fixtures.publish(nc, stream.subject(), headers, body, "order-o-1");

                MessageDeadLettered dl = events.await(MessageDeadLettered.class, Duration.ofSeconds(10));
                assertThat(dl.reason()).isEqualTo(DeadLetterReason.POISON);
                assertThat(dl.deliveryCount()).isEqualTo(1);
                assertThat(dl.failure()).isInstanceOf(DecodingException.class);
                assertThat(handled).hasValue(0);

                DeadLetterEnvelope env =
                        Fixtures.deadLetters(nc, "DLQ_" + stream.name()).get(0);
                assertThat(env.getReason()).isEqualTo(DeadLetterReason.POISON);
                assertThat(env.getOriginalSequence()).isEqualTo(seq);
                assertThat(env.getOriginalSubject()).isEqualTo(stream.subject());
                assertThat(env.getOriginalMsgId()).contains("order-o-1");
                assertThat(env.getDeliveries()).isEqualTo(1);
                assertThat(env.getErrorClass()).contains(DecodingException.class.getName());
                assertThat(env.getErrorMessage().orElseThrow())
                        .startsWith("payload on subject " + stream.subject() + " is not valid JSON for "
                                + Order.class.getName());
                assertThat(new String(env.getBody(), StandardCharsets.UTF_8)).isEqualTo(body);
                assertThat(env.getOriginalHeaders())
                        .containsEntry("Trace-Id", java.util.List.of("t-42"))
                        .containsEntry("Tenant", java.util.List.of("acme"));

                Fixtures.await("poison removed from the WorkQueue stream", Duration.ofSeconds(5), () -> {
                    try {
                        return !Fixtures.holds(nc, stream.name(), seq);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(2500); // one ack wait: nothing comes back
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "orders")
                                .getDelivered()
                                .getConsumerSequence())
                        .as("delivered once")
                        .isEqualTo(1);
                assertThat(events.count(ConsumerEvent.Settled.class)).isEqualTo(1);
            }
        }
    }
}
