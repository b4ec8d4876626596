package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.ConsumerEvent.RetryScheduled;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NAK-001, B-08, B-09: retryable failures are NAKed with the contract's backoff for that delivery, never a plain NAK,
 * so the gaps between deliveries follow the backoff.
 */
@NatsServerMatrix
@WithNatsServer
class RetryBackoffIT {
    private static final List<Duration> BACKOFF =
            List.of(Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofMillis(1200));
    private static final Duration LATE = Duration.ofMillis(700);

    @Test
    void threeRetryableFailuresThenSuccessAreFourDeliveriesSpacedByTheBackoff(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "RB");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("flaky")
                    .ackWait(Duration.ofSeconds(5))
                    .maxDeliver(6)
                    .backoff(Backoff.of(BACKOFF.toArray(Duration[]::new)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .build();
            EventRecorder events = new EventRecorder();
            List<long[]> deliveries = Collections.synchronizedList(new ArrayList<>());
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        long n = m.metaData().deliveredCount();
                        deliveries.add(new long[] {n, System.nanoTime()});
                        if (n <= 3) {
                            throw new IOException("downstream unavailable (attempt " + n + ")");
                        }
                    })
                    .listeners(events)
                    .build()) {
                consumer.start();
                long seq = Fixtures.publish(nc, stream.subject(), "flaky");
                MessageAcked acked = events.await(MessageAcked.class, Duration.ofSeconds(15));
                assertThat(acked.streamSequence()).isEqualTo(seq);
                assertThat(acked.deliveryCount()).isEqualTo(4);
                assertThat(deliveries).extracting(d -> d[0]).containsExactly(1L, 2L, 3L, 4L);
                List<RetryScheduled> retries = events.all(RetryScheduled.class);
                assertThat(retries).extracting(RetryScheduled::delay).containsExactlyElementsOf(BACKOFF);
                assertThat(retries).allSatisfy(r -> assertThat(r.failure()).isInstanceOf(IOException.class));
                for (int i = 1; i < 4; i++) {
                    Duration gap =
                            Duration.ofNanos(deliveries.get(i)[1] - deliveries.get(i - 1)[1]);
                    Duration expected = BACKOFF.get(i - 1);
                    assertThat(gap)
                            .as("delivery %d -> %d", i, i + 1)
                            .isGreaterThanOrEqualTo(expected.minusMillis(50))
                            .isLessThan(expected.plus(LATE));
                }
                // the event is published when the ack is sent; the server counts it a moment later
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (Fixtures.consumerInfo(nc, stream.name(), "flaky").getNumAckPending() != 0) {
                    assertThat(System.nanoTime()).as("the server has the ack").isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
        }
    }
}
