package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.HeaderText;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A dead letter, format version {@value DeadLetterHeaders#FORMAT_VERSION}: the original payload and headers plus
 * what an operator needs to understand and replay it (see {@link DeadLetterHeaders} for the header names).
 *
 * <p>Writing (the consumer runtime):
 *
 * <pre>{@code
 * DeadLetterEnvelope env = DeadLetterEnvelope.builder()
 *     .originalStream("ORDERS").originalSubject("orders.created").originalSequence(42)
 *     .originalTimestamp(meta.timestamp().toInstant()).consumer("billing").deliveries(4)
 *     .reason(DeadLetterReason.HANDLER_ERROR).error(exception)
 *     .deadLetteredAt(clock.instant()).instance("host-1/1234")
 *     .originalHeaders(msg.getHeaders()).body(msg.getData())
 *     .build();
 * js.publish(subject, env.toHeaders(), env.getBody(),
 *     PublishOptions.builder().messageId(env.messageId()).build());
 * }</pre>
 *
 * <p>Reading (the CLI, or any consumer of the dead-letter stream): {@link #read(Message)}.
 *
 * <p>Immutable; the body array is copied in and out.
 */
public final class DeadLetterEnvelope {
    private final String originalStream;
    private final String originalSubject;
    private final long originalSequence;
    private final Instant originalTimestamp;
    private final @Nullable String originalMsgId;
    private final String consumer;
    private final long deliveries;
    private final DeadLetterReason reason;
    private final @Nullable String errorClass;
    private final @Nullable String errorMessage;
    private final @Nullable String errorStack;
    private final Instant deadLetteredAt;
    private final String instance;
    private final Map<String, List<String>> originalHeaders;
    private final byte[] body;

    private DeadLetterEnvelope(Builder b) {
        this.originalStream = Checks.notNull(b.originalStream, "originalStream");
        this.originalSubject = Checks.notNull(b.originalSubject, "originalSubject");
        if (b.originalSequence <= 0) {
            throw new IllegalStateException(
                    "originalSequence must be set to a positive stream sequence but was " + b.originalSequence);
        }
        this.originalSequence = b.originalSequence;
        this.originalTimestamp = Checks.notNull(b.originalTimestamp, "originalTimestamp");
        this.originalMsgId = b.originalMsgId;
        this.consumer = Checks.notNull(b.consumer, "consumer");
        if (b.deliveries < 0) {
            throw new IllegalStateException("deliveries must not be negative but was " + b.deliveries);
        }
        this.deliveries = b.deliveries;
        this.reason = Checks.notNull(b.reason, "reason");
        this.errorClass = bound(b.errorClass, 512);
        this.errorMessage = bound(b.errorMessage, DeadLetterHeaders.MAX_ERROR_MESSAGE_LENGTH);
        this.errorStack = bound(b.errorStack, DeadLetterHeaders.MAX_ERROR_STACK_LENGTH);
        this.deadLetteredAt = Checks.notNull(b.deadLetteredAt, "deadLetteredAt");
        this.instance = Objects.requireNonNull(bound(Checks.notNull(b.instance, "instance"), 256));
        this.originalHeaders = copy(b.originalHeaders);
        this.body = b.body.clone();
    }

    /** Truncates to {@code max} characters, marking the cut; the envelope holds exactly what it writes. */
    private static @Nullable String bound(@Nullable String text, int max) {
        if (text == null || text.length() <= max + TRUNCATED.length()) {
            return text;
        }
        return text.substring(0, max) + TRUNCATED;
    }

    private static final String TRUNCATED = "...[truncated]";

    private static Map<String, List<String>> copy(Map<String, List<String>> headers) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        headers.forEach((k, v) -> m.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** A builder for a new envelope. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this envelope's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.originalStream = originalStream;
        b.originalSubject = originalSubject;
        b.originalSequence = originalSequence;
        b.originalTimestamp = originalTimestamp;
        b.originalMsgId = originalMsgId;
        b.consumer = consumer;
        b.deliveries = deliveries;
        b.reason = reason;
        b.errorClass = errorClass;
        b.errorMessage = errorMessage;
        b.errorStack = errorStack;
        b.deadLetteredAt = deadLetteredAt;
        b.instance = instance;
        b.originalHeaders = new LinkedHashMap<>(originalHeaders);
        b.body = body;
        return b;
    }

    /** The envelope's idempotent message id: {@code dlq-<stream>-<sequence>}. */
    public String messageId() {
        return DeadLetterHeaders.deadLetterMessageId(originalStream, originalSequence);
    }

    /** The headers to publish: the copied original headers plus the {@code Jsc-*} headers. */
    public Headers toHeaders() {
        Headers h = new Headers();
        originalHeaders.forEach(h::add);
        h.put(DeadLetterHeaders.VERSION, DeadLetterHeaders.FORMAT_VERSION);
        h.put(DeadLetterHeaders.ORIGINAL_STREAM, originalStream);
        h.put(DeadLetterHeaders.ORIGINAL_SUBJECT, originalSubject);
        h.put(DeadLetterHeaders.ORIGINAL_SEQUENCE, Long.toString(originalSequence));
        h.put(DeadLetterHeaders.ORIGINAL_TIMESTAMP, originalTimestamp.toString());
        if (originalMsgId != null) {
            h.put(DeadLetterHeaders.ORIGINAL_MSG_ID, HeaderText.encode(originalMsgId));
        }
        h.put(DeadLetterHeaders.CONSUMER, consumer);
        h.put(DeadLetterHeaders.DELIVERIES, Long.toString(deliveries));
        h.put(DeadLetterHeaders.REASON, reason.wireValue());
        if (errorClass != null) {
            h.put(DeadLetterHeaders.ERROR_CLASS, HeaderText.encode(errorClass));
        }
        if (errorMessage != null) {
            h.put(DeadLetterHeaders.ERROR_MESSAGE, HeaderText.encode(errorMessage));
        }
        if (errorStack != null) {
            h.put(DeadLetterHeaders.ERROR_STACK, HeaderText.encode(errorStack));
        }
        h.put(DeadLetterHeaders.DEAD_LETTERED_AT, deadLetteredAt.toString());
        h.put(DeadLetterHeaders.INSTANCE, HeaderText.encode(instance));
        return h;
    }

    /**
     * The headers for replaying this dead letter to its original subject: the original headers plus {@link
     * DeadLetterHeaders#REPLAYED_FROM}. Publish them with message id {@link
     * DeadLetterHeaders#replayMessageId(String, long)} so a replay is stored once.
     *
     * @param deadLetterStream the stream the envelope was read from
     * @param deadLetterSequence its sequence there
     */
    public Headers replayHeaders(String deadLetterStream, long deadLetterSequence) {
        Headers h = new Headers();
        originalHeaders.forEach(h::add);
        h.put(DeadLetterHeaders.REPLAYED_FROM, DeadLetterHeaders.replayedFrom(deadLetterStream, deadLetterSequence));
        return h;
    }

    /**
     * Reads an envelope from a message of the dead-letter stream.
     *
     * @throws IllegalArgumentException when the message is not a jscontract dead letter of a supported version, or a
     *     header is malformed (the message names the header and value)
     */
    public static DeadLetterEnvelope read(Message message) {
        Objects.requireNonNull(message, "message");
        return read(message.getHeaders(), message.getData());
    }

    /**
     * Reads an envelope from headers and body.
     *
     * @throws IllegalArgumentException as {@link #read(Message)}
     */
    public static DeadLetterEnvelope read(@Nullable Headers headers, byte @Nullable [] body) {
        if (headers == null || headers.get(DeadLetterHeaders.VERSION) == null) {
            throw new IllegalArgumentException(
                    "not a jscontract dead letter: header " + DeadLetterHeaders.VERSION + " is missing");
        }
        String version = headers.getFirst(DeadLetterHeaders.VERSION);
        if (!DeadLetterHeaders.FORMAT_VERSION.equals(version)) {
            throw new IllegalArgumentException("unsupported dead-letter format version '" + version
                    + "'; this jscontract reads version " + DeadLetterHeaders.FORMAT_VERSION
                    + " (upgrade jscontract to read newer envelopes)");
        }
        Builder b = builder()
                .originalStream(required(headers, DeadLetterHeaders.ORIGINAL_STREAM))
                .originalSubject(required(headers, DeadLetterHeaders.ORIGINAL_SUBJECT))
                .originalSequence(number(headers, DeadLetterHeaders.ORIGINAL_SEQUENCE))
                .originalTimestamp(instant(headers, DeadLetterHeaders.ORIGINAL_TIMESTAMP))
                .consumer(required(headers, DeadLetterHeaders.CONSUMER))
                .deliveries(number(headers, DeadLetterHeaders.DELIVERIES))
                .reason(reason(required(headers, DeadLetterHeaders.REASON)))
                .deadLetteredAt(instant(headers, DeadLetterHeaders.DEAD_LETTERED_AT))
                .instance(text(headers, DeadLetterHeaders.INSTANCE))
                .body(body == null ? new byte[0] : body);
        b.originalMsgId = optionalText(headers, DeadLetterHeaders.ORIGINAL_MSG_ID);
        b.errorClass = optionalText(headers, DeadLetterHeaders.ERROR_CLASS);
        b.errorMessage = optionalText(headers, DeadLetterHeaders.ERROR_MESSAGE);
        b.errorStack = optionalText(headers, DeadLetterHeaders.ERROR_STACK);
        Map<String, List<String>> original = new LinkedHashMap<>();
        for (String key : headers.keySet()) {
            // the envelope's own Nats-* headers (its dlq-... message id) are not the original's
            if (!key.startsWith("Jsc-") && !key.regionMatches(true, 0, "Nats-", 0, 5)) {
                original.put(key, headers.get(key));
            }
        }
        b.originalHeaders = original;
        return b.build();
    }

    private static String required(Headers h, String name) {
        String v = h.getFirst(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("malformed dead letter: required header " + name + " is missing");
        }
        return v;
    }

    private static long number(Headers h, String name) {
        String v = required(h, name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "malformed dead letter: header " + name + " must be a number but was '" + v + "'", e);
        }
    }

    private static Instant instant(Headers h, String name) {
        String v = required(h, name);
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "malformed dead letter: header " + name
                            + " must be an ISO-8601 instant (2026-11-23T05:50:39Z) but was '" + v + "'",
                    e);
        }
    }

    private static DeadLetterReason reason(String v) {
        try {
            return DeadLetterReason.fromWire(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "malformed dead letter: header " + DeadLetterHeaders.REASON + ": " + e.getMessage(), e);
        }
    }

    private static String text(Headers h, String name) {
        return decode(name, required(h, name));
    }

    private static @Nullable String optionalText(Headers h, String name) {
        String v = h.getFirst(name);
        return v == null ? null : decode(name, v);
    }

    private static String decode(String name, String v) {
        try {
            return HeaderText.decode(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed dead letter: header " + name + ": " + e.getMessage(), e);
        }
    }

    /** The source stream. */
    public String getOriginalStream() {
        return originalStream;
    }

    /** The original subject. */
    public String getOriginalSubject() {
        return originalSubject;
    }

    /** The original stream sequence. */
    public long getOriginalSequence() {
        return originalSequence;
    }

    /** When the original was stored. */
    public Instant getOriginalTimestamp() {
        return originalTimestamp;
    }

    /** The original {@code Nats-Msg-Id}, if it had one. */
    public Optional<String> getOriginalMsgId() {
        return Optional.ofNullable(originalMsgId);
    }

    /** The durable consumer that dead-lettered it. */
    public String getConsumer() {
        return consumer;
    }

    /** How many times it was delivered. */
    public long getDeliveries() {
        return deliveries;
    }

    /** Why it was dead-lettered. */
    public DeadLetterReason getReason() {
        return reason;
    }

    /** The failure's class name, if there was an exception. */
    public Optional<String> getErrorClass() {
        return Optional.ofNullable(errorClass);
    }

    /** The failure's message (bounded), if any. */
    public Optional<String> getErrorMessage() {
        return Optional.ofNullable(errorMessage);
    }

    /** The failure's stack trace (bounded), if any. */
    public Optional<String> getErrorStack() {
        return Optional.ofNullable(errorStack);
    }

    /** When it was dead-lettered. */
    public Instant getDeadLetteredAt() {
        return deadLetteredAt;
    }

    /** The instance that dead-lettered it. */
    public String getInstance() {
        return instance;
    }

    /** The original headers that were copied (all except {@code Nats-*}). */
    public Map<String, List<String>> getOriginalHeaders() {
        return originalHeaders;
    }

    /** A copy of the original payload. */
    public byte[] getBody() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterEnvelope e
                && e.originalSequence == originalSequence
                && e.deliveries == deliveries
                && e.originalStream.equals(originalStream)
                && e.originalSubject.equals(originalSubject)
                && e.originalTimestamp.equals(originalTimestamp)
                && Objects.equals(e.originalMsgId, originalMsgId)
                && e.consumer.equals(consumer)
                && e.reason == reason
                && Objects.equals(e.errorClass, errorClass)
                && Objects.equals(e.errorMessage, errorMessage)
                && Objects.equals(e.errorStack, errorStack)
                && e.deadLetteredAt.equals(deadLetteredAt)
                && e.instance.equals(instance)
                && e.originalHeaders.equals(originalHeaders)
                && Arrays.equals(e.body, body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(originalStream, originalSequence, reason, deliveries, deadLetteredAt)
                + 31 * Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "DeadLetterEnvelope{" + originalStream + "#" + originalSequence + " " + originalSubject + ", consumer="
                + consumer + ", deliveries=" + deliveries + ", reason=" + reason
                + (errorClass != null ? ", error=" + errorClass + ": " + errorMessage : "") + ", at=" + deadLetteredAt
                + ", instance=" + instance + ", body=" + body.length + " bytes}";
    }

    /** Builds a {@link DeadLetterEnvelope}; required: everything except the message id, error and headers. */
    public static final class Builder {
        private @Nullable String originalStream;
        private @Nullable String originalSubject;
        private long originalSequence;
        private @Nullable Instant originalTimestamp;
        private @Nullable String originalMsgId;
        private @Nullable String consumer;
        private long deliveries;
        private @Nullable DeadLetterReason reason;
        private @Nullable String errorClass;
        private @Nullable String errorMessage;
        private @Nullable String errorStack;
        private @Nullable Instant deadLetteredAt;
        private @Nullable String instance;
        private Map<String, List<String>> originalHeaders = new LinkedHashMap<>();
        private byte[] body = new byte[0];

        private Builder() {}

        /** The source stream. */
        public Builder originalStream(String stream) {
            this.originalStream = Checks.notNull(stream, "originalStream");
            return this;
        }

        /** The original subject. */
        public Builder originalSubject(String subject) {
            this.originalSubject = Checks.notNull(subject, "originalSubject");
            return this;
        }

        /** The original stream sequence (positive). */
        public Builder originalSequence(long sequence) {
            if (sequence <= 0) {
                throw new IllegalArgumentException("originalSequence must be positive but was " + sequence);
            }
            this.originalSequence = sequence;
            return this;
        }

        /** When the original was stored. */
        public Builder originalTimestamp(Instant timestamp) {
            this.originalTimestamp = Checks.notNull(timestamp, "originalTimestamp");
            return this;
        }

        /**
         * Copies the original headers, except {@code Nats-*} (server directives); a {@code Nats-Msg-Id} becomes
         * {@link DeadLetterHeaders#ORIGINAL_MSG_ID}.
         */
        public Builder originalHeaders(@Nullable Headers headers) {
            Map<String, List<String>> m = new LinkedHashMap<>();
            if (headers != null) {
                for (String key : headers.keySet()) {
                    if (key.equalsIgnoreCase("Nats-Msg-Id")) {
                        this.originalMsgId = headers.getFirst(key);
                    } else if (!key.regionMatches(true, 0, "Nats-", 0, 5) && !key.startsWith("Jsc-")) {
                        m.put(key, headers.get(key));
                    }
                }
            }
            this.originalHeaders = m;
            return this;
        }

        /** The durable consumer. */
        public Builder consumer(String consumer) {
            this.consumer = Checks.notNull(consumer, "consumer");
            return this;
        }

        /** How many times the message was delivered (not negative). */
        public Builder deliveries(long deliveries) {
            if (deliveries < 0) {
                throw new IllegalArgumentException("deliveries must not be negative but was " + deliveries);
            }
            this.deliveries = deliveries;
            return this;
        }

        /** Why it is dead-lettered. */
        public Builder reason(DeadLetterReason reason) {
            this.reason = Checks.notNull(reason, "reason");
            return this;
        }

        /** Records the failure: class name, message and stack trace (bounded when written). */
        public Builder error(Throwable error) {
            Checks.notNull(error, "error");
            this.errorClass = error.getClass().getName();
            this.errorMessage = error.getMessage();
            StringWriter sw = new StringWriter();
            error.printStackTrace(new PrintWriter(sw));
            this.errorStack = sw.toString();
            return this;
        }

        /** Records a failure without a {@link Throwable} (e.g. from an advisory). */
        public Builder error(String errorClass, @Nullable String message) {
            this.errorClass = Checks.notNull(errorClass, "errorClass");
            this.errorMessage = message;
            this.errorStack = null;
            return this;
        }

        /** When it is dead-lettered. */
        public Builder deadLetteredAt(Instant at) {
            this.deadLetteredAt = Checks.notNull(at, "deadLetteredAt");
            return this;
        }

        /** The instance that dead-letters it. */
        public Builder instance(String instance) {
            this.instance = Checks.notNull(instance, "instance");
            return this;
        }

        /** The original payload (copied). */
        public Builder body(byte[] body) {
            this.body = Checks.notNull(body, "body").clone();
            return this;
        }

        /**
         * Builds the envelope.
         *
         * @throws IllegalStateException when a required value is missing
         */
        public DeadLetterEnvelope build() {
            try {
                return new DeadLetterEnvelope(this);
            } catch (NullPointerException e) {
                throw new IllegalStateException(
                        "cannot build the dead-letter envelope: " + e.getMessage() + " (set it on the builder)", e);
            }
        }
    }
}
