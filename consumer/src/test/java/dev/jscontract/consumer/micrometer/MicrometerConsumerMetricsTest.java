package dev.jscontract.consumer.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MicrometerConsumerMetricsTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
            .durable("billing")
            .ackWait(Duration.ofSeconds(10))
            .maxDeliver(3)
            .backoff(Backoff.fixed(Duration.ofSeconds(1)))
            .deadLetter(DeadLetterPolicy.toDefaultSubject())
            .build();
    private final MicrometerConsumerMetrics metrics = MicrometerConsumerMetrics.create(registry, contract);

    private double count(String name, String... tags) {
        return registry.get("jscontract.consumer." + name).tags(tags).counter().count();
    }

    @Test
    void countsSettledDeliveriesByOutcomeAndReason() {
        Duration took = Duration.ofSeconds(2);
        Duration deadline = Duration.ofSeconds(10);
        metrics.onEvent(new ConsumerEvent.MessageAcked(T, "ORDERS", "billing", 1, 1, took, deadline));
        metrics.onEvent(new ConsumerEvent.MessageAcked(T, "ORDERS", "billing", 2, 2, took, deadline));
        metrics.onEvent(new ConsumerEvent.RetryScheduled(
                T, "ORDERS", "billing", 3, 1, took, deadline, Duration.ofSeconds(1), new IOException("x")));
        metrics.onEvent(new ConsumerEvent.MessageDeadLettered(
                T,
                "ORDERS",
                "billing",
                4,
                3,
                took,
                deadline,
                DeadLetterReason.HANDLER_ERROR,
                new IOException("y"),
                "DLQ_ORDERS",
                1,
                false));
        metrics.onEvent(
                new ConsumerEvent.MaxDeliveriesSwept(T, "ORDERS", "billing", 5, 3, true, "DLQ_ORDERS", 2, false, true));
        metrics.onEvent(new ConsumerEvent.MaxDeliveriesSwept(
                T, "ORDERS", "billing", 4, 3, false, "DLQ_ORDERS", 1, true, false));
        metrics.onEvent(new ConsumerEvent.DeadLetterFailed(
                T,
                "ORDERS",
                "billing",
                6,
                1,
                Duration.ZERO,
                deadline,
                DeadLetterReason.POISON,
                null,
                new IOException("no stream"),
                Duration.ofSeconds(1)));
        metrics.onEvent(new ConsumerEvent.HeartbeatSent(T, "ORDERS", "billing", 1, 1, Duration.ofSeconds(3)));
        metrics.onEvent(new ConsumerEvent.PullError(T, "ORDERS", "billing", PullErrorKind.CONSUMER_DELETED, 409, "x"));
        metrics.onEvent(new ConsumerEvent.PullingPaused(T, "ORDERS", "billing", PauseCause.GATE));
        metrics.onEvent(new ConsumerEvent.ConsumerInfoSampled(T, "ORDERS", "billing", 12, 3, 0, 1));

        assertThat(count("messages", "outcome", "acked")).isEqualTo(2);
        assertThat(count("messages", "outcome", "retried")).isEqualTo(1);
        assertThat(count("messages", "outcome", "dead_lettered")).isEqualTo(1);
        assertThat(count("messages", "outcome", "failed")).isEqualTo(1);
        assertThat(count("messages", "outcome", "terminated")).isZero();
        assertThat(count("dead_letters", "reason", "handler-error")).isEqualTo(1);
        assertThat(count("dead_letters", "reason", "max-deliveries"))
                .as("the duplicate is not counted twice")
                .isEqualTo(1);
        assertThat(count("dead_letter.failures", "reason", "poison", "exception", "IOException"))
                .isEqualTo(1);
        assertThat(count("handler.failures", "exception", "IOException")).isEqualTo(2);
        assertThat(count("heartbeats")).isEqualTo(1);
        assertThat(count("pull.errors", "reason", "consumer-deleted")).isEqualTo(1);
        assertThat(count("pauses", "reason", "gate")).isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.deliveries").summary().count())
                .isEqualTo(5);
        assertThat(registry.get("jscontract.consumer.deliveries").summary().max())
                .isEqualTo(3);
        assertThat(registry.get("jscontract.consumer.ack_deadline.headroom")
                        .summary()
                        .max())
                .isEqualTo(0.2);
        assertThat(registry.get("jscontract.consumer.handler")
                        .tag("outcome", "acked")
                        .timer()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("jscontract.consumer.pending").gauge().value()).isEqualTo(12);
        assertThat(registry.get("jscontract.consumer.ack_pending").gauge().value())
                .isEqualTo(3);
    }

    @Test
    void everyMeterHasStreamAndConsumerTagsOnlyAllowedTagsAndADescription() {
        metrics.onEvent(new ConsumerEvent.RetryScheduled(
                T, "ORDERS", "billing", 3, 1, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, new IOException()));
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("jscontract.consumer.");
            assertThat(m.getId().getTag("stream")).isEqualTo("ORDERS");
            assertThat(m.getId().getTag("consumer")).isEqualTo("billing");
            assertThat(m.getId().getTags()).allSatisfy(t -> assertThat(t.getKey())
                    .isIn("stream", "consumer", "outcome", "reason", "exception", "state"));
            assertThat(m.getId().getDescription()).isNotBlank();
        }
    }

    @Test
    void theStateGaugeShowsTheCurrentStateAndThePausedGaugeItsReason() {
        assertThat(registry.get("jscontract.consumer.state")
                        .tag("state", "new")
                        .gauge()
                        .value())
                .isEqualTo(1);
        metrics.onEvent(new ConsumerEvent.StateChanged(
                T, "ORDERS", "billing", ConsumerState.RUNNING, ConsumerState.PAUSED, "dead-letter-rate", "guard"));
        assertThat(registry.get("jscontract.consumer.state")
                        .tag("state", "new")
                        .gauge()
                        .value())
                .isZero();
        assertThat(registry.get("jscontract.consumer.state")
                        .tag("state", "paused")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.paused")
                        .tag("reason", "dead-letter-rate")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.paused")
                        .tag("reason", "gate")
                        .gauge()
                        .value())
                .isZero();
        metrics.onEvent(new ConsumerEvent.StateChanged(
                T, "ORDERS", "billing", ConsumerState.PAUSED, ConsumerState.HALTED, "connection-closed", "closed"));
        assertThat(registry.get("jscontract.consumer.state")
                        .tag("state", "halted")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.paused")
                        .tag("reason", "dead-letter-rate")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void releasesAndHoldsAreCountedByCause() {
        metrics.onEvent(new ConsumerEvent.MessageReleased(
                T,
                "ORDERS",
                "billing",
                3,
                1,
                Duration.ZERO,
                Duration.ofSeconds(1),
                ConsumerEvent.ReleaseCause.SHUTDOWN));
        metrics.onEvent(new ConsumerEvent.MessageHeld(
                T,
                "ORDERS",
                "billing",
                4,
                1,
                1,
                ConsumerEvent.HoldCause.GATE,
                new IOException("down"),
                Duration.ofSeconds(1)));
        assertThat(registry.get("jscontract.consumer.messages")
                        .tag("outcome", "released")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.releases")
                        .tag("reason", "shutdown")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("jscontract.consumer.holds")
                        .tag("reason", "gate")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    private double gauge(String name) {
        return registry.get("jscontract.consumer." + name)
                .tags("stream", "ORDERS", "consumer", "billing")
                .gauge()
                .value();
    }

    @Test
    void theBufferGaugesShowTheLatestBufferSample() {
        assertThat(gauge("prefetch")).as("before any sample").isZero();
        assertThat(gauge("buffered")).isZero();
        assertThat(gauge("buffer.oldest_age")).isZero();

        metrics.onEvent(new ConsumerEvent.BufferSampled(T, "ORDERS", "billing", 4, 3, Duration.ofMillis(1500)));
        assertThat(gauge("prefetch")).isEqualTo(4);
        assertThat(gauge("buffered")).isEqualTo(3);
        assertThat(gauge("buffer.oldest_age")).as("in seconds").isEqualTo(1.5);
        assertThat(registry.get("jscontract.consumer.buffer.oldest_age")
                        .gauge()
                        .getId()
                        .getBaseUnit())
                .isEqualTo("seconds");

        metrics.onEvent(new ConsumerEvent.BufferSampled(T, "ORDERS", "billing", 0, 0, Duration.ZERO));
        assertThat(gauge("prefetch"))
                .as("the prefetch dropped: handlers got slow")
                .isZero();
        assertThat(gauge("buffered")).isZero();
        assertThat(gauge("buffer.oldest_age")).isZero();

        metrics.onEvent(new ConsumerEvent.BufferSampled(T, "ORDERS", "billing", 2, 1, Duration.ofNanos(250_000_000)));
        assertThat(gauge("prefetch")).isEqualTo(2);
        assertThat(gauge("buffered")).isEqualTo(1);
        assertThat(gauge("buffer.oldest_age")).isEqualTo(0.25);
    }

    @Test
    void closeRemovesTheMeters() {
        metrics.onEvent(new ConsumerEvent.HeartbeatSent(T, "ORDERS", "billing", 1, 1, Duration.ZERO));
        assertThat(registry.getMeters()).isNotEmpty();
        metrics.close();
        assertThat(registry.getMeters()).isEmpty();
    }
}
