package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.BufferSampled;
import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.ConsumerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: without a declared batch size or expected p99 the consumer sizes its own prefetch. While handlers take
 * 1 ms it keeps one message per thread buffered; when the handler time jumps to 2 s under a 3 s ack wait it stops
 * prefetching, and the messages already buffered behind the slow handlers are heartbeated when taken, so none is
 * redelivered and none is dead-lettered.
 */
@NatsServerMatrix
@WithNatsServer
class AdaptivePrefetchIT {
    private static final int FAST = 400;
    private static final int SLOW = 12;

    @Test
    void handlerTimeJumpingFromOneMillisecondToTwoSecondsCostsNoRedeliveryAndNoDeadLetter(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "AP");
            ConsumerContract contract = Fixtures.contract(stream, "adaptive").build().toBuilder()
                    .ackWait(Duration.ofSeconds(3))
                    .concurrency(4)
                    .maxProcessingTime(Duration.ofSeconds(30))
                    .build();
            assertThat(contract.getBatchSize()).isEmpty();
            assertThat(contract.getExpectedP99()).isEmpty();
            for (int i = 0; i < FAST; i++) {
                Fixtures.publish(nc, stream.subject(), "fast");
            }
            for (int i = 0; i < SLOW; i++) {
                Fixtures.publish(nc, stream.subject(), "slow");
            }
            EventRecorder events = new EventRecorder();
            Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        runs.computeIfAbsent(m.metaData().streamSequence(), k -> new AtomicInteger())
                                .incrementAndGet();
                        Thread.sleep(new String(m.getData(), StandardCharsets.UTF_8).equals("slow") ? 2000 : 1);
                    })
                    .listeners(events)
                    .consumerInfoInterval(Duration.ofMillis(100))
                    .build()) {
                consumer.start();
                events.awaitCount(MessageAcked.class, FAST + SLOW, Duration.ofSeconds(60));

                assertThat(events.all(BufferSampled.class))
                        .as("one message per thread was prefetched while handlers were fast")
                        .anySatisfy(b -> assertThat(b.prefetch()).isEqualTo(4));
                BufferSampled last = events.all(BufferSampled.class).get(events.count(BufferSampled.class) - 1);
                assertThat(last.prefetch())
                        .as("after the 2 s handlers: no prefetch")
                        .isZero();

                assertThat(events.all(MessageAcked.class))
                        .as("every message acked on its first delivery")
                        .allSatisfy(a -> assertThat(a.deliveryCount()).isEqualTo(1));
                assertThat(runs).hasSize(FAST + SLOW);
                assertThat(runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
                assertThat(events.count(ConsumerEvent.MessageDeadLettered.class))
                        .isZero();
                ConsumerInfo ci = Fixtures.consumerInfo(nc, stream.name(), "adaptive");
                assertThat(ci.getRedelivered())
                        .as("the server redelivered nothing")
                        .isZero();
                assertThat(ci.getDelivered().getConsumerSequence()).isEqualTo(FAST + SLOW);
            }
        }
    }
}
