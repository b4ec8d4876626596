package dev.jscontract.consumer;

/** Why a consumer stopped pulling new messages (in-flight work continues and is heartbeated). */
public enum PauseCause {
    /** The {@link ConsumerGate} (for example an open circuit breaker) does not allow new work. */
    GATE("gate"),
    /** The {@link DeadLetterRateGuard} saw too many dead letters among recent messages. */
    DEAD_LETTER_RATE("dead-letter-rate"),
    /** {@link ContractConsumer#drain(java.time.Duration)} was called. */
    DRAIN("drain");

    private final String tagValue;

    PauseCause(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The metric tag value (the {@code reason} tag of {@code jscontract.consumer.pauses}). */
    public String tagValue() {
        return tagValue;
    }
}
