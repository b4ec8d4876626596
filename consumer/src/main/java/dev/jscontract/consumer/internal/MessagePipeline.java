package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerGate;
import dev.jscontract.consumer.DecodingException;
import dev.jscontract.consumer.FailureClassifier;
import dev.jscontract.consumer.FailureKind;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.consumer.ProcessingTimeoutException;
import dev.jscontract.contract.Backoff;
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
 * What happens to one delivery on a handler thread, in order: take it (heartbeats start), wait for the gate
 * (heartbeating), run the handler (the cap starts), then settle exactly once:
 *
 * <ul>
 *   <li>success → {@code ack()};
 *   <li>a {@link DecodingException} anywhere in the cause chain → dead letter, reason {@code poison};
 *   <li>permanent (classifier) → dead letter, reason {@code permanent-error};
 *   <li>retryable, not the last allowed delivery → {@code nakWithDelay(backoff.delayFor(n))}, never a plain NAK;
 *   <li>retryable on the last delivery → dead letter, reason {@code handler-error} (or {@code processing-timeout});
 *   <li>dead letter = publish the envelope synchronously, then {@code term()}; if the publish fails, NAK with delay
 *       and keep the message (outcome {@code failed}).
 * </ul>
 *
 * <p>The timeout path ({@link #settleTimedOut(Attempt)}) settles an attempt whose handler exceeded the cap, from
 * another thread, while the handler thread is interrupted; the {@link Attempt} state machine makes sure exactly one
 * of the two settles.
 */
public final class MessagePipeline {
    private static final Logger LOG = LoggerFactory.getLogger(MessagePipeline.class);
    private static final Duration GATE_POLL = Duration.ofMillis(50);
    /** The smallest delay before a message whose dead-lettering failed is tried again. */
    static final Duration MIN_DEAD_LETTER_RETRY = Duration.ofSeconds(1);

    private final ConsumerContract contract;
    private final Deadlines deadlines;
    private final MessageInvoker invoker;
    private final FailureClassifier classifier;
    private final @Nullable ConsumerGate gate;
    private final @Nullable DeadLetterWriter writer;
    private final @Nullable RateWindow rateWindow;
    private final HeartbeatMonitor monitor;
    private final EventBus events;
    private final Clock clock;
    private final String instance;
    private final PullEngine engine;
    private volatile boolean stopping;

    /** Wires a pipeline; see {@link ConsumerRuntime}. */
    public MessagePipeline(
            ConsumerContract contract,
            Deadlines deadlines,
            MessageInvoker invoker,
            FailureClassifier classifier,
            @Nullable ConsumerGate gate,
            @Nullable DeadLetterWriter writer,
            @Nullable RateWindow rateWindow,
            HeartbeatMonitor monitor,
            EventBus events,
            Clock clock,
            String instance,
            PullEngine engine) {
        this.contract = contract;
        this.deadlines = deadlines;
        this.invoker = invoker;
        this.classifier = classifier;
        this.gate = gate;
        this.writer = writer;
        this.rateWindow = rateWindow;
        this.monitor = monitor;
        this.events = events;
        this.clock = clock;
        this.instance = instance;
        this.engine = engine;
    }

    /** Makes held messages give up waiting for the gate (on close). */
    public void stop() {
        stopping = true;
    }

    /**
     * Processes one delivery on handler thread {@code slot}.
     *
     * @throws InterruptedException when the thread is interrupted while the message is held (close): the message is
     *     left unsettled for redelivery
     */
    public void process(int slot, Message message) throws InterruptedException {
        String reply = message.getReplyTo();
        long delivered = AckSubjects.deliveredCount(reply);
        long sequence = AckSubjects.streamSequence(reply);
        if (delivered < 0 || sequence < 0) {
            var meta = message.metaData(); // an ack layout we do not know: let jnats parse it
            delivered = meta.deliveredCount();
            sequence = meta.streamSequence();
        }
        int delivery = (int) Math.min(Integer.MAX_VALUE, delivered);
        Attempt attempt = new Attempt(
                AckTarget.of(message),
                message,
                sequence,
                delivery,
                deadlines.forDelivery(delivery),
                clock.instant(),
                monitor.interval(),
                Thread.currentThread());
        monitor.register(slot, attempt);
        try {
            Instant start = attempt.receivedAt();
            if (gate != null) {
                awaitGate();
                start = clock.instant();
            }
            attempt.startHandler(start);
            Throwable failure = null;
            try {
                invoker.invoke(message);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                failure = t;
            }
            Duration took = Duration.between(start, clock.instant());
            if (!attempt.finishHandler()) {
                return; // the cap fired first: the timeout path settles
            }
            if (failure == null) {
                if (gate != null) {
                    gate.onSuccess(took);
                }
                acknowledge(attempt, took);
            } else {
                settleFailure(attempt, failure, took, false);
            }
        } finally {
            monitor.unregister(slot);
        }
    }

    private void awaitGate() throws InterruptedException {
        ConsumerGate g = gate;
        while (g != null && !g.tryAcquire()) {
            if (stopping) {
                throw new InterruptedException("consumer closing while the message waited for the gate");
            }
            Thread.sleep(GATE_POLL.toMillis());
        }
    }

    /** Settles an attempt the heartbeat monitor timed out (called on the runtime's I/O thread). */
    public void settleTimedOut(Attempt attempt) {
        Duration cap = contract.getMaxProcessingTime().orElse(Duration.ZERO);
        ProcessingTimeoutException failure = new ProcessingTimeoutException(cap);
        if (gate != null) {
            gate.onFailure(cap, failure);
        }
        settleFailure(attempt, failure, cap, true);
    }

    private void acknowledge(Attempt a, Duration took) {
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

    private void settleFailure(Attempt a, Throwable failure, Duration took, boolean timedOut) {
        boolean poison = !timedOut && isPoison(failure);
        FailureKind kind = timedOut ? FailureKind.RETRYABLE : poison ? FailureKind.PERMANENT : classify(failure);
        if (gate != null && !timedOut) {
            if (kind == FailureKind.RETRYABLE) {
                gate.onFailure(took, failure);
            } else {
                gate.release();
            }
        }
        boolean last = contract.hasFiniteMaxDeliver() && a.deliveryCount() >= contract.getMaxDeliver();
        if (kind == FailureKind.RETRYABLE && !last) {
            Duration delay = nakDelay(a.deliveryCount());
            a.stopHeartbeats();
            if (!send(a, "nak", () -> a.target().nakWithDelay(delay))) {
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
            return;
        }
        DeadLetterReason reason = poison
                ? DeadLetterReason.POISON
                : kind == FailureKind.PERMANENT
                        ? DeadLetterReason.PERMANENT_ERROR
                        : timedOut ? DeadLetterReason.PROCESSING_TIMEOUT : DeadLetterReason.HANDLER_ERROR;
        deadLetter(a, reason, failure, took);
    }

    private void deadLetter(Attempt a, DeadLetterReason reason, Throwable failure, Duration took) {
        DeadLetterWriter w = writer;
        if (w == null) {
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
            Duration delay = deadLetterRetryDelay(a.deliveryCount());
            a.stopHeartbeats();
            boolean sent = send(a, "nak", () -> a.target().nakWithDelay(delay));
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
                    sent ? " and retried in " + delay : "");
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
                        delay));
            }
            recordRate(false);
            return;
        }
        a.stopHeartbeats();
        if (!send(a, "term", () -> a.target().term())) {
            return;
        }
        LOG.info(
                "consumer {}/{}: message {} dead-lettered after {} deliveries ({}: {}) to {} #{}{}",
                events.stream(),
                events.consumer(),
                a.streamSequence(),
                a.deliveryCount(),
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

    private FailureKind classify(Throwable failure) {
        try {
            FailureKind k = classifier.classify(failure);
            return k == null ? FailureKind.RETRYABLE : k;
        } catch (RuntimeException e) {
            LOG.error(
                    "consumer {}/{}: failure classifier {} threw on {}; treating the failure as retryable",
                    events.stream(),
                    events.consumer(),
                    classifier,
                    failure.toString(),
                    e);
            return FailureKind.RETRYABLE;
        }
    }

    static boolean isPoison(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof DecodingException) {
                return true;
            }
        }
        return false;
    }

    private Duration nakDelay(int delivery) {
        Backoff backoff = contract.getBackoff();
        return deadlines.nakDelay(delivery, backoff.delayFor(delivery));
    }

    private Duration deadLetterRetryDelay(int delivery) {
        Duration d = nakDelay(delivery);
        return d.compareTo(MIN_DEAD_LETTER_RETRY) < 0 ? MIN_DEAD_LETTER_RETRY : d;
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
