package dev.jscontract.consumer;

import java.time.Duration;

/**
 * The failure recorded when an attempt ran longer than the contract's maximum processing time: heartbeats stopped,
 * the handler thread was interrupted, and the attempt was retried (or, on the last allowed delivery, dead-lettered
 * with reason {@code processing-timeout}). Always retryable; the {@link FailureClassifier} is not asked.
 */
public final class ProcessingTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Duration maxProcessingTime;

    /** @param maxProcessingTime the contract's cap that was exceeded */
    public ProcessingTimeoutException(Duration maxProcessingTime) {
        super("the handler ran longer than the contract's maxProcessingTime " + maxProcessingTime
                + "; the attempt was failed and the handler thread interrupted (raise maxProcessingTime if such"
                + " durations are legitimate)");
        this.maxProcessingTime = maxProcessingTime;
    }

    /** The cap that was exceeded. */
    public Duration getMaxProcessingTime() {
        return maxProcessingTime;
    }
}
