package dev.jscontract.consumer;

/**
 * How one delivery was settled; the value of the {@code outcome} tag of {@code jscontract.consumer.messages}.
 */
public enum Outcome {
    /** The handler succeeded and the message was acknowledged. */
    ACKED("acked"),
    /** The attempt failed with a retryable error and the message was NAKed with the backoff delay. */
    RETRIED("retried"),
    /** The dead-letter envelope was stored and the original terminated. */
    DEAD_LETTERED("dead_lettered"),
    /** The message was terminated without a dead letter (the contract's policy is {@code DeadLetterPolicy.none()}). */
    TERMINATED("terminated"),
    /**
     * The message should have been dead-lettered but the dead-letter publish failed; it was NAKed with delay and is
     * kept for another attempt (nothing is lost).
     */
    FAILED("failed"),
    /**
     * The message was handed back for redelivery without counting as a failed attempt: the consumer stopped while it
     * ran, or it was held for a failing downstream past its hold limit.
     */
    RELEASED("released");

    private final String tagValue;

    Outcome(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The metric tag value, e.g. {@code dead_lettered}. */
    public String tagValue() {
        return tagValue;
    }
}
