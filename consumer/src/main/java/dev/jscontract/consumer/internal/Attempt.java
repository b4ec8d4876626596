package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One delivery on its way through a handler thread: the state machine that heartbeats, the processing-time cap and
 * the settle path share. All decisions take {@code now} as a parameter; the only side effects are the {@link
 * AckTarget} heartbeat and the interrupt of the handler thread.
 *
 * <p>States: {@code HELD} (waiting for the gate, or for an in-process retry after a failure while the downstream is
 * down) → {@code RUNNING} (handler running) → {@code SETTLING} (the handler thread settles, or holds it again: back
 * to {@code HELD}) or {@code TIMED_OUT} (the cap fired first and the timeout path settles) → {@code DONE}. Heartbeats
 * are sent in every state until {@link #stopHeartbeats()}, which the settle path calls right before the final ack,
 * NAK or term, so no heartbeat follows a settle, and none stops before it.
 */
public final class Attempt {
    /** Where an attempt is. */
    public enum State {
        /** Received, waiting for gate permission. */
        HELD,
        /** The handler runs. */
        RUNNING,
        /** The handler returned; its thread settles. */
        SETTLING,
        /** The cap fired while the handler ran; the timeout path settles. */
        TIMED_OUT,
        /** Settled. */
        DONE
    }

    private final AckTarget target;
    private final @Nullable Message message;
    private final long streamSequence;
    private final int deliveryCount;
    private final Duration ackDeadline;
    private final Instant receivedAt;
    private final @Nullable Thread thread;

    private State state = State.HELD;
    private @Nullable Instant handlerStartedAt;
    private Instant retryAt;
    private int localAttempts;
    private @Nullable Instant nextHeartbeatAt;
    private boolean heartbeating;
    private int heartbeats;

    /**
     * @param target where heartbeats go
     * @param message the delivered message (null in tests that only exercise heartbeats and the cap)
     * @param streamSequence the message's stream sequence
     * @param deliveryCount which delivery
     * @param ackDeadline this delivery's ack deadline (read back from the server)
     * @param receivedAt when the handler thread took it (or, for a parked message, when it was parked)
     * @param heartbeatInterval the heartbeat interval, or null when heartbeats are off
     * @param thread the handler thread to interrupt at the cap (null in tests that do not check interrupts)
     */
    public Attempt(
            AckTarget target,
            @Nullable Message message,
            long streamSequence,
            int deliveryCount,
            Duration ackDeadline,
            Instant receivedAt,
            @Nullable Duration heartbeatInterval,
            @Nullable Thread thread) {
        this.target = target;
        this.message = message;
        this.streamSequence = streamSequence;
        this.deliveryCount = deliveryCount;
        this.ackDeadline = ackDeadline;
        this.receivedAt = receivedAt;
        this.thread = thread;
        this.retryAt = receivedAt;
        if (heartbeatInterval != null) {
            this.heartbeating = true;
            this.nextHeartbeatAt = receivedAt.plus(heartbeatInterval);
        }
    }

    /**
     * Makes the first heartbeat due at once (at the next tick) instead of one interval after the message was taken:
     * for a message that may have waited in the client buffer while its ack deadline ran.
     */
    public synchronized void heartbeatAtOnce() {
        if (heartbeating) {
            nextHeartbeatAt = receivedAt;
        }
    }

    /** How long the handler has been running, or null when it is not running. */
    public synchronized @Nullable Duration runningFor(Instant now) {
        return state == State.RUNNING && handlerStartedAt != null ? Duration.between(handlerStartedAt, now) : null;
    }

    /** The delivery's ack target. */
    public AckTarget target() {
        return target;
    }

    /** The delivered message. */
    public @Nullable Message message() {
        return message;
    }

    /** The stream sequence. */
    public long streamSequence() {
        return streamSequence;
    }

    /** Which delivery. */
    public int deliveryCount() {
        return deliveryCount;
    }

    /** This delivery's ack deadline. */
    public Duration ackDeadline() {
        return ackDeadline;
    }

    /** When the handler thread took the message. */
    public Instant receivedAt() {
        return receivedAt;
    }

    /** The current state. */
    public synchronized State state() {
        return state;
    }

    /** How many heartbeats were sent. */
    public synchronized int heartbeats() {
        return heartbeats;
    }

    /** When the handler started, or null while held. */
    public synchronized @Nullable Instant handlerStartedAt() {
        return handlerStartedAt;
    }

    /**
     * HELD → RUNNING: the handler is about to run.
     *
     * @return false when the attempt is no longer held (it was settled meanwhile)
     */
    public synchronized boolean startHandler(Instant now) {
        if (state != State.HELD) {
            return false;
        }
        state = State.RUNNING;
        handlerStartedAt = now;
        return true;
    }

    /**
     * Called by the handler thread when the handler returned or threw: RUNNING → SETTLING. When the cap fired first
     * (TIMED_OUT), clears the interrupt it caused on this thread and returns false: the timeout path settles.
     */
    public synchronized boolean finishHandler() {
        if (state == State.RUNNING) {
            state = State.SETTLING;
            return true;
        }
        if (state == State.TIMED_OUT && Thread.currentThread() == thread) {
            // the interrupt was sent under this lock, so it has arrived: clear it before the thread moves on
            Thread.interrupted();
        }
        return false;
    }

    /**
     * SETTLING → HELD: the attempt failed while the downstream is down; the handler thread keeps the message and runs
     * the handler again, in process, no earlier than {@code retryAt}.
     *
     * @return how many in-process attempts have failed so far (1 after the first hold)
     * @throws IllegalStateException when the attempt is not SETTLING (only its handler thread may hold it)
     */
    public synchronized int hold(Instant retryAt) {
        if (state != State.SETTLING) {
            throw new IllegalStateException("only a settling attempt can be held, but " + this + " is " + state);
        }
        state = State.HELD;
        this.retryAt = retryAt;
        return ++localAttempts;
    }

    /** The earliest time a held attempt may run again (its receive time until it was held). */
    public synchronized Instant retryAt() {
        return retryAt;
    }

    /**
     * Whether the attempt waits for its turn instead of running: it was held after a failure while the downstream is
     * down, or has waited for the gate's permission for {@code minWait} or longer since it was received.
     */
    public synchronized boolean isWaiting(Instant now, Duration minWait) {
        return state == State.HELD && (localAttempts > 0 || !now.isBefore(receivedAt.plus(minWait)));
    }

    /** How many in-process attempts of this delivery failed and were held. */
    public synchronized int localAttempts() {
        return localAttempts;
    }

    /**
     * Waits until the attempt is DONE (the timeout path settles it on another thread), so the handler thread keeps its
     * slot, and the attempt its heartbeats, until the settle has happened.
     *
     * @throws InterruptedException when the thread is interrupted while waiting (the consumer stops)
     */
    public synchronized void awaitDone() throws InterruptedException {
        while (state != State.DONE) {
            wait();
        }
    }

    /**
     * Sends a heartbeat when one is due.
     *
     * @param interval the heartbeat interval (the next one is due {@code interval} after this one)
     * @return true when a heartbeat was sent
     */
    public synchronized boolean heartbeatIfDue(Instant now, Duration interval) {
        if (!heartbeating || nextHeartbeatAt == null || now.isBefore(nextHeartbeatAt)) {
            return false;
        }
        target.inProgress();
        heartbeats++;
        nextHeartbeatAt = now.plus(interval);
        return true;
    }

    /**
     * Fails a running attempt whose handler has run for {@code cap} or longer: RUNNING → TIMED_OUT, heartbeats
     * continue (the timeout path stops them when it settles), and the handler thread is interrupted.
     *
     * @return true when this call timed the attempt out
     */
    public synchronized boolean timeOutIfOverCap(Instant now, Duration cap) {
        if (state != State.RUNNING || handlerStartedAt == null || now.isBefore(handlerStartedAt.plus(cap))) {
            return false;
        }
        state = State.TIMED_OUT;
        if (thread != null) {
            thread.interrupt();
        }
        return true;
    }

    /** Stops heartbeats for good and marks the attempt DONE; call right before the final ack, NAK or term. */
    public synchronized void stopHeartbeats() {
        heartbeating = false;
        state = State.DONE;
        notifyAll();
    }

    @Override
    public synchronized String toString() {
        return "Attempt{seq=" + streamSequence + ", delivery=" + deliveryCount + ", state=" + state + ", heartbeats="
                + heartbeats + "}";
    }
}
