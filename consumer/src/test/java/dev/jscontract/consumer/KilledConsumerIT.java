package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MaxDeliveriesSwept;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterHeaders;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * B-12, B-13, B-14, B-17, DLQ-002: a message whose processing kills the consumer process on every attempt never
 * reaches the handler's dead-letter path. After its last delivery times out, the next instance's waiting pull makes
 * the server emit the MAX_DELIVERIES advisory, the capture stream keeps it, and the sweeper dead-letters the original
 * (read by sequence) with reason {@code max-deliveries} and deletes it from the WorkQueue stream.
 */
@NatsServerMatrix
@WithNatsServer
class KilledConsumerIT {

    @Test
    void aMessageThatKillsTheConsumerOnEveryAttemptIsDeadLetteredByTheSweeper(NatsServer server) throws Exception {
        try (Connection admin = server.connect()) {
            TestStream stream = Fixtures.workQueue(admin, "KC");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("worker")
                    .ackWait(Duration.ofSeconds(1))
                    .maxDeliver(3)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .build();
            long seq = Fixtures.publish(admin, stream.subject(), "kills the worker");

            for (int attempt = 1; attempt <= 3; attempt++) {
                Connection victim = server.connect();
                CountDownLatch taken = new CountDownLatch(1);
                try (ContractConsumer dying = ContractConsumer.builder(victim, contract)
                        .handler(m -> {
                            taken.countDown();
                            victim.close(); // the process dies: no ack, no nak, no term
                            throw new IllegalStateException("process died");
                        })
                        .build()) {
                    dying.start();
                    assertThat(taken.await(10, TimeUnit.SECONDS))
                            .as("attempt %d delivered", attempt)
                            .isTrue();
                }
            }

            EventRecorder events = new EventRecorder();
            AtomicInteger handled = new AtomicInteger();
            try (ContractConsumer healthy = ContractConsumer.builder(admin, contract)
                    .handler(m -> handled.incrementAndGet())
                    .listeners(events)
                    .build()) {
                healthy.start();
                MaxDeliveriesSwept swept = events.await(MaxDeliveriesSwept.class, Duration.ofSeconds(15));
                assertThat(swept.streamSequence()).isEqualTo(seq);
                assertThat(swept.deliveries()).isEqualTo(3);
                assertThat(swept.originalFound()).isTrue();
                assertThat(swept.duplicate()).isFalse();
                assertThat(swept.originalDeleted())
                        .as("WorkQueue: deleted after the copy")
                        .isTrue();

                List<DeadLetterEnvelope> dead = Fixtures.deadLetters(admin, "DLQ_" + stream.name());
                assertThat(dead).hasSize(1);
                DeadLetterEnvelope env = dead.get(0);
                assertThat(env.getReason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES);
                assertThat(env.getOriginalSequence()).isEqualTo(seq);
                assertThat(env.getOriginalSubject()).isEqualTo(stream.subject());
                assertThat(env.getDeliveries()).isEqualTo(3);
                assertThat(env.getConsumer()).isEqualTo("worker");
                assertThat(env.getErrorClass()).contains(DeadLetterHeaders.MAX_DELIVERIES_EXCEEDED);
                assertThat(new String(env.getBody(), StandardCharsets.UTF_8)).isEqualTo("kills the worker");
                assertThat(Fixtures.holds(admin, stream.name(), seq)).isFalse();
                assertThat(handled)
                        .as("the healthy instance never got the message")
                        .hasValue(0);
            }
        }
    }
}
