package dev.jscontract.outbox;

import org.jspecify.annotations.Nullable;

/**
 * Turns an application object into the bytes of an outbox message's payload, for {@link
 * OutboxMessage.PayloadStage#payload(Object, PayloadCodec)}. {@link JacksonPayloadCodec} is the JSON implementation;
 * implement this interface for another format (Protobuf, Avro, ...).
 *
 * <p>Implementations must be thread-safe: one codec is typically shared by all writers.
 */
public interface PayloadCodec {

    /**
     * Encodes a value.
     *
     * @param value the object to encode, never {@code null}
     * @return the payload bytes
     * @throws IllegalArgumentException when the value cannot be encoded; the message says which type and why
     */
    byte[] encode(Object value);

    /**
     * The media type written as the message's {@code Content-Type} header, or {@code null} for none.
     *
     * @return for example {@code application/json}
     */
    default @Nullable String contentType() {
        return null;
    }
}
