package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.ConsumerInfoSampled;
import dev.jscontract.consumer.ConsumerEvent.HeartbeatSent;
import dev.jscontract.consumer.ConsumerEvent.ListenerFailed;
import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.ConsumerEvent.RetryScheduled;
import dev.jscontract.consumer.ConsumerEvent.Settled;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Metrics and events count exactly what happened: a known mix of successes, a retry, poison, a permanent failure,
 * an exhausted retryable failure and a slow message gives matching counts per outcome and reason, in events and in
 * meters; a throwing listener is isolated and counted.
 */
@NatsServerMatrix
@WithNatsServer
class MetricsAndEventsIT {

    @Test
    void countsPerOutcomeAndReasonEqualWhatTheTestCaused(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "ME");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("mix")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(3)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .concurrency(2)
                    .build();
            EventRecorder events = new EventRecorder();
            ConsumerEventListener throwsOnAcks = e -> {
                if (e instanceof MessageAcked) {
                    throw new IllegalStateException("listener bug");
                }
            };
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(
                            m -> new String(m.getData(), StandardCharsets.UTF_8),
                            (String body, io.nats.client.Message m) -> {
                                switch (body) {
                                    case "ok" -> {}
                                    case "slow" -> Thread.sleep(1500);
                                    case "flaky" -> {
                                        if (m.metaData().deliveredCount() == 1) {
                                            throw new IOException("first attempt fails");
                                        }
                                    }
                                    case "reject" -> throw new PermanentFailure("order is cancelled");
                                    case "never" -> throw new IOException("always down");
                                    case "poison" -> throw new DecodingException("cannot read the order");
                                    default -> throw new AssertionError(body);
                                }
                            })
                    .listeners(events, throwsOnAcks)
                    .metrics(MicrometerConsumerMetrics.create(registry, contract))
                    .consumerInfoInterval(Duration.ofMillis(200))
                    .build()) {
                consumer.start();
                for (String body : new String[] {"ok", "ok", "flaky", "reject", "never", "poison", "slow"}) {
                    Fixtures.publish(nc, stream.subject(), body);
                }
                // 4 acked (ok, ok, flaky, slow) + 3 retries (flaky 1, never 2) + 3 dead letters = 10 settles
                events.awaitCount(Settled.class, 10, Duration.ofSeconds(20));
                Thread.sleep(500); // nothing else must follow
                Map<Outcome, Long> byOutcome = events.all(Settled.class).stream()
                        .collect(Collectors.groupingBy(Settled::outcome, Collectors.counting()));
                assertThat(byOutcome)
                        .containsExactlyInAnyOrderEntriesOf(
                                Map.of(Outcome.ACKED, 4L, Outcome.RETRIED, 3L, Outcome.DEAD_LETTERED, 3L));
                assertThat(events.all(MessageDeadLettered.class).stream()
                                .collect(Collectors.groupingBy(MessageDeadLettered::reason, Collectors.counting())))
                        .containsExactlyInAnyOrderEntriesOf(Map.of(
                                DeadLetterReason.PERMANENT_ERROR, 1L,
                                DeadLetterReason.HANDLER_ERROR, 1L,
                                DeadLetterReason.POISON, 1L));
                assertThat(events.count(RetryScheduled.class)).isEqualTo(3);

                Function<String, Double> messages = outcome -> registry.get("jscontract.consumer.messages")
                        .tag("outcome", outcome)
                        .counter()
                        .count();
                assertThat(messages.apply("acked")).isEqualTo(4);
                assertThat(messages.apply("retried")).isEqualTo(3);
                assertThat(messages.apply("dead_lettered")).isEqualTo(3);
                assertThat(messages.apply("terminated")).isZero();
                assertThat(messages.apply("failed")).isZero();
                for (String reason : new String[] {"permanent-error", "handler-error", "poison"}) {
                    assertThat(registry.get("jscontract.consumer.dead_letters")
                                    .tag("reason", reason)
                                    .counter()
                                    .count())
                            .as(reason)
                            .isEqualTo(1);
                }
                assertThat(registry.get("jscontract.consumer.handler.failures")
                                .tag("exception", "IOException")
                                .counter()
                                .count())
                        .isEqualTo(4);
                assertThat(registry.get("jscontract.consumer.deliveries")
                                .summary()
                                .count())
                        .isEqualTo(10);
                assertThat(registry.get("jscontract.consumer.deliveries")
                                .summary()
                                .max())
                        .isEqualTo(3);
                assertThat(registry.get("jscontract.consumer.handler")
                                .tag("outcome", "acked")
                                .timer()
                                .count())
                        .isEqualTo(4);
                int heartbeats = events.count(HeartbeatSent.class);
                assertThat(heartbeats)
                        .as("the 1.5 s message under a 2 s ack wait")
                        .isGreaterThanOrEqualTo(1);
                assertThat(registry.get("jscontract.consumer.heartbeats")
                                .counter()
                                .count())
                        .isEqualTo(heartbeats);

                assertThat(consumer.getListenerFailures()).isEqualTo(4);
                assertThat(events.count(ListenerFailed.class)).isEqualTo(4);
                assertThat(registry.get("jscontract.consumer.listener.failures")
                                .counter()
                                .count())
                        .isEqualTo(4);

                events.await(
                        ConsumerInfoSampled.class,
                        s -> s.numAckPending() == 0 && s.numPending() == 0,
                        Duration.ofSeconds(5));
                Fixtures.await(
                        "gauges caught up",
                        Duration.ofSeconds(5),
                        () -> registry.get("jscontract.consumer.ack_pending")
                                        .gauge()
                                        .value()
                                == 0);
                assertThat(registry.get("jscontract.consumer.pending").gauge().value())
                        .isZero();
            }
            assertThat(registry.find("jscontract.consumer.messages").counters())
                    .as("meters removed on close")
                    .isEmpty();
        }
    }
}
