package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.BufferSampled;
import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.resilience4j.CircuitBreakerGate;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.nats.client.Connection;
import io.nats.client.api.ConsumerInfo;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A downstream outage while the adaptive prefetch is on: besides the messages its handler threads hold, the consumer
 * has up to one message per thread buffered behind them, which no thread can take until the downstream is back. The
 * outage lasts more than three ack waits, so a buffered message that nothing heartbeats outwaits its deadline: the
 * server redelivers it (a delivery spent), and its first copy, still buffered, runs the handler a second time.
 *
 * <p>Bound: every message succeeds exactly once, none is dead-lettered, no message is delivered more than twice (the
 * failures before the breaker opens are NAKed and cost one delivery), and the server redelivers only what the consumer
 * handed back: consumer deliveries = messages + NAKs + releases.
 *
 * <p>Not in the version matrix: heartbeats (+WPI), NAKs and pulls behave alike on every version tested elsewhere.
 */
@WithNatsServer
class PrefetchedDuringOutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(PrefetchedDuringOutageIT.class);
    private static final int CONCURRENCY = 4;
    /** More than {@code AdaptivePrefetch.WARM_UP} (16) fast runs, so the prefetch is on when the outage starts. */
    private static final int WARM_UP = 40;

    private static final int BACKLOG = 60;
    private static final Duration ACK_WAIT = Duration.ofSeconds(3);
    /** Longer than three ack waits: a buffered message without heartbeats would surely outwait its deadline. */
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    @Test
    void messagesBufferedBehindHeldHandlersSpendNoDeliveryDuringAnOutageLongerThanTheAckWait(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "OUTPF");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("billing")
                    .ackWait(ACK_WAIT)
                    .maxDeliver(5)
                    .backoff(Backoff.fixed(Duration.ofMillis(500)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .concurrency(CONCURRENCY)
                    .maxProcessingTime(Duration.ofMinutes(1)) // the outage stays below the hold limit
                    .build();
            assertThat(contract.getBatchSize()).isEmpty();
            assertThat(contract.getExpectedP99()).isEmpty();
            CircuitBreaker breaker = CircuitBreaker.of(
                    "billing-db",
                    CircuitBreakerConfig.custom()
                            .failureRateThreshold(50)
                            .slidingWindowSize(10)
                            .minimumNumberOfCalls(10)
                            .waitDurationInOpenState(Duration.ofSeconds(2))
                            .build());
            AtomicBoolean down = new AtomicBoolean(false);
            Map<Long, AtomicInteger> successes = new ConcurrentHashMap<>();
            Map<Long, Integer> maxDelivery = new ConcurrentHashMap<>();
            AtomicInteger calls = new AtomicInteger();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        calls.incrementAndGet();
                        long seq = m.metaData().streamSequence();
                        maxDelivery.merge(seq, (int) m.metaData().deliveredCount(), Math::max);
                        if (down.get()) {
                            throw new IOException("billing database unreachable");
                        }
                        successes.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
                    })
                    .gate(CircuitBreakerGate.of(breaker))
                    .listeners(events)
                    .consumerInfoInterval(Duration.ofMillis(100))
                    .build()) {
                consumer.start();
                for (int i = 0; i < WARM_UP; i++) {
                    Fixtures.publish(nc, stream.subject(), "warm-" + i);
                }
                events.awaitCount(MessageAcked.class, WARM_UP, Duration.ofSeconds(30));
                events.await(
                        BufferSampled.class,
                        b -> b.prefetch() == CONCURRENCY,
                        Duration.ofSeconds(5)); // one message per thread after the fast warm-up

                down.set(true);
                Instant outageStart = Instant.now();
                for (int i = 0; i < BACKLOG; i++) {
                    Fixtures.publish(nc, stream.subject(), "order-" + i);
                }
                Fixtures.await(
                        "the breaker to open",
                        Duration.ofSeconds(30),
                        () -> breaker.getState() == CircuitBreaker.State.OPEN);
                BufferSampled behind = events.await(
                        BufferSampled.class,
                        b -> b.at().isAfter(outageStart) && b.prefetch() > 0 && b.buffered() > 0,
                        Duration.ofSeconds(5));
                LOG.info(
                        "outage: {} message(s) buffered behind the held handlers (prefetch {})",
                        behind.buffered(),
                        behind.prefetch());
                Thread.sleep(OUTAGE.toMillis()); // the outage itself
                down.set(false);
                LOG.info("downstream recovered after {}; {} handler calls so far", OUTAGE, calls.get());
                events.awaitCount(MessageAcked.class, WARM_UP + BACKLOG, Duration.ofSeconds(60));
            }
            int highest = maxDelivery.values().stream()
                    .mapToInt(Integer::intValue)
                    .max()
                    .orElse(0);
            ConsumerInfo ci = Fixtures.consumerInfo(nc, stream.name(), "billing");
            long deliveries = ci.getDelivered().getConsumerSequence();
            int handedBack = events.count(ConsumerEvent.RetryScheduled.class)
                    + events.count(ConsumerEvent.MessageReleased.class);
            LOG.info(
                    "outage {} with prefetch: {} handler calls for {} messages, highest delivery {}, {} deliveries,"
                            + " {} handed back",
                    OUTAGE,
                    calls.get(),
                    WARM_UP + BACKLOG,
                    highest,
                    deliveries,
                    handedBack);
            assertThat(successes).hasSize(WARM_UP + BACKLOG).allSatisfy((seq, n) -> assertThat(n.get())
                    .as("succeeded once: #" + seq)
                    .isEqualTo(1));
            assertThat(highest).as("deliveries of any message").isLessThanOrEqualTo(2);
            assertThat(events.count(ConsumerEvent.MessageDeadLettered.class)).isZero();
            assertThat(Fixtures.messageCount(nc, "DLQ_" + stream.name())).isZero();
            assertThat(deliveries)
                    .as("the server redelivered only what the consumer NAKed or released")
                    .isEqualTo(WARM_UP + BACKLOG + handedBack);
            assertThat(Fixtures.messageCount(nc, stream.name())).isZero();
        }
    }
}
