package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message to publish through the outbox: the subject, the payload bytes, headers, and optionally a message id
 * and an ordering key. Written by {@link OutboxWriter} inside the application's transaction and published by {@link
 * OutboxRelay} after the transaction commits.
 *
 * <ul>
 *   <li><b>Message id</b> becomes the {@code Nats-Msg-Id} header, the key of the stream's duplicate detection. Give
 *       one when the event has a natural identity (an order id plus event type); otherwise the relay derives a stable
 *       id from the outbox table and the row id. Either way every re-publish of the row carries the same id (PUB-001).
 *   <li><b>Ordering key</b>: rows with the same key reach the stream in the order their transactions committed
 *       (see {@link OutboxWriter}); rows without a key have no order among each other.
 * </ul>
 *
 * <pre>{@code
 * OutboxMessage m = OutboxMessage.builder()
 *     .subject("orders.created")
 *     .payload(order, JacksonPayloadCodec.of(mapper))       // or .payload(bytes)
 *     .messageId("order-" + order.id() + "-created")
 *     .orderingKey("order-" + order.id())
 *     .header("Trace-Id", traceId)
 *     .build();
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; {@link #getPayload()} returns a copy.
 */
public final class OutboxMessage {
    /** The longest message id and ordering key accepted. */
    public static final int MAX_ID_LENGTH = 512;

    private final String subject;
    private final byte[] payload;
    private final Map<String, List<String>> headers;
    private final @Nullable String messageId;
    private final @Nullable String orderingKey;

    private OutboxMessage(
            String subject,
            byte[] payload,
            Map<String, List<String>> headers,
            @Nullable String messageId,
            @Nullable String orderingKey) {
        this.subject = subject;
        this.payload = payload;
        this.headers = headers;
        this.messageId = messageId;
        this.orderingKey = orderingKey;
    }

    /** Starts a message: subject, then payload, then the optional parts. */
    public static SubjectStage builder() {
        return new Builder();
    }

    /** A builder holding this message's values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.subject = subject;
        b.payload = payload;
        headers.forEach((k, v) -> b.headers.put(k, new ArrayList<>(v)));
        b.messageId = messageId;
        b.orderingKey = orderingKey;
        return b;
    }

    /** The subject to publish to. */
    public String getSubject() {
        return subject;
    }

    /** A copy of the payload bytes. */
    public byte[] getPayload() {
        return payload.clone();
    }

    /** The payload length in bytes. */
    public int getPayloadSize() {
        return payload.length;
    }

    /** The headers in insertion order; each name maps to one or more values. Unmodifiable. */
    public Map<String, List<String>> getHeaders() {
        return headers;
    }

    /** The message id, or {@code null} to let the relay derive one from the row. */
    public @Nullable String getMessageId() {
        return messageId;
    }

    /** The ordering key, or {@code null} for none. */
    public @Nullable String getOrderingKey() {
        return orderingKey;
    }

    /** The payload without copying, for the writer. */
    byte[] payloadUnsafe() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OutboxMessage)) {
            return false;
        }
        OutboxMessage that = (OutboxMessage) o;
        return subject.equals(that.subject)
                && Arrays.equals(payload, that.payload)
                && headers.equals(that.headers)
                && Objects.equals(messageId, that.messageId)
                && Objects.equals(orderingKey, that.orderingKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(subject, Arrays.hashCode(payload), headers, messageId, orderingKey);
    }

    @Override
    public String toString() {
        return "OutboxMessage{subject=" + subject + ", payload=" + payload.length + " bytes"
                + (headers.isEmpty() ? "" : ", headers=" + headers.keySet())
                + (messageId == null ? "" : ", messageId=" + messageId)
                + (orderingKey == null ? "" : ", orderingKey=" + orderingKey) + "}";
    }

    /** First stage: the subject. */
    public interface SubjectStage {
        /**
         * The subject to publish to, e.g. {@code orders.created}.
         *
         * @throws IllegalArgumentException when empty, when it contains whitespace or an empty token, or when it has a
         *     wildcard token ({@code *}, {@code >}); a publish subject must be literal
         */
        PayloadStage subject(String subject);
    }

    /** Second stage: the payload. */
    public interface PayloadStage {
        /**
         * The payload bytes (copied).
         *
         * @param payload the bytes; may be empty
         */
        Builder payload(byte[] payload);

        /**
         * The payload as encoded by a codec; adds the codec's {@code Content-Type} header, if it declares one.
         *
         * @throws IllegalArgumentException when the codec cannot encode the value
         */
        Builder payload(Object value, PayloadCodec codec);
    }

    /** The last stage: optional parts and {@link #build()}. Each single-valued option may be set once. */
    public static final class Builder implements SubjectStage, PayloadStage {
        private @Nullable String subject;
        private byte @Nullable [] payload;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private @Nullable String messageId;
        private boolean messageIdSet;
        private @Nullable String orderingKey;
        private boolean orderingKeySet;

        private Builder() {}

        @Override
        public PayloadStage subject(String subject) {
            this.subject = validateSubject(subject);
            return this;
        }

        @Override
        public Builder payload(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload").clone();
            return this;
        }

        @Override
        public Builder payload(Object value, PayloadCodec codec) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(codec, "codec");
            byte[] bytes = codec.encode(value);
            if (bytes == null) {
                throw new IllegalArgumentException(codec + " returned null for a "
                        + value.getClass().getName() + "; a PayloadCodec must return bytes (possibly empty)");
            }
            this.payload = bytes;
            String contentType = codec.contentType();
            if (contentType != null && !headers.containsKey("Content-Type")) {
                header("Content-Type", contentType);
            }
            return this;
        }

        /**
         * Adds a header value; calling it again with the same name adds another value.
         *
         * @throws IllegalArgumentException when the name is not a valid header name (printable ASCII without
         *     {@code :} or spaces), when the value contains CR or LF, when the name is {@code Nats-Msg-Id} (use
         *     {@link #messageId(String)}), or when it is a {@code Nats-Expected-*} header: combined with message ids
         *     those turn a retry into error 10071 on nats-server 2.12+ instead of a duplicate ack (PUB-005)
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            validateHeaderName(name);
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException(
                        "header " + name + " value must not contain CR or LF but was '" + value + "'");
            }
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * Adds every value of every header in the map, in its iteration order.
         *
         * @throws IllegalArgumentException as {@link #header(String, String)}
         */
        public Builder headers(Map<String, ? extends List<String>> headers) {
            Objects.requireNonNull(headers, "headers");
            headers.forEach((name, values) -> values.forEach(v -> header(name, v)));
            return this;
        }

        /**
         * The message id sent as {@code Nats-Msg-Id}. Without it the relay derives {@code
         * <table>:<install id>:<row id>}.
         *
         * @throws IllegalArgumentException when blank, longer than {@value OutboxMessage#MAX_ID_LENGTH} characters,
         *     or when it contains whitespace
         * @throws IllegalStateException when set twice
         */
        public Builder messageId(String messageId) {
            Checks.once(messageIdSet, "messageId", this.messageId);
            this.messageId = validateId(messageId, "messageId");
            messageIdSet = true;
            return this;
        }

        /**
         * The ordering key: rows with the same key are published in commit order.
         *
         * @throws IllegalArgumentException when empty or longer than {@value OutboxMessage#MAX_ID_LENGTH} characters
         * @throws IllegalStateException when set twice
         */
        public Builder orderingKey(String orderingKey) {
            Checks.once(orderingKeySet, "orderingKey", this.orderingKey);
            Objects.requireNonNull(orderingKey, "orderingKey");
            if (orderingKey.isEmpty() || orderingKey.length() > MAX_ID_LENGTH) {
                throw new IllegalArgumentException(
                        "orderingKey must be 1 to " + MAX_ID_LENGTH + " characters but had " + orderingKey.length());
            }
            this.orderingKey = orderingKey;
            orderingKeySet = true;
            return this;
        }

        /** The message. */
        public OutboxMessage build() {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return new OutboxMessage(
                    Objects.requireNonNull(subject, "subject"),
                    Objects.requireNonNull(payload, "payload"),
                    Collections.unmodifiableMap(copy),
                    messageId,
                    orderingKey);
        }

        private static String validateSubject(String subject) {
            Objects.requireNonNull(subject, "subject");
            if (subject.isEmpty()) {
                throw new IllegalArgumentException("subject must not be empty");
            }
            for (int i = 0; i < subject.length(); i++) {
                char c = subject.charAt(i);
                if (Character.isWhitespace(c) || c < 32 || c == 127) {
                    throw new IllegalArgumentException(
                            "subject must not contain whitespace or control characters" + " but was '" + subject + "'");
                }
            }
            for (String token : subject.split("\\.", -1)) {
                if (token.isEmpty()) {
                    throw new IllegalArgumentException("subject must not have empty tokens (leading, trailing or"
                            + " double dots) but was '" + subject + "'");
                }
                if (token.equals("*") || token.equals(">")) {
                    throw new IllegalArgumentException(
                            "subject must be literal, without wildcard tokens, but was '" + subject + "'");
                }
            }
            return subject;
        }

        private static void validateHeaderName(String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("header name must not be empty");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= 32 || c >= 127 || c == ':') {
                    throw new IllegalArgumentException(
                            "header name must be printable ASCII without ':' or spaces" + " but was '" + name + "'");
                }
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("nats-msg-id")) {
                throw new IllegalArgumentException(
                        "header Nats-Msg-Id is set by the relay; use messageId(...) to choose the id");
            }
            if (lower.startsWith("nats-expected-")) {
                throw new IllegalArgumentException("header " + name + " is not allowed on outbox messages: with a"
                        + " message id, a retried publish fails with 10071 on nats-server 2.12+ instead of being"
                        + " reported as a duplicate (PUB-005); drop the expectation header");
            }
        }

        private static String validateId(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank() || value.length() > MAX_ID_LENGTH) {
                throw new IllegalArgumentException(
                        name + " must be 1 to " + MAX_ID_LENGTH + " non-blank characters but was '" + value + "'");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isWhitespace(c) || c < 32 || c == 127) {
                    throw new IllegalArgumentException(
                            name + " must not contain whitespace or control characters but was '" + value + "'");
                }
            }
            return value;
        }
    }
}
