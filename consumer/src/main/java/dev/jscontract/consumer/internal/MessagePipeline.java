package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEvent.HoldCause;
import dev.jscontract.consumer.ConsumerEvent.ReleaseCause;
import dev.jscontract.consumer.ConsumerGate;
import dev.jscontract.consumer.DecodingException;
import dev.jscontract.consumer.FailureClassifier;
import dev.jscontract.consumer.FailureKind;
import dev.jscontract.consumer.ProcessingTimeoutException;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterReason;
import io.nats.client.Message;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one delivery on a handler thread: take it (heartbeats start), wait for its turn (the gate, or the
 * in-process retry time), run the handler (the cap starts), then either settle it exactly once through the {@link
 * Settler} or hold it and go round again:
 *
 * <ul>
 *   <li>success → ack;
 *   <li>a {@link DecodingException} anywhere in the cause chain → dead letter, reason {@code poison};
 *   <li>permanent (classifier) → dead letter, reason {@code permanent-error};
 *   <li>the downstream is known to be down — the classifier says {@link FailureKind#DEPENDENCY_DOWN}, or the failure
 *       leaves the gate reporting a failing downstream (an open or half-open breaker) → <b>hold</b>: the message
 *       stays on its thread, heartbeated, and runs again in process after the contract's backoff for its local
 *       attempt and once the gate lets it through. No NAK, no delivery spent, never a dead letter for it. A held
 *       delivery is released to the server after {@code maxProcessingTime} since it was received, except on its last
 *       allowed delivery, which stays held until the downstream is back or the consumer stops (releasing it would make
 *       the server give up on a healthy message);
 *   <li>retryable, not the last allowed delivery → {@code nakWithDelay(backoff.delayFor(n))}, never a plain NAK;
 *   <li>retryable on the last delivery → dead letter, reason {@code handler-error} (or {@code processing-timeout}).
 * </ul>
 *
 * <p><b>Shutdown is not a failure.</b> When the consumer stops ({@link #stop()}, then the handler threads are
 * interrupted), a handler that throws, or a message waiting for its turn, is released ({@link ReleaseCause#SHUTDOWN}):
 * NAKed without delay so another instance can take it at once, with the breaker and the rate guard untouched. A
 * handler that succeeds while the consumer stops is acked.
 *
 * <p>The timeout path ({@link #settleTimedOut(Attempt)}) settles an attempt whose handler exceeded the cap, from the
 * runtime's I/O thread, while the handler thread is interrupted; the {@link Attempt} state machine makes sure exactly
 * one of the two settles, and the handler thread waits for that settle before it frees its slot, so heartbeats go on
 * until the message is settled.
 */
public final class MessagePipeline {
    private static final Logger LOG = LoggerFactory.getLogger(MessagePipeline.class);
    private static final Duration TURN_POLL = Duration.ofMillis(50);

    private final ConsumerContract contract;
    private final Deadlines deadlines;
    private final MessageInvoker invoker;
    private final FailureClassifier classifier;
    private final @Nullable ConsumerGate gate;
    private final HeartbeatMonitor monitor;
    private final Settler settler;
    private final @Nullable AdaptivePrefetch prefetch;
    private final PullEngine engine;
    private final EventBus events;
    private final Clock clock;
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
        this.monitor = monitor;
        this.events = events;
        this.clock = clock;
        this.settler = new Settler(contract, deadlines, writer, rateWindow, events, clock, instance, engine);
        this.prefetch = engine.planner().adaptive();
        this.engine = engine;
    }

    /** The consumer is stopping: failures from now on are releases, and waiting messages are released. */
    public void stop() {
        stopping = true;
    }

    /** The consumer is closed: a handler that returns later may ack, but sends nothing else. */
    public void closed() {
        settler.closed();
    }

    /**
     * Processes one delivery on handler thread {@code slot}.
     *
     * @throws InterruptedException when the thread is interrupted while the message waits (the consumer stops); the
     *     message was released first
     */
    public void process(int slot, Message message) throws InterruptedException {
        process(slot, message, AckTarget.of(message));
    }

    /** {@link #process(int, Message)} with the settle calls going to {@code target} (tests give a fake). */
    void process(int slot, Message message, AckTarget target) throws InterruptedException {
        String reply = message.getReplyTo();
        long delivered = AckSubjects.deliveredCount(reply);
        long sequence = AckSubjects.streamSequence(reply);
        if (delivered < 0 || sequence < 0) {
            var meta = message.metaData(); // an ack layout we do not know: let jnats parse it
            delivered = meta.deliveredCount();
            sequence = meta.streamSequence();
        }
        int delivery = (int) Math.min(Integer.MAX_VALUE, delivered);
        // A parked message was taken out of the inbox (and heartbeated) while the handler threads held theirs: its
        // hold limit counts from then, and its next heartbeat is due at once, since the last parked one may be nearly
        // an interval old.
        Instant parkedAt = engine.parkedAt(message);
        Attempt attempt = new Attempt(
                target,
                message,
                sequence,
                delivery,
                deadlines.forDelivery(delivery),
                parkedAt != null ? parkedAt : clock.instant(),
                monitor.interval(),
                Thread.currentThread());
        AdaptivePrefetch p = prefetch;
        if (parkedAt != null || (p != null && p.mayHaveWaited())) {
            attempt.heartbeatAtOnce(); // it may have waited in the buffer behind a slow handler
        }
        monitor.register(slot, attempt);
        try {
            run(attempt, message);
        } finally {
            monitor.unregister(slot);
        }
    }

    private void run(Attempt a, Message message) throws InterruptedException {
        while (true) {
            if (!awaitTurn(a)) {
                return; // released
            }
            Instant start = clock.instant();
            a.startHandler(start);
            Throwable failure = null;
            try {
                invoker.invoke(message);
            } catch (StackOverflowError e) {
                failure = e; // deep recursion on this message's payload: its failure, not the JVM's (as for listeners)
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                failure = t;
            }
            Duration took = Duration.between(start, clock.instant());
            AdaptivePrefetch p = prefetch;
            if (p != null) {
                p.handlerFinished(took);
            }
            if (!a.finishHandler()) {
                a.awaitDone(); // the cap fired first: the timeout path settles; keep the slot until it has
                return;
            }
            if (failure == null) {
                if (gate != null) {
                    gate.onSuccess(took);
                }
                settler.ack(a, took);
                return;
            }
            if (stopping) {
                if (gate != null) {
                    gate.release();
                }
                settler.release(a, ReleaseCause.SHUTDOWN, took);
                return;
            }
            if (!failed(a, failure, took)) {
                return; // settled
            }
        }
    }

    /**
     * Waits until the attempt may run: its in-process retry time has come and the gate gives permission. Releases the
     * message instead when the consumer stops or a held delivery reaches its hold limit.
     *
     * @return true when the handler may run now (gate permission taken), false when the message was released
     */
    private boolean awaitTurn(Attempt a) throws InterruptedException {
        Duration limit = contract.getMaxProcessingTime().orElse(null);
        while (true) {
            if (stopping) {
                settler.release(a, ReleaseCause.SHUTDOWN, Duration.ZERO);
                return false;
            }
            Instant now = clock.instant();
            if (limit != null
                    && !settler.isLastDelivery(a)
                    && !now.isBefore(a.receivedAt().plus(limit))) {
                settler.release(a, ReleaseCause.HOLD_LIMIT, Duration.ZERO);
                return false;
            }
            if (!now.isBefore(a.retryAt()) && (gate == null || gate.tryAcquire())) {
                return true;
            }
            Duration wait = Duration.between(now, a.retryAt());
            try {
                Thread.sleep(Math.max(1, Math.min(TURN_POLL.toMillis(), wait.toMillis())));
            } catch (InterruptedException e) {
                if (stopping) {
                    settler.release(a, ReleaseCause.SHUTDOWN, Duration.ZERO);
                }
                throw e;
            }
        }
    }

    /**
     * A failed attempt: held for another in-process attempt, or settled.
     *
     * @return true when the message is held (run it again), false when it was settled
     */
    private boolean failed(Attempt a, Throwable failure, Duration took) {
        boolean poison = isPoison(failure);
        FailureKind kind = poison ? FailureKind.PERMANENT : classify(failure);
        if (gate != null) {
            if (kind == FailureKind.PERMANENT) {
                gate.release(); // says nothing about the downstream
            } else {
                gate.onFailure(took, failure);
            }
        }
        HoldCause hold = kind == FailureKind.DEPENDENCY_DOWN
                ? HoldCause.DEPENDENCY_DOWN
                : kind == FailureKind.RETRYABLE && gate != null && gate.isDownstreamFailing() ? HoldCause.GATE : null;
        if (hold != null) {
            int local = a.localAttempts() + 1;
            Duration retryIn = contract.getBackoff().delayFor(local);
            a.hold(clock.instant().plus(retryIn));
            if (local == 1) {
                LOG.debug(
                        "consumer {}/{}: message {} (delivery {}) failed while the downstream is down ({}); held and"
                                + " retried in process",
                        events.stream(),
                        events.consumer(),
                        a.streamSequence(),
                        a.deliveryCount(),
                        failure.toString());
            }
            if (events.enabled()) {
                events.publish(new ConsumerEvent.MessageHeld(
                        events.now(),
                        events.stream(),
                        events.consumer(),
                        a.streamSequence(),
                        a.deliveryCount(),
                        local,
                        hold,
                        failure,
                        retryIn));
            }
            return true;
        }
        if (kind == FailureKind.RETRYABLE && !settler.isLastDelivery(a)) {
            settler.retry(a, failure, took);
            return false;
        }
        DeadLetterReason reason = poison
                ? DeadLetterReason.POISON
                : kind == FailureKind.PERMANENT ? DeadLetterReason.PERMANENT_ERROR : DeadLetterReason.HANDLER_ERROR;
        settler.deadLetter(a, reason, failure, took);
        return false;
    }

    /** Settles an attempt the heartbeat monitor timed out (called on the runtime's I/O thread). */
    public void settleTimedOut(Attempt attempt) {
        Duration cap = contract.getMaxProcessingTime().orElse(Duration.ZERO);
        ProcessingTimeoutException failure = new ProcessingTimeoutException(cap);
        if (stopping) {
            if (gate != null) {
                gate.release();
            }
            settler.release(attempt, ReleaseCause.SHUTDOWN, cap);
            return;
        }
        if (gate != null) {
            gate.onFailure(cap, failure);
        }
        if (settler.isLastDelivery(attempt)) {
            settler.deadLetter(attempt, DeadLetterReason.PROCESSING_TIMEOUT, failure, cap);
        } else {
            settler.retry(attempt, failure, cap);
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
}
