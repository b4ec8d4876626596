package dev.jscontract.consumer;

import io.nats.client.Message;

/**
 * Decodes a message's payload for a {@link PayloadHandler}. Any exception thrown here makes the message poison: it
 * is dead-lettered at once with reason {@code poison} and never retried, because retrying cannot change its bytes.
 *
 * <pre>{@code
 * Codec<Order> json = JacksonCodec.of(Order.class);
 * Codec<String> text = message -> new String(message.getData(), StandardCharsets.UTF_8);
 * }</pre>
 *
 * @param <T> the payload type
 *
 * <p>One instance is shared by all handler threads of a consumer and called concurrently: implementations must be
 * thread-safe (Jackson's {@code ObjectMapper} is).
 */
@FunctionalInterface
public interface Codec<T> {
    /**
     * Decodes the payload.
     *
     * @param message the delivered message
     * @return the payload, never null
     * @throws Exception when the payload is malformed (the message becomes a poison dead letter)
     */
    T decode(Message message) throws Exception;
}
