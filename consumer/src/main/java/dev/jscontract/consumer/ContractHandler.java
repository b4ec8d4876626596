package dev.jscontract.consumer;

import io.nats.client.Message;

/**
 * Handles one delivery of a raw message. Returning normally acknowledges the message; throwing fails the attempt,
 * which the {@link FailureClassifier} turns into a retry ({@code nakWithDelay} with the contract's backoff) or a
 * dead letter. The handler must not ack, nak or term the message itself: the runtime settles every delivery exactly
 * once and keeps heartbeats running until then.
 *
 * <p>When the contract declares a maximum processing time, the handler's thread is interrupted when it is exceeded;
 * handlers that block should respond to interruption.
 *
 * <p><b>Threads</b>: one instance is called concurrently from the consumer's handler threads (the contract's
 * concurrency); it must be thread-safe. It is the caller's and is never closed by the consumer.
 */
@FunctionalInterface
public interface ContractHandler {
    /**
     * Processes one delivery.
     *
     * @param message the JetStream message (use {@code message.metaData().streamSequence()} as its stable identity)
     * @throws Exception to fail this attempt; {@link PermanentFailure} (or anything the classifier calls permanent)
     *     dead-letters it at once, anything else is retried until the contract's {@code maxDeliver}
     */
    void handle(Message message) throws Exception;
}
