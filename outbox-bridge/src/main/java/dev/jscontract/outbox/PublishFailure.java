package dev.jscontract.outbox;

import java.util.Locale;

/**
 * Why a publish failed, as the {@code reason} tag of {@code jscontract.outbox.failures} and in parked rows. Only
 * failures that say something about the row count as an attempt toward parking; failures of the connection or the
 * server as a whole pause the relay instead, so an outage never parks good rows.
 */
public enum PublishFailure {
    /** No stream listens on the subject: the server answered 503 "no responders". Counts as an attempt. */
    NO_STREAM(true),
    /** The payload exceeds the server's {@code max_payload} or the stream's {@code max_msg_size}. Counts. */
    PAYLOAD_TOO_LARGE(true),
    /** The stream rejected the message with an API error (the error code and text are recorded). Counts. */
    REJECTED(true),
    /** The client refused the message (for example an invalid header in the row). Counts. */
    INVALID(true),
    /**
     * No PubAck within the publish timeout. Counts as an attempt only when other rows of the same batch were
     * acknowledged (the row, not the server, is the likely problem); otherwise the relay pauses.
     */
    TIMEOUT(true),
    /**
     * A clustered stream still processes an earlier publish with the same message id (409, error 10158, PUB-006);
     * retried at once, never counted.
     */
    IN_PROCESS(false),
    /**
     * JetStream answered with a 503 API error (not enabled, storage failed, a full stream with discard-new): a
     * problem of the server or stream, not of the row. Never counted; the relay pauses.
     */
    UNAVAILABLE(false),
    /** The NATS connection is closed, draining or reconnecting. Never counted; the relay pauses. */
    CONNECTION(false);

    private final boolean rowSpecific;

    PublishFailure(boolean rowSpecific) {
        this.rowSpecific = rowSpecific;
    }

    /** Whether this failure can count as an attempt of the row (see each constant). */
    public boolean isRowSpecific() {
        return rowSpecific;
    }

    /** The tag value: the constant's name in lowercase with dashes, e.g. {@code no-stream}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
