package dev.jscontract.outbox;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A row in the parked-rows table: it failed its last allowed attempt. Read with {@link OutboxAdmin#parked(int)},
 * brought back with {@link OutboxAdmin#requeue}. Immutable; {@link #getPayload()} returns a copy.
 */
public final class ParkedRow {
    private final long id;
    private final String subject;
    private final String messageId;
    private final Map<String, List<String>> headers;
    private final byte[] payload;
    private final @Nullable String orderingKey;
    private final Instant createdAt;
    private final int attempts;
    private final String reason;
    private final @Nullable String error;
    private final Instant parkedAt;

    /**
     * A parked row as stored.
     *
     * @param reason the {@link PublishFailure#tag()} of the last failure
     */
    public ParkedRow(
            long id,
            String subject,
            String messageId,
            Map<String, List<String>> headers,
            byte[] payload,
            @Nullable String orderingKey,
            Instant createdAt,
            int attempts,
            String reason,
            @Nullable String error,
            Instant parkedAt) {
        this.id = id;
        this.subject = Objects.requireNonNull(subject, "subject");
        this.messageId = Objects.requireNonNull(messageId, "messageId");
        this.headers = Map.copyOf(headers);
        this.payload = payload.clone();
        this.orderingKey = orderingKey;
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.attempts = attempts;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.error = error;
        this.parkedAt = Objects.requireNonNull(parkedAt, "parkedAt");
    }

    /** The outbox row id (kept when re-queued). */
    public long getId() {
        return id;
    }

    /** The subject. */
    public String getSubject() {
        return subject;
    }

    /** The message id it was published with and will be published with again. */
    public String getMessageId() {
        return messageId;
    }

    /** The headers. */
    public Map<String, List<String>> getHeaders() {
        return headers;
    }

    /** A copy of the payload. */
    public byte[] getPayload() {
        return payload.clone();
    }

    /** The ordering key, or {@code null}. */
    public @Nullable String getOrderingKey() {
        return orderingKey;
    }

    /** When the row was written. */
    public Instant getCreatedAt() {
        return createdAt;
    }

    /** Failed attempts. */
    public int getAttempts() {
        return attempts;
    }

    /** The reason tag of the last failure, e.g. {@code no-stream} (see {@link PublishFailure#tag()}). */
    public String getReason() {
        return reason;
    }

    /** The last error text, or {@code null}. */
    public @Nullable String getError() {
        return error;
    }

    /** When it was parked. */
    public Instant getParkedAt() {
        return parkedAt;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ParkedRow)) {
            return false;
        }
        ParkedRow that = (ParkedRow) o;
        return id == that.id
                && attempts == that.attempts
                && subject.equals(that.subject)
                && messageId.equals(that.messageId)
                && headers.equals(that.headers)
                && Arrays.equals(payload, that.payload)
                && Objects.equals(orderingKey, that.orderingKey)
                && createdAt.equals(that.createdAt)
                && reason.equals(that.reason)
                && Objects.equals(error, that.error)
                && parkedAt.equals(that.parkedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                id,
                subject,
                messageId,
                headers,
                Arrays.hashCode(payload),
                orderingKey,
                createdAt,
                attempts,
                reason,
                error,
                parkedAt);
    }

    @Override
    public String toString() {
        return "ParkedRow{id " + id + ", " + subject + ", " + messageId + ", " + reason + " after " + attempts
                + " attempts: " + error + "}";
    }
}
