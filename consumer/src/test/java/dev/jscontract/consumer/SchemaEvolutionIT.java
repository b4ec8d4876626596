package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Adding a field is the most common change to an event's JSON. A consumer built with {@code handler(Order.class,
 * ...)} must keep processing when the producer starts sending a field the consumer's class does not have, instead of
 * dead-lettering every message as poison.
 */
@WithNatsServer
class SchemaEvolutionIT {
    /** The consumer's view of the event: it does not know about {@code extra} or {@code currency}. */
    public record Order(long id, long cents) {}

    @Test
    void aNewFieldFromTheProducerIsIgnoredByTheDefaultCodec(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "SE");
            ConsumerContract contract = Fixtures.contract(stream, "orders").build();
            List<Order> received = new CopyOnWriteArrayList<>();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(Order.class, (order, msg) -> received.add(order))
                    .listeners(events)
                    .build()) {
                consumer.start();
                Fixtures.publish(nc, stream.subject(), "{\"id\":1,\"cents\":250}");
                Fixtures.publish(nc, stream.subject(), "{\"id\":2,\"cents\":300,\"extra\":true,\"currency\":\"EUR\"}");
                events.awaitCount(MessageAcked.class, 2, Duration.ofSeconds(10));
                assertThat(received).containsExactly(new Order(1, 250), new Order(2, 300));
                assertThat(events.count(ConsumerEvent.MessageDeadLettered.class))
                        .isZero();
            }
        }
    }
}
