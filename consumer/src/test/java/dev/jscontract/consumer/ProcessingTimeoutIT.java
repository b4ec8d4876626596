package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.ConsumerEvent.ProcessingTimedOut;
import dev.jscontract.consumer.ConsumerEvent.RetryScheduled;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * HB-002: the maximum processing time caps heartbeats. An attempt over it fails with {@link
 * ProcessingTimeoutException} (the handler thread is interrupted), is retried with the backoff like any retryable
 * failure, and the last allowed delivery is dead-lettered with reason {@code processing-timeout}.
 */
@NatsServerMatrix
@WithNatsServer
class ProcessingTimeoutIT {
    private static final Duration CAP = Duration.ofMillis(800);
    private static final Duration BACKOFF = Duration.ofMillis(300);

    @Test
    void anAttemptOverTheMaximumProcessingTimeIsRetriedWithBackoffThenDeadLetteredAsProcessingTimeout(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "TO");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("stuck")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(3)
                    .backoff(Backoff.fixed(BACKOFF))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .maxProcessingTime(CAP)
                    .build();
            EventRecorder events = new EventRecorder();
            List<Long> starts = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger interrupted = new AtomicInteger();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        starts.add(System.nanoTime());
                        try {
                            Thread.sleep(30_000);
                        } catch (InterruptedException e) {
                            interrupted.incrementAndGet();
                            throw e;
                        }
                    })
                    .listeners(events)
                    .build()) {
                consumer.start();
                long seq = Fixtures.publish(nc, stream.subject(), "hangs");

                MessageDeadLettered dl = events.await(MessageDeadLettered.class, Duration.ofSeconds(20));
                assertThat(dl.reason()).isEqualTo(DeadLetterReason.PROCESSING_TIMEOUT);
                assertThat(dl.deliveryCount()).isEqualTo(3);
                assertThat(dl.failure()).isInstanceOf(ProcessingTimeoutException.class);
                assertThat(events.all(ProcessingTimedOut.class))
                        .extracting(ProcessingTimedOut::deliveryCount)
                        .containsExactly(1, 2, 3);
                List<RetryScheduled> retries = events.all(RetryScheduled.class);
                assertThat(retries).extracting(RetryScheduled::deliveryCount).containsExactly(1, 2);
                assertThat(retries).allSatisfy(r -> {
                    assertThat(r.delay()).isEqualTo(BACKOFF);
                    assertThat(r.failure()).isInstanceOf(ProcessingTimeoutException.class);
                });
                Fixtures.await("three interrupted handlers", Duration.ofSeconds(5), () -> interrupted.get() == 3);
                assertThat(starts).hasSize(3);
                for (int i = 1; i < starts.size(); i++) {
                    Duration gap = Duration.ofNanos(starts.get(i) - starts.get(i - 1));
                    assertThat(gap)
                            .as("attempt %d -> %d: cap + backoff", i, i + 1)
                            .isGreaterThanOrEqualTo(CAP.plus(BACKOFF).minusMillis(50))
                            .isLessThan(CAP.plus(BACKOFF).plusMillis(1500));
                }

                DeadLetterEnvelope env =
                        Fixtures.deadLetters(nc, "DLQ_" + stream.name()).get(0);
                assertThat(env.getReason()).isEqualTo(DeadLetterReason.PROCESSING_TIMEOUT);
                assertThat(env.getOriginalSequence()).isEqualTo(seq);
                assertThat(env.getDeliveries()).isEqualTo(3);
                assertThat(env.getErrorClass()).contains(ProcessingTimeoutException.class.getName());
                assertThat(env.getErrorMessage().orElseThrow())
                        .startsWith("the handler ran longer than the contract's maxProcessingTime PT0.8S");
                Fixtures.await("original terminated", Duration.ofSeconds(5), () -> {
                    try {
                        return Fixtures.messageCount(nc, stream.name()) == 0;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
    }

    @Test
    void aHandlerThatIgnoresTheInterruptIsSettledAtTheCapWithoutWaitingForIt(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "TO");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("deaf")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(1)
                    .backoff(Backoff.fixed(BACKOFF))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .maxProcessingTime(CAP)
                    .build();
            EventRecorder events = new EventRecorder();
            AtomicInteger returned = new AtomicInteger();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait(); // ignores interrupts
                        }
                        returned.incrementAndGet();
                    })
                    .listeners(events)
                    .build()) {
                consumer.start();
                Fixtures.publish(nc, stream.subject(), "deaf");
                MessageDeadLettered dl = events.await(MessageDeadLettered.class, Duration.ofSeconds(10));
                assertThat(dl.reason()).isEqualTo(DeadLetterReason.PROCESSING_TIMEOUT);
                assertThat(returned.get())
                        .as("dead-lettered while the handler still ran")
                        .isZero();
                Fixtures.await("handler returned", Duration.ofSeconds(5), () -> returned.get() == 1);
                Thread.sleep(300);
                assertThat(events.count(ConsumerEvent.Settled.class))
                        .as("settled once")
                        .isEqualTo(1);
            }
        }
    }
}
