package dev.jscontract.consumer;

import dev.jscontract.contract.DeadLetterReason;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Something a {@link ContractConsumer} did or saw, delivered to a {@link ConsumerEventListener}. Events are immutable
 * records; {@link #at()} comes from the consumer's injected {@link java.time.Clock}. They are built only when a
 * listener is registered (the Micrometer metrics are one), so an unobserved consumer allocates none.
 *
 * <p>Every delivery ends in exactly one {@link Settled} event: {@link MessageAcked}, {@link RetryScheduled}, {@link
 * MessageDeadLettered}, {@link MessageTerminated}, {@link DeadLetterFailed} or {@link MessageReleased}, matching the
 * {@link Outcome}s.
 *
 * <pre>{@code
 * ConsumerEventListener listener = event -> {
 *     if (event instanceof ConsumerEvent.MessageDeadLettered d) {
 *         log.warn("dead-lettered {} #{}: {}", d.stream(), d.streamSequence(), d.reason());
 *     }
 * };
 * }</pre>
 */
public sealed interface ConsumerEvent {
    /** When it happened, from the consumer's clock. */
    Instant at();

    /** The source stream. */
    String stream();

    /** The durable consumer name. */
    String consumer();

    /** The end of one delivery: how it was settled, after how long, against which ack deadline. */
    sealed interface Settled extends ConsumerEvent {
        /** The message's stream sequence (its stable identity). */
        long streamSequence();

        /** Which delivery this was (1 for the first). */
        int deliveryCount();

        /** How long the handler ran (zero when it did not run, for example for a poison payload). */
        Duration handlerTime();

        /** The ack deadline of this delivery as read back from the server. */
        Duration ackDeadline();

        /** The outcome this event stands for. */
        Outcome outcome();
    }

    /** The handler succeeded and the message was acknowledged. */
    record MessageAcked(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.ACKED;
        }
    }

    /**
     * The attempt failed with a retryable error and the message was NAKed with {@code delay}.
     *
     * @param delay the NAK delay sent (the contract's backoff for this delivery; with server BackOff, reduced so that
     *     the observed wait equals the backoff, see B-09)
     */
    record RetryScheduled(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline,
            Duration delay,
            Throwable failure)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.RETRIED;
        }
    }

    /**
     * The dead-letter envelope was stored (PubAck received) and then the original terminated.
     *
     * @param duplicate whether the dead-letter stream reported the envelope as a duplicate (already stored by the
     *     sweeper or an earlier attempt)
     */
    record MessageDeadLettered(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline,
            DeadLetterReason reason,
            @Nullable Throwable failure,
            String deadLetterStream,
            long deadLetterSequence,
            boolean duplicate)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.DEAD_LETTERED;
        }
    }

    /** The message was terminated without a dead letter, because the contract's policy is {@code none()}. */
    record MessageTerminated(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline,
            DeadLetterReason reason,
            @Nullable Throwable failure)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.TERMINATED;
        }
    }

    /**
     * Publishing the dead letter failed (for example the dead-letter stream is missing); the original was NAKed with
     * {@code retryDelay} and is kept. If this was the last allowed delivery, the sweeper dead-letters it once the
     * server gives up on it.
     */
    record DeadLetterFailed(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline,
            DeadLetterReason reason,
            @Nullable Throwable failure,
            Throwable error,
            Duration retryDelay)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.FAILED;
        }
    }

    /** Why a message was released for redelivery without counting as a failed attempt. */
    enum ReleaseCause {
        /** The consumer stopped ({@code close()}, or a {@code drain} that ran out) while the handler ran or waited. */
        SHUTDOWN("shutdown"),
        /**
         * The message was held for a failing downstream longer than the contract's {@code maxProcessingTime}; it is
         * released so that the server redelivers it (one delivery is spent; never on the last allowed delivery).
         */
        HOLD_LIMIT("hold-limit");

        private final String tagValue;

        ReleaseCause(String tagValue) {
            this.tagValue = tagValue;
        }

        /** The metric tag value (the {@code reason} tag of {@code jscontract.consumer.releases}). */
        public String tagValue() {
            return tagValue;
        }
    }

    /**
     * The message was handed back to the server with a NAK (no delay for a shutdown, the backoff delay at the hold
     * limit): not a failure, so the breaker, the rate guard and the retry count are untouched. The server counts the
     * redelivery like any other (JetStream has no way to return a message uncounted).
     */
    record MessageReleased(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration handlerTime,
            Duration ackDeadline,
            ReleaseCause cause)
            implements Settled {
        @Override
        public Outcome outcome() {
            return Outcome.RELEASED;
        }
    }

    /** Why a failed attempt was held in process instead of NAKed. */
    enum HoldCause {
        /** The failure came while the gate says the downstream is failing (an open or half-open circuit breaker). */
        GATE("gate"),
        /** The classifier called the failure {@link FailureKind#DEPENDENCY_DOWN}. */
        DEPENDENCY_DOWN("dependency-down");

        private final String tagValue;

        HoldCause(String tagValue) {
            this.tagValue = tagValue;
        }

        /** The metric tag value (the {@code reason} tag of {@code jscontract.consumer.holds}). */
        public String tagValue() {
            return tagValue;
        }
    }

    /**
     * An attempt failed while the downstream is known to be failing, so the message is kept on its handler thread,
     * heartbeated, and retried in process once the gate lets it through (or after {@code retryIn}): no NAK, no
     * redelivery, no delivery spent, never a dead letter for it.
     *
     * @param localAttempt how many in-process attempts this delivery has had so far
     * @param retryIn the earliest time until the next in-process attempt
     */
    record MessageHeld(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            int localAttempt,
            HoldCause cause,
            Throwable failure,
            Duration retryIn)
            implements ConsumerEvent {}

    /**
     * The consumer's {@link ConsumerState} changed (see {@link ContractConsumer#getHealth()}).
     *
     * @param cause the pause cause or problem tag value of the new state, empty when it has none
     * @param detail the new state's detail sentence
     */
    record StateChanged(
            Instant at,
            String stream,
            String consumer,
            ConsumerState from,
            ConsumerState to,
            String cause,
            String detail)
            implements ConsumerEvent {}

    /**
     * An {@code inProgress()} heartbeat was sent for a running (or gate-held) delivery.
     *
     * @param elapsed time since the delivery reached a handler thread
     */
    record HeartbeatSent(
            Instant at, String stream, String consumer, long streamSequence, int deliveryCount, Duration elapsed)
            implements ConsumerEvent {}

    /** An attempt exceeded the contract's maximum processing time; it is failed and the handler interrupted. */
    record ProcessingTimedOut(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            Duration maxProcessingTime)
            implements ConsumerEvent {}

    /**
     * The sweeper handled a MAX_DELIVERIES advisory: the message's every delivery timed out (or the handler's own
     * dead-lettering failed on the last one), so it was dead-lettered with reason {@code max-deliveries}.
     *
     * @param originalFound whether the original was still in the stream (otherwise the dead letter has an empty body)
     * @param duplicate whether the dead-letter stream already held this message's envelope
     * @param originalDeleted whether the original was deleted from its WorkQueue/Interest stream
     */
    record MaxDeliveriesSwept(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            long deliveries,
            boolean originalFound,
            String deadLetterStream,
            long deadLetterSequence,
            boolean duplicate,
            boolean originalDeleted)
            implements ConsumerEvent {}

    /** The sweeper could not dead-letter an advisory's message; the advisory is kept and retried after the delay. */
    record SweepFailed(
            Instant at, String stream, String consumer, long streamSequence, Throwable error, Duration retryDelay)
            implements ConsumerEvent {}

    /** The consumer stopped pulling new messages. */
    record PullingPaused(Instant at, String stream, String consumer, PauseCause cause) implements ConsumerEvent {}

    /** The consumer resumed pulling after a pause of the given cause. */
    record PullingResumed(Instant at, String stream, String consumer, PauseCause cause) implements ConsumerEvent {}

    /**
     * More than the allowed share of recent deliveries were dead-lettered; pulling pauses until {@code pausedUntil}.
     *
     * @param deadLettered dead-lettered (or terminated) deliveries in the window
     * @param window deliveries in the window
     * @param share {@code deadLettered / window}
     */
    record DeadLetterRateExceeded(
            Instant at, String stream, String consumer, int deadLettered, int window, double share, Instant pausedUntil)
            implements ConsumerEvent {}

    /** What kind of pull problem a {@link PullError} reports. */
    enum PullErrorKind {
        /** 409 Consumer Deleted: the durable is gone; the consumer keeps retrying and does not recreate it. */
        CONSUMER_DELETED("consumer-deleted"),
        /** 503 No Responders: JetStream or the consumer is not available (deleted, or a server restarting). */
        NO_RESPONDERS("no-responders"),
        /** The server's idle heartbeats for outstanding pulls stopped; the pulls were presumed lost and re-issued. */
        HEARTBEAT_MISSED("heartbeat-missed"),
        /** 409 Exceeded MaxWaiting / MaxRequestBatch / MaxRequestExpires / MaxRequestMaxBytes. */
        LIMIT_EXCEEDED("limit-exceeded"),
        /** Any other status (400, unknown 409s). */
        OTHER("other");

        private final String tagValue;

        PullErrorKind(String tagValue) {
            this.tagValue = tagValue;
        }

        /** The metric tag value (the {@code reason} tag of {@code jscontract.consumer.pull.errors}). */
        public String tagValue() {
            return tagValue;
        }
    }

    /**
     * A pull request ended with an error status, or its idle heartbeats stopped (CON-001: these are never swallowed).
     *
     * @param code the status code (409, 503, ...; 0 for a missed heartbeat)
     * @param description the status text from the server
     */
    record PullError(Instant at, String stream, String consumer, PullErrorKind kind, int code, String description)
            implements ConsumerEvent {}

    /** Numbers read from the server's consumer info (polled periodically while someone listens). */
    record ConsumerInfoSampled(
            Instant at,
            String stream,
            String consumer,
            long numPending,
            long numAckPending,
            long numRedelivered,
            long numWaiting)
            implements ConsumerEvent {}

    /**
     * The client buffer, sampled with the consumer info: how many messages the runtime lets wait beyond the free
     * handler threads now (adaptive unless the contract declares a batch size or an expected p99), how many wait, and
     * at most how long the oldest of them has waited (an upper bound: the age of the pull it answered).
     *
     * @param prefetch messages that may be buffered beyond the free handler threads now
     * @param buffered messages received and waiting for a handler thread: in the client buffer, or parked (taken out
     *     of it and heartbeated while the handler threads hold their messages)
     * @param oldestBufferedAge at most how long the oldest buffered message has waited (for a parked one, at least
     *     the time since it was parked); zero when none waits
     */
    record BufferSampled(
            Instant at, String stream, String consumer, int prefetch, int buffered, Duration oldestBufferedAge)
            implements ConsumerEvent {}

    /**
     * An ack, NAK or term could not be sent (the connection is closed); the server redelivers the message after its
     * ack deadline.
     *
     * @param action {@code ack}, {@code nak}, {@code term} or {@code in-progress}
     */
    record SettleFailed(
            Instant at,
            String stream,
            String consumer,
            long streamSequence,
            int deliveryCount,
            String action,
            Throwable error)
            implements ConsumerEvent {}

    /** A listener threw while handling an event; it is reported to the other listeners and counted. */
    record ListenerFailed(Instant at, String stream, String consumer, String listener, Throwable error)
            implements ConsumerEvent {}
}
