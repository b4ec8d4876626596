package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.ConsumerInfo;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code drain} under load stops pulling and settles everything in flight, so a restarted instance processes only
 * what was never taken: no message is handled or settled twice, and the server redelivers nothing.
 */
@NatsServerMatrix
@WithNatsServer
class DrainIT {
    private static final int MESSAGES = 400;

    @Test
    void drainUnderLoadSettlesInFlightWorkAndNothingIsSettledTwiceAfterRestart(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "DR");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("drain")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(3)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .concurrency(8)
                    .build();
            for (int i = 0; i < MESSAGES; i++) {
                nc.jetStream().publishAsync(stream.subject(), ("m" + i).getBytes());
            }
            Fixtures.await("all published", Duration.ofSeconds(10), () -> {
                try {
                    return Fixtures.messageCount(nc, stream.name()) == MESSAGES;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Map<Long, AtomicInteger> handled = new ConcurrentHashMap<>();
            EventRecorder first = new EventRecorder();
            ContractHandler handler = m -> {
                handled.computeIfAbsent(m.metaData().streamSequence(), k -> new AtomicInteger())
                        .incrementAndGet();
                Thread.sleep(15);
            };

            ContractConsumer a = ContractConsumer.builder(nc, contract)
                    .handler(handler)
                    .listeners(first)
                    .build();
            a.start();
            Fixtures.await(
                    "a third processed", Duration.ofSeconds(20), () -> first.count(MessageAcked.class) >= MESSAGES / 3);
            assertThat(a.drain(Duration.ofSeconds(10)))
                    .as("everything in flight settled")
                    .isTrue();
            assertThat(a.getState()).isEqualTo(ConsumerState.CLOSED);
            assertThat(a.getInFlight()).isZero();
            int settledByA = first.count(MessageAcked.class);
            assertThat(first.count(ConsumerEvent.Settled.class)).isEqualTo(settledByA);
            assertThat(handled).hasSize(settledByA);
            ConsumerInfo afterDrain = Fixtures.consumerInfo(nc, stream.name(), "drain");
            assertThat(afterDrain.getNumAckPending())
                    .as("nothing left unsettled")
                    .isZero();

            EventRecorder second = new EventRecorder();
            try (ContractConsumer b = ContractConsumer.builder(nc, contract)
                    .handler(handler)
                    .listeners(second)
                    .build()) {
                b.start();
                second.awaitCount(MessageAcked.class, MESSAGES - settledByA, Duration.ofSeconds(30));
                Thread.sleep(2500); // one ack wait: a redelivery would show now
            }
            Set<Long> ackedByA = new HashSet<>();
            first.all(MessageAcked.class).forEach(e -> ackedByA.add(e.streamSequence()));
            Set<Long> ackedByB = new HashSet<>();
            second.all(MessageAcked.class).forEach(e -> ackedByB.add(e.streamSequence()));
            assertThat(ackedByA).hasSize(settledByA).doesNotContainAnyElementsOf(ackedByB);
            assertThat(ackedByA.size() + ackedByB.size()).isEqualTo(MESSAGES);
            assertThat(second.count(ConsumerEvent.Settled.class)).isEqualTo(MESSAGES - settledByA);
            assertThat(handled).hasSize(MESSAGES).allSatisfy((seq, n) -> assertThat(n.get())
                    .as("handled once: #" + seq)
                    .isEqualTo(1));
            ConsumerInfo end = Fixtures.consumerInfo(nc, stream.name(), "drain");
            assertThat(end.getRedelivered()).isZero();
            assertThat(end.getDelivered().getConsumerSequence()).isEqualTo(MESSAGES);
            assertThat(Fixtures.messageCount(nc, stream.name())).isZero();
        }
    }
}
