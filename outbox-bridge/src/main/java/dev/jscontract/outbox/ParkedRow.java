package dev.jscontract.outbox;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A row in the parked-rows table: it failed its last allowed attempt, or failed in a way no retry can fix. Read with
 * {@link OutboxAdmin#parked(int)}, brought back with {@link OutboxAdmin#requeue}. A row whose {@code headers} column is
 * not the documented format (a JSON object of string arrays) is listed too: {@link #hasValidHeaders()} is false,
 * {@link #getHeaders()} empty, and {@link #getHeadersJson()} shows the text as stored, so that it can be repaired.
 * Immutable; {@link #getPayload()} returns a copy.
 */
public final class ParkedRow {
    private final long id;
    private final String subject;
    private final String messageId;
    private final Map<String, List<String>> headers;
    private final @Nullable String headersJson;
    private final boolean validHeaders;
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
     * @param headers the parsed headers (empty when {@code validHeaders} is false)
     * @param headersJson the {@code headers} column as text, or null when it is SQL NULL
     * @param validHeaders whether {@code headersJson} is in the documented format
     * @param reason the {@link PublishFailure#tag()} of the last failure
     */
    public ParkedRow(
            long id,
            String subject,
            String messageId,
            Map<String, List<String>> headers,
            @Nullable String headersJson,
            boolean validHeaders,
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
        this.headersJson = headersJson;
        this.validHeaders = validHeaders;
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

    /** The headers (empty when they are not in the documented format, see {@link #hasValidHeaders()}). */
    public Map<String, List<String>> getHeaders() {
        return headers;
    }

    /** The {@code headers} column as stored (JSON text), or null when it is SQL NULL. */
    public @Nullable String getHeadersJson() {
        return headersJson;
    }

    /**
     * Whether the headers are in the documented format, a JSON object of string arrays ({@code {"Name": ["value"]}});
     * when not, the row cannot be published until its {@code headers} column is repaired.
     */
    public boolean hasValidHeaders() {
        return validHeaders;
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
                && validHeaders == that.validHeaders
                && Objects.equals(headersJson, that.headersJson)
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
                headersJson,
                validHeaders,
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
