package dev.jscontract.outbox;

import java.util.Locale;

/**
 * Why a publish failed, as the {@code reason} tag of {@code jscontract.outbox.failures} and in parked rows.
 *
 * <p>Only failures that say something about the row count as an attempt toward parking ({@link #isRowSpecific()});
 * failures of the connection, the server or the stream as a whole pause the relay instead (state {@link
 * RelayState#RECOVERING}), so an outage never parks good rows. Failures no retry can fix ({@link #isPermanent()}) park
 * the row at its first attempt.
 */
public enum PublishFailure {
    /**
     * No stream captures the subject: the publish got 503 No Responders, and the server, asked, names no stream for
     * the subject. Counts as an attempt (a stream may be created meanwhile).
     */
    NO_STREAM(true, false),
    /** The payload exceeds the server's {@code max_payload} or the stream's {@code max_msg_size}. Parks at once. */
    PAYLOAD_TOO_LARGE(true, true),
    /** The stream rejected the message with an API error (the error code and text are recorded). Counts. */
    REJECTED(true, false),
    /**
     * The row cannot become a NATS message: headers that are not a JSON object of strings or string arrays, or an
     * invalid header name or value. Parks at once.
     */
    INVALID(true, true),
    /** No PubAck within the publish timeout: the server or the path is the problem. Never counted; the relay pauses. */
    TIMEOUT(false, false),
    /**
     * A clustered stream still processes an earlier publish with the same message id (409, error 10158, PUB-006);
     * retried at once, never counted.
     */
    IN_PROCESS(false, false),
    /**
     * The stream cannot take messages right now: 503 No Responders for a subject a stream captures (no leader, no
     * quorum), a JetStream API error 503, or the server could not be asked whether a stream captures the subject.
     * Never counted; the relay pauses.
     */
    UNAVAILABLE(false, false),
    /** The NATS connection is closed, draining or reconnecting. Never counted; the relay pauses. */
    CONNECTION(false, false);

    private final boolean rowSpecific;
    private final boolean permanent;

    PublishFailure(boolean rowSpecific, boolean permanent) {
        this.rowSpecific = rowSpecific;
        this.permanent = permanent;
    }

    /** Whether this failure counts as an attempt of the row (see each constant). */
    public boolean isRowSpecific() {
        return rowSpecific;
    }

    /** Whether no retry can fix it, so the row is parked at its first attempt. */
    public boolean isPermanent() {
        return permanent;
    }

    /** The tag value: the constant's name in lowercase with dashes, e.g. {@code no-stream}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
