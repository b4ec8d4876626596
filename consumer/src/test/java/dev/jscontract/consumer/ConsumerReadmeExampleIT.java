package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The example in README.md ("Run a consumer"), compiled and run: the code between the {@code README} markers is
 * copied there verbatim. Not in the version matrix: it documents usage, the behaviour is tested elsewhere.
 */
@WithNatsServer
class ConsumerReadmeExampleIT {
    /** The payload. */
    public record Order(String id, long cents) {}

    @Test
    void theReadmeExampleProcessesOrdersAndDeadLettersARejectedOne(NatsServer server) throws Exception {
        try (Connection connection = server.connect()) {
            connection
                    .jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("ORDERS")
                            .subjects("orders.>")
                            .retentionPolicy(RetentionPolicy.WorkQueue)
                            .build());
            List<Order> charged = new CopyOnWriteArrayList<>();

            // README-BEGIN run-a-consumer
            ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(30)) // heartbeats keep longer handlers alive
                    .maxDeliver(5) // then dead-letter
                    .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject()) // dlq.ORDERS.billing -> stream DLQ_ORDERS
                    .filterSubject("orders.created")
                    .maxAckPending(64)
                    .concurrency(4)
                    .maxProcessingTime(Duration.ofMinutes(2))
                    .build();

            MeterRegistry registry = new SimpleMeterRegistry();
            ContractConsumer consumer = ContractConsumer.builder(connection, contract)
                    .handler(Order.class, (order, message) -> {
                        if (order.cents() <= 0) {
                            throw new PermanentFailure("order " + order.id() + " has no amount"); // dead-letter now
                        }
                        charged.add(order); // your side effect; see Inbox for effectively-once
                    })
                    .meterRegistry(registry)
                    .build();
            consumer.start(); // provisions the consumer and its dead-letter streams, refuses to start on drift
            // README-END run-a-consumer

            connection.jetStream().publish("orders.created", "{\"id\":\"o-1\",\"cents\":1250}".getBytes());
            connection.jetStream().publish("orders.created", "{\"id\":\"o-2\",\"cents\":0}".getBytes());
            connection.jetStream().publish("orders.created", "{\"id\":".getBytes()); // poison
            Fixtures.await(
                    "settled",
                    Duration.ofSeconds(10),
                    () -> registry.find("jscontract.consumer.messages").counters().stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            == 3);

            // README-BEGIN shutdown
            boolean settled = consumer.drain(Duration.ofSeconds(30)); // stop pulling, finish and settle in-flight work
            // README-END shutdown
            assertThat(settled).isTrue();
            assertThat(charged).containsExactly(new Order("o-1", 1250));

            // README-BEGIN read-dead-letters
            var jsm = connection.jetStreamManagement();
            var dead = jsm.getMessage("DLQ_ORDERS", 1);
            DeadLetterEnvelope envelope = DeadLetterEnvelope.read(dead.getHeaders(), dead.getData());
            // envelope.getReason() == PERMANENT_ERROR, getOriginalSequence() == 2, getErrorMessage() ...
            // README-END read-dead-letters
            assertThat(envelope.getReason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
            assertThat(envelope.getOriginalSequence()).isEqualTo(2);
            assertThat(envelope.getErrorMessage()).contains("order o-2 has no amount");
            DeadLetterEnvelope poison = DeadLetterEnvelope.read(
                    jsm.getMessage("DLQ_ORDERS", 2).getHeaders(),
                    jsm.getMessage("DLQ_ORDERS", 2).getData());
            assertThat(poison.getReason()).isEqualTo(DeadLetterReason.POISON);
            assertThat(new String(poison.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":");
        }
    }
}
