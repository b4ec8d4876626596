package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.ConsumerEvent.PullingPaused;
import dev.jscontract.consumer.ConsumerEvent.PullingResumed;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.resilience4j.CircuitBreakerGate;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.nats.client.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * With a circuit breaker, a failing downstream opens it and the consumer stops pulling: no delivery is burned while
 * it is open (the server's delivered count stands still although messages wait), the message whose failure opened it
 * is held and retried in process instead of NAKed, and pulling resumes when the breaker lets calls through again.
 */
@NatsServerMatrix
@WithNatsServer
class CircuitBreakerIT {
    private static final Duration OPEN = Duration.ofSeconds(2);

    @Test
    void anOpenBreakerBurnsNoDeliveriesAndTheConsumerResumesWhenItCloses(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "CB");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(5)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .build();
            CircuitBreaker breaker = CircuitBreaker.of(
                    "billing-db",
                    CircuitBreakerConfig.custom()
                            .slidingWindowSize(2)
                            .minimumNumberOfCalls(2)
                            .failureRateThreshold(50)
                            .waitDurationInOpenState(OPEN)
                            .permittedNumberOfCallsInHalfOpenState(1)
                            .build());
            AtomicBoolean downstreamUp = new AtomicBoolean(false);
            List<long[]> calls = Collections.synchronizedList(new ArrayList<>());
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        calls.add(new long[] {m.metaData().streamSequence(), System.nanoTime()});
                        if (!downstreamUp.get()) {
                            throw new IOException("billing database unreachable");
                        }
                    })
                    .gate(CircuitBreakerGate.of(breaker))
                    .listeners(events)
                    .build()) {
                consumer.start();
                long first = Fixtures.publish(nc, stream.subject(), "m1");

                PullingPaused paused = events.await(PullingPaused.class, Duration.ofSeconds(10));
                assertThat(paused.cause()).isEqualTo(PauseCause.GATE);
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
                long openedAt = System.nanoTime();
                assertThat(calls).hasSize(2);

                for (int i = 2; i <= 4; i++) {
                    Fixtures.publish(nc, stream.subject(), "m" + i);
                }
                Thread.sleep(OPEN.toMillis() / 2);
                assertThat(calls).as("no handler call while open").hasSize(2);
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "billing")
                                .getDelivered()
                                .getConsumerSequence())
                        .as("no delivery burned while open: still the two failed ones")
                        .isEqualTo(2);

                downstreamUp.set(true);
                events.await(PullingResumed.class, OPEN.plusSeconds(5));
                events.awaitCount(MessageAcked.class, 4, Duration.ofSeconds(10));
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
                assertThat(Duration.ofNanos(calls.get(2)[1] - openedAt))
                        .as("the third call waited for the open state to pass")
                        .isGreaterThanOrEqualTo(OPEN.minusMillis(300));
                assertThat(calls).hasSize(6);
                assertThat(events.all(MessageAcked.class))
                        .filteredOn(a -> a.streamSequence() == first)
                        .singleElement()
                        .satisfies(a -> assertThat(a.deliveryCount())
                                .as("the failure that opened the breaker held the message: retried in process")
                                .isEqualTo(2));
                assertThat(events.all(ConsumerEvent.MessageHeld.class))
                        .isNotEmpty()
                        .allSatisfy(h -> assertThat(h.cause()).isEqualTo(ConsumerEvent.HoldCause.GATE));
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "billing")
                                .getDelivered()
                                .getConsumerSequence())
                        .as("m1 twice (the first failure was NAKed while the breaker was closed) + m2..m4 once")
                        .isEqualTo(5);
            }
        }
    }
}
