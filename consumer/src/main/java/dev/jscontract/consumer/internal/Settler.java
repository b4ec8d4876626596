package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import io.nats.client.Message;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a delivery: how it is settled on the server, and what is reported about it. Each public method
 * stops the attempt's heartbeats right before the one ack, NAK or term it sends, emits the delivery's one {@link
 * ConsumerEvent.Settled} event, and records the outcome in the dead-letter rate guard's window.
 *
 * <ul>
 *   <li>{@link #ack} on success;
 *   <li>{@link #retry} after a retryable failure: {@code nakWithDelay(backoff)}, never a plain NAK (NAK-001);
 *   <li>{@link #deadLetter}: the envelope is published synchronously and only after its PubAck is the original
 *       terminated (copy before terminate, DLQ-001); if the publish fails, the message is NAKed with delay and kept;
 *   <li>{@link #release}: handed back without counting as a failure (the consumer stops, or a held message reached
 *       its hold limit).
 * </ul>
 *
 * <p>Once the consumer is closed ({@link #closed()}), a handler that returns late may still ack, but nothing else is
 * sent: a late NAK or term would hit the message's next delivery, which another instance may be processing (acks
 * are matched by stream sequence, B-06).
 */
final class Settler {
    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);
    /** The smallest delay before a message whose dead-lettering failed is tried again. */
    static final Duration MIN_DEAD_LETTER_RETRY = Duration.ofSeconds(1);

    private final ConsumerContract contract;
    private final Deadlines deadlines;
    private final @Nullable DeadLetterWriter writer;
    private final @Nullable RateWindow rateWindow;
    private final EventBus events;
    private final Clock clock;
    private final String instance;
    private final PullEngine engine;
    private volatile boolean closed;

    Settler(
            ConsumerContract contract,
            Deadlines deadlines,
            @Nullable DeadLetterWriter writer,
            @Nullable RateWindow rateWindow,
            EventBus events,
            Clock clock,
            String instance,
            PullEngine engine) {
        this.contract = contract;
        this.deadlines = deadlines;
        this.writer = writer;
        this.rateWindow = rateWindow;
        this.events = events;
        this.clock = clock;
        this.instance = instance;
        this.engine = engine;
    }

    /** The consumer is closed: from now on only acks are sent. */
    void closed() {
        closed = true;
    }

    /** Whether this is the last delivery the contract allows. */
    boolean isLastDelivery(Attempt a) {
        return contract.hasFiniteMaxDeliver() && a.deliveryCount() >= contract.getMaxDeliver();
    }

    /** The NAK delay for a failed delivery: the contract's backoff, adjusted for server BackOff (B-09). */
    Duration retryDelay(int delivery) {
        return deadlines.nakDelay(delivery, contract.getBackoff().delayFor(delivery));
    }

    void ack(Attempt a, Duration took) {
        a.stopHeartbeats();
        if (!send(a, "ack", () -> a.target().ack())) {
            return;
        }
        if (events.enabled()) {
            events.publish(new ConsumerEvent.MessageAcked(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline()));
        }
        recordRate(false);
    }

    void retry(Attempt a, Throwable failure, Duration took) {
        Duration delay = retryDelay(a.deliveryCount());
        a.stopHeartbeats();
        if (closed || !send(a, "nak", () -> a.target().nakWithDelay(delay))) {
            return;
        }
        LOG.debug(
                "consumer {}/{}: message {} delivery {} failed ({}), retry in {}",
                events.stream(),
                events.consumer(),
                a.streamSequence(),
                a.deliveryCount(),
                failure.toString(),
                delay);
        if (events.enabled()) {
            events.publish(new ConsumerEvent.RetryScheduled(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline(),
                    delay,
                    failure));
        }
        recordRate(false);
    }

    /**
     * Hands the message back without counting a failure: at once for a shutdown, after the backoff delay at the hold
     * limit. The breaker and the rate guard are not told.
     */
    void release(Attempt a, ConsumerEvent.ReleaseCause cause, Duration took) {
        a.stopHeartbeats();
        if (closed) {
            return;
        }
        boolean sent = cause == ConsumerEvent.ReleaseCause.SHUTDOWN
                ? send(a, "nak", () -> a.target().releaseNow())
                : send(a, "nak", () -> a.target().nakWithDelay(retryDelay(a.deliveryCount())));
        if (!sent) {
            return;
        }
        if (cause == ConsumerEvent.ReleaseCause.HOLD_LIMIT) {
            LOG.info(
                    "consumer {}/{}: message {} (delivery {}) was held for a failing downstream up to its"
                            + " maxProcessingTime {}; released for redelivery",
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    contract.getMaxProcessingTime().orElse(null));
        }
        if (events.enabled()) {
            events.publish(new ConsumerEvent.MessageReleased(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline(),
                    cause));
        }
    }

    void deadLetter(Attempt a, DeadLetterReason reason, Throwable failure, Duration took) {
        if (closed) {
            a.stopHeartbeats();
            return;
        }
        DeadLetterWriter w = writer;
        if (w == null) {
            terminate(a, reason, failure, took);
            return;
        }
        Message m = a.message();
        DeadLetterWriter.Stored stored;
        try {
            if (m == null) {
                throw new IllegalStateException("attempt without a message cannot be dead-lettered");
            }
            stored = w.publish(envelope(m, a, reason, failure));
        } catch (Exception e) {
            keepAfterFailedDeadLetter(a, w, reason, failure, took, e);
            return;
        }
        a.stopHeartbeats();
        if (!send(a, "term", () -> a.target().term())) {
            return;
        }
        LOG.info(
                "consumer {}/{}: message {} dead-lettered after {} ({}: {}) to {} #{}{}",
                events.stream(),
                events.consumer(),
                a.streamSequence(),
                deliveries(a.deliveryCount()),
                reason,
                failure.toString(),
                w.stream(),
                stored.sequence(),
                stored.duplicate() ? " (already there)" : "");
        if (events.enabled()) {
            events.publish(new ConsumerEvent.MessageDeadLettered(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline(),
                    reason,
                    failure,
                    w.stream(),
                    stored.sequence(),
                    stored.duplicate()));
        }
        recordRate(true);
    }

    /** "1 delivery", "3 deliveries". */
    static String deliveries(long n) {
        return n + (n == 1 ? " delivery" : " deliveries");
    }

    private void terminate(Attempt a, DeadLetterReason reason, Throwable failure, Duration took) {
        a.stopHeartbeats();
        if (!send(a, "term", () -> a.target().term())) {
            return;
        }
        LOG.info(
                "consumer {}/{}: message {} terminated without a dead letter ({}; the contract's policy is none)",
                events.stream(),
                events.consumer(),
                a.streamSequence(),
                reason);
        if (events.enabled()) {
            events.publish(new ConsumerEvent.MessageTerminated(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline(),
                    reason,
                    failure));
        }
        recordRate(true);
    }

    private void keepAfterFailedDeadLetter(
            Attempt a, DeadLetterWriter w, DeadLetterReason reason, Throwable failure, Duration took, Exception e) {
        Duration delay = retryDelay(a.deliveryCount());
        Duration retryIn = delay.compareTo(MIN_DEAD_LETTER_RETRY) < 0 ? MIN_DEAD_LETTER_RETRY : delay;
        a.stopHeartbeats();
        boolean sent = send(a, "nak", () -> a.target().nakWithDelay(retryIn));
        LOG.warn(
                "consumer {}/{}: could not dead-letter message {} (delivery {}, {}) to {} in stream {}: {}; the"
                        + " message is kept{} (create the dead-letter stream or fix the server; the failure is"
                        + " counted as outcome 'failed')",
                events.stream(),
                events.consumer(),
                a.streamSequence(),
                a.deliveryCount(),
                reason,
                w.subject(),
                w.stream(),
                e.toString(),
                sent ? " and retried in " + retryIn : "");
        if (sent && events.enabled()) {
            events.publish(new ConsumerEvent.DeadLetterFailed(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    a.streamSequence(),
                    a.deliveryCount(),
                    took,
                    a.ackDeadline(),
                    reason,
                    failure,
                    e,
                    retryIn));
        }
        recordRate(false);
    }

    private DeadLetterEnvelope envelope(Message m, Attempt a, DeadLetterReason reason, Throwable failure) {
        var meta = m.metaData();
        byte[] data = m.getData();
        return DeadLetterEnvelope.builder()
                .originalStream(contract.getStream())
                .originalSubject(m.getSubject())
                .originalSequence(a.streamSequence())
                .originalTimestamp(meta.timestamp().toInstant())
                .consumer(contract.getDurable())
                .deliveries(a.deliveryCount())
                .reason(reason)
                .error(failure)
                .deadLetteredAt(clock.instant())
                .instance(instance)
                .originalHeaders(m.getHeaders())
                .body(data == null ? new byte[0] : data)
                .build();
    }

    private boolean send(Attempt a, String action, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException e) {
            LOG.warn(
                    "consumer {}/{}: could not send {} for message {} (delivery {}): {}; the server redelivers it after"
                            + " its ack deadline",
                    events.stream(),
                    events.consumer(),
                    action,
                    a.streamSequence(),
                    a.deliveryCount(),
                    e.toString());
            if (events.enabled()) {
                events.publish(new ConsumerEvent.SettleFailed(
                        events.now(),
                        events.stream(),
                        events.consumer(),
                        a.streamSequence(),
                        a.deliveryCount(),
                        action,
                        e));
            }
            return false;
        }
    }

    private void recordRate(boolean deadLettered) {
        RateWindow w = rateWindow;
        if (w == null) {
            return;
        }
        Instant now = clock.instant();
        RateWindow.Trip trip = w.record(deadLettered, now);
        if (trip != null) {
            LOG.warn(
                    "consumer {}/{}: {} of the last {} deliveries were dead-lettered ({}%), above the guard's limit;"
                            + " pulling pauses until {} (check the last deploy and the dead-letter stream)",
                    events.stream(),
                    events.consumer(),
                    trip.deadLettered(),
                    trip.window(),
                    Math.round(trip.share() * 100),
                    trip.pausedUntil());
            engine.pause(PauseCause.DEAD_LETTER_RATE);
            if (events.enabled()) {
                events.publish(new ConsumerEvent.DeadLetterRateExceeded(
                        now,
                        events.stream(),
                        events.consumer(),
                        trip.deadLettered(),
                        trip.window(),
                        trip.share(),
                        trip.pausedUntil()));
            }
        }
    }
}
