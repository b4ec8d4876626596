package dev.jscontract.consumer;

/**
 * Where a {@link ContractConsumer} is: its lifecycle and, while it runs, its health. Alert on {@link #HALTED}; watch
 * {@link #PAUSED} and {@link #RECOVERING}. {@link ContractConsumer#getHealth()} says why and since when.
 *
 * <pre>
 * NEW → RUNNING ⇄ PAUSED / RECOVERING / HALTED → DRAINING → CLOSED
 *   └→ FAILED (start refused: lint errors, drift, provisioning)
 * </pre>
 */
public enum ConsumerState {
    /** Built, not started. */
    NEW("new"),
    /** Started: provisioned, pulling and processing. */
    RUNNING("running"),
    /**
     * Pulling is stopped on purpose, and resumes on its own: the {@link ConsumerGate} (an open circuit breaker) or the
     * {@link DeadLetterRateGuard}. Messages already received are held and heartbeated, not redelivered.
     */
    PAUSED("paused"),
    /**
     * A problem the consumer recovers from on its own once the cause goes away: the connection is reconnecting or
     * stalled, pulls fail (JetStream unavailable, a server restarting), and they are retried with backoff.
     */
    RECOVERING("recovering"),
    /**
     * The consumer cannot work without help: the connection was closed (by the application, or jnats gave up
     * reconnecting), the durable consumer was deleted on the server, JetStream stayed unavailable beyond the pull error
     * budget, or a handler thread died of an {@link Error}. Its threads idle; it keeps probing where a fix outside the
     * process (recreating the consumer, JetStream coming back) can bring it back to {@link #RUNNING}.
     */
    HALTED("halted"),
    /** {@code drain} was called: no new pulls, in-flight work is being settled. */
    DRAINING("draining"),
    /** Closed; cannot be started again. */
    CLOSED("closed"),
    /** {@code start} failed (lint errors, drift, refused provisioning); cannot be started again. */
    FAILED("failed");

    private final String tagValue;

    ConsumerState(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The metric tag value (the {@code state} tag of {@code jscontract.consumer.state}). */
    public String tagValue() {
        return tagValue;
    }

    /** Whether the consumer was started and not yet drained, closed or failed. */
    public boolean isActive() {
        return this == RUNNING || this == PAUSED || this == RECOVERING || this == HALTED;
    }
}
