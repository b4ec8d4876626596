package dev.jscontract.consumer;

import io.nats.client.Message;

/**
 * Handles one delivery whose payload a {@link Codec} has decoded. Same settle rules as {@link ContractHandler}: return
 * to acknowledge, throw to retry or dead-letter. A payload the codec cannot decode never reaches the handler: it is a
 * poison message and is dead-lettered at once with reason {@code poison}.
 *
 * @param <T> the payload type
 *
 * <p><b>Threads</b>: one instance is called concurrently from the consumer's handler threads; it must be thread-safe.
 */
@FunctionalInterface
public interface PayloadHandler<T> {
    /**
     * Processes one decoded delivery.
     *
     * @param payload the decoded payload
     * @param message the JetStream message it came from (headers, metadata)
     * @throws Exception to fail this attempt, as for {@link ContractHandler#handle(Message)}
     */
    void handle(T payload, Message message) throws Exception;
}
