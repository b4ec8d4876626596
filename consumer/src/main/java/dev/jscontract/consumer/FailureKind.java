package dev.jscontract.consumer;

/** What a {@link FailureClassifier} decides about a failed attempt. */
public enum FailureKind {
    /** Retry with the contract's backoff ({@code nakWithDelay}); dead-letter on the last allowed delivery. */
    RETRYABLE,
    /** Dead-letter at once with reason {@code permanent-error}; retrying cannot help. */
    PERMANENT
}
