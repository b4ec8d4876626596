package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.Codec;
import dev.jscontract.consumer.ContractHandler;
import dev.jscontract.consumer.DecodingException;
import dev.jscontract.consumer.PayloadHandler;
import io.nats.client.Message;

/** Runs the user's handler for one message: raw, or decoded by a codec first. */
@FunctionalInterface
public interface MessageInvoker {
    /**
     * Runs the handler.
     *
     * @throws DecodingException when the codec failed (the message is poison)
     * @throws Exception whatever the handler threw
     */
    void invoke(Message message) throws Exception;

    /** An invoker for a raw handler. */
    static MessageInvoker raw(ContractHandler handler) {
        return handler::handle;
    }

    /** An invoker that decodes with {@code codec} (any failure becomes a {@link DecodingException}) first. */
    static <T> MessageInvoker typed(Codec<T> codec, PayloadHandler<T> handler) {
        return message -> {
            T payload;
            try {
                payload = codec.decode(message);
            } catch (DecodingException e) {
                throw e;
            } catch (Exception e) {
                throw new DecodingException(
                        "payload on subject " + message.getSubject() + " could not be decoded by " + codec + ": " + e,
                        e);
            }
            if (payload == null) {
                throw new DecodingException("codec " + codec + " returned null for the payload on subject "
                        + message.getSubject() + "; a codec must return a value or throw");
            }
            handler.handle(payload, message);
        };
    }
}
