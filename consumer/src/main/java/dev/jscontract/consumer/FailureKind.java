package dev.jscontract.consumer;

/** What a {@link FailureClassifier} decides about a failed attempt. */
public enum FailureKind {
    /** Retry with the contract's backoff ({@code nakWithDelay}); dead-letter on the last allowed delivery. */
    RETRYABLE,
    /** Dead-letter at once with reason {@code permanent-error}; retrying cannot help. */
    PERMANENT,
    /**
     * A dependency the handler needs is down (connection refused, a service unavailable): the message is fine and
     * must not pay for the outage. It is held on its handler thread, heartbeated, and retried in process after the
     * contract's backoff: no NAK, no delivery spent, never a dead letter because of it. A held delivery is released
     * to the server after {@code maxProcessingTime} (except on its last allowed delivery, which is held until the
     * dependency is back or the consumer stops).
     */
    DEPENDENCY_DOWN
}
