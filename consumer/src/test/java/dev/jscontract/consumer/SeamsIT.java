package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/**
 * The clock and scheduler seams: event times come from the injected clock, and a caller's scheduler drives the
 * consumer but is never shut down by it (its tasks are cancelled on close). Not in the version matrix: nothing here
 * depends on the server.
 */
@WithNatsServer
class SeamsIT {

    @Test
    void eventTimesComeFromTheClockAndTheCallersSchedulerOutlivesTheConsumer(NatsServer server) throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        Clock tomorrow = Clock.offset(Clock.systemUTC(), Duration.ofDays(1));
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "SE");
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(
                            nc, Fixtures.contract(stream, "seams").build())
                    .handler(m -> {})
                    .listeners(events)
                    .clock(tomorrow)
                    .scheduler(scheduler)
                    .build()) {
                consumer.start();
                assertThat(scheduler.getQueue())
                        .as("heartbeat tick and consumer-info sampling")
                        .hasSize(2);
                Fixtures.publish(nc, stream.subject(), "x");
                MessageAcked acked = events.await(MessageAcked.class, Duration.ofSeconds(10));
                assertThat(acked.at()).isAfter(Instant.now().plus(Duration.ofHours(23)));
            }
            assertThat(scheduler.isShutdown()).as("the caller's scheduler").isFalse();
            assertThat(scheduler.getQueue())
                    .as("the consumer's tasks were cancelled")
                    .isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
