package dev.jscontract.consumer;

import java.time.Duration;

/**
 * Protects a downstream that is failing: while the gate is closed to new work the consumer stops pulling and holds
 * (heartbeats) what it already received instead of running handlers that would fail and burn deliveries. The
 * Resilience4j adapter is {@code dev.jscontract.consumer.resilience4j.CircuitBreakerGate}; {@link
 * ContractConsumer.Builder#gate(ConsumerGate)} installs a gate.
 *
 * <p>Protocol, per delivery: {@link #tryAcquire()} before the handler runs (false: the runtime waits, heartbeating,
 * and asks again); then exactly one of {@link #onSuccess(Duration)}, {@link #onFailure(Duration, Throwable)} (a
 * retryable failure, which counts against the downstream) or {@link #release()} (the attempt ended without telling
 * anything about the downstream: a permanent failure or a poison payload). {@link #allowsPulling()} is asked before
 * every pull. After a failure, {@link #isDownstreamFailing()} decides whether the message is held and retried in
 * process (true) instead of NAKed. Implementations must be thread-safe and fast.
 */
public interface ConsumerGate {
    /** Whether the consumer may pull new messages now. */
    boolean allowsPulling();

    /** Asks permission to run a handler now; {@code false} holds the message (it is heartbeated meanwhile). */
    boolean tryAcquire();

    /**
     * The handler succeeded.
     *
     * @param duration how long it ran
     */
    void onSuccess(Duration duration);

    /**
     * The handler failed with a retryable error (or timed out).
     *
     * @param duration how long it ran
     * @param failure what it threw
     */
    void onFailure(Duration duration, Throwable failure);

    /** The permission from {@link #tryAcquire()} was not used for a call that says anything about the downstream. */
    void release();

    /**
     * Whether the downstream is known to be failing right now (asked right after {@link #onFailure}): a message whose
     * attempt failed then is held and retried in process, without spending a delivery, instead of being NAKed. The
     * default says no, so a gate that does not know keeps the plain retry path.
     */
    default boolean isDownstreamFailing() {
        return false;
    }
}
