package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
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
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
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
                    .metrics(MicrometerConsumerMetrics.create(registry, contract))
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
            JetStreamManagement jsm = connection.jetStreamManagement();
            MessageInfo stored = jsm.getMessage("DLQ_ORDERS", 1); // the dead-letter stream's first message
            DeadLetterEnvelope envelope = DeadLetterEnvelope.read(stored.getHeaders(), stored.getData());
            // envelope.getReason(), getOriginalSubject(), getOriginalSequence(), getDeliveries(), getErrorClass(),
            // getErrorMessage(), getBody() (the original payload, byte for byte), getOriginalHeaders()
            // README-END read-dead-letters
            assertThat(envelope.getOriginalStream()).isEqualTo("ORDERS");
            List<DeadLetterEnvelope> dead = Fixtures.deadLetters(connection, "DLQ_ORDERS");
            assertThat(dead).hasSize(2);
            DeadLetterEnvelope rejected = dead.stream()
                    .filter(d -> d.getReason() == DeadLetterReason.PERMANENT_ERROR)
                    .findFirst()
                    .orElseThrow();
            assertThat(rejected.getOriginalSequence()).isEqualTo(2);
            assertThat(rejected.getErrorMessage()).contains("order o-2 has no amount");
            DeadLetterEnvelope poison = dead.stream()
                    .filter(d -> d.getReason() == DeadLetterReason.POISON)
                    .findFirst()
                    .orElseThrow();
            assertThat(poison.getOriginalSequence()).isEqualTo(3);
            assertThat(new String(poison.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":");
        }
    }
}
