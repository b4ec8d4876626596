package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.resilience4j.CircuitBreakerGate;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A shutdown is not a failure: {@code close()}, or a {@code drain(timeout)} that runs out, interrupts running
 * handlers, and the interrupted messages are released for redelivery at once. They are not NAKed with backoff, not
 * counted against the circuit breaker or the dead-letter rate guard, and never dead-lettered by the instance that
 * stops. (JetStream counts the redelivery like any other: with {@code maxDeliver 1} the server gives up on such a
 * message, and the sweeper of a running instance then dead-letters it as {@code max-deliveries}; see
 * docs/decisions/consumer-shutdown.md.)
 *
 * <p>Not in the version matrix: the release is a NAK, which every version treats the same (B-08).
 */
@WithNatsServer
class ShutdownIT {

    private static ConsumerContract contract(TestStream stream, int maxDeliver) {
        return ConsumerContract.builder().stream(stream.name())
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(maxDeliver)
                .backoff(Backoff.fixed(Duration.ofSeconds(5)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(16)
                .maxProcessingTime(Duration.ofMinutes(1))
                .build();
    }

    /** A handler that blocks (interruptibly) until the test ends, after signalling that it runs. */
    private static ContractHandler blocking(CountDownLatch running) {
        return m -> {
            running.countDown();
            Thread.sleep(60_000);
        };
    }

    @Test
    void closeWhileAHandlerRunsReleasesTheMessageWithoutRetryBreakerFailureOrDeadLetter(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "SD");
            ConsumerContract contract = contract(stream, 3);
            CircuitBreaker breaker = CircuitBreaker.ofDefaults("billing-db");
            EventRecorder first = new EventRecorder();
            CountDownLatch running = new CountDownLatch(1);
            long seq = Fixtures.publish(nc, stream.subject(), "order-1");
            ContractConsumer stopping = ContractConsumer.builder(nc, contract)
                    .handler(blocking(running))
                    .gate(CircuitBreakerGate.of(breaker))
                    .listeners(first)
                    .build();
            stopping.start();
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            stopping.close();

            assertThat(first.count(ConsumerEvent.RetryScheduled.class))
                    .as("an interrupted handler is not a failed attempt: no NAK with the backoff")
                    .isZero();
            assertThat(breaker.getMetrics().getNumberOfFailedCalls())
                    .as("the breaker is not told about a shutdown")
                    .isZero();
            assertThat(first.all(ConsumerEvent.MessageReleased.class))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(r.streamSequence()).isEqualTo(seq);
                        assertThat(r.cause()).isEqualTo(ConsumerEvent.ReleaseCause.SHUTDOWN);
                    });

            // Released, not left for its 30 s ack deadline: a second instance gets it at once.
            EventRecorder second = new EventRecorder();
            long releasedAt = System.nanoTime();
            try (ContractConsumer next = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(second)
                    .build()) {
                next.start();
                MessageAcked acked = second.await(MessageAcked.class, Duration.ofSeconds(10));
                assertThat(acked.streamSequence()).isEqualTo(seq);
                assertThat(acked.deliveryCount()).isEqualTo(2);
                assertThat(Duration.ofNanos(System.nanoTime() - releasedAt))
                        .as("redelivered well before the 30 s ack deadline")
                        .isLessThan(Duration.ofSeconds(10));
            }
            assertThat(Fixtures.messageCount(nc, "DLQ_" + stream.name())).isZero();
        }
    }

    @Test
    void closeOnTheOnlyAllowedDeliveryNeverWritesAHandlerErrorDeadLetter(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "SD1");
            ConsumerContract contract = contract(stream, 1);
            CountDownLatch running = new CountDownLatch(1);
            long seq = Fixtures.publish(nc, stream.subject(), "order-1");
            ContractConsumer stopping = ContractConsumer.builder(nc, contract)
                    .handler(blocking(running))
                    .build();
            stopping.start();
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            stopping.close();
            assertThat(Fixtures.messageCount(nc, "DLQ_" + stream.name()))
                    .as("the stopping instance dead-letters nothing")
                    .isZero();

            // maxDeliver 1 allows one delivery, and the server counted it: a running instance's sweeper now
            // dead-letters the message, honestly, as max-deliveries (never as an InterruptedException).
            EventRecorder events = new EventRecorder();
            try (ContractConsumer next = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(events)
                    .build()) {
                next.start();
                events.await(ConsumerEvent.MaxDeliveriesSwept.class, Duration.ofSeconds(15));
            }
            List<DeadLetterEnvelope> dead = Fixtures.deadLetters(nc, "DLQ_" + stream.name());
            assertThat(dead).singleElement().satisfies(e -> {
                assertThat(e.getOriginalSequence()).isEqualTo(seq);
                assertThat(e.getReason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES);
            });
        }
    }

    @Test
    void aDrainThatRunsOutReleasesWhatIsStillRunning(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "SDD");
            ConsumerContract contract = contract(stream, 3);
            CircuitBreaker breaker = CircuitBreaker.ofDefaults("billing-db");
            EventRecorder events = new EventRecorder();
            CountDownLatch running = new CountDownLatch(1);
            Fixtures.publish(nc, stream.subject(), "order-1");
            ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(blocking(running))
                    .gate(CircuitBreakerGate.of(breaker))
                    .listeners(events)
                    .build();
            consumer.start();
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(consumer.drain(Duration.ofMillis(500)))
                    .as("the handler outlived the drain")
                    .isFalse();
            assertThat(events.count(ConsumerEvent.RetryScheduled.class)).isZero();
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
            assertThat(events.count(ConsumerEvent.MessageReleased.class)).isEqualTo(1);
            EventRecorder second = new EventRecorder();
            try (ContractConsumer next = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(second)
                    .build()) {
                next.start();
                MessageAcked acked = second.await(MessageAcked.class, Duration.ofSeconds(10));
                assertThat(acked.deliveryCount())
                        .as("released at once, not after the 30 s ack deadline")
                        .isEqualTo(2);
            }
            assertThat(Fixtures.messageCount(nc, "DLQ_" + stream.name())).isZero();
        }
    }
}
