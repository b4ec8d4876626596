package dev.jscontract.contract;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/** Why a message was dead-lettered: the value of header {@link DeadLetterHeaders#REASON} (envelope format v1). */
public enum DeadLetterReason {
    /** A retryable handler error on the last allowed delivery. */
    HANDLER_ERROR("handler-error"),
    /** The handler (or the failure classifier) declared the error permanent: no retry. */
    PERMANENT_ERROR("permanent-error"),
    /** The payload could not be decoded: retrying cannot help. */
    POISON("poison"),
    /** The handler ran longer than the contract's maximum processing time on the last allowed delivery. */
    PROCESSING_TIMEOUT("processing-timeout"),
    /**
     * Every delivery timed out without a settle (a crashed or hung consumer); found through the MAX_DELIVERIES
     * advisory (B-12).
     */
    MAX_DELIVERIES("max-deliveries");

    private final String wireValue;

    DeadLetterReason(String wireValue) {
        this.wireValue = wireValue;
    }

    /** The header value, e.g. {@code max-deliveries}. */
    public String wireValue() {
        return wireValue;
    }

    /**
     * The reason for a header value.
     *
     * @throws IllegalArgumentException for an unknown value (the message lists the known ones)
     */
    public static DeadLetterReason fromWire(String value) {
        Objects.requireNonNull(value, "value");
        for (DeadLetterReason r : values()) {
            if (r.wireValue.equals(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown dead-letter reason '" + value + "'; known reasons: "
                + Arrays.stream(values()).map(DeadLetterReason::wireValue).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return wireValue;
    }
}
