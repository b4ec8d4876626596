package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import java.time.Duration;

/**
 * The settle and heartbeat calls of one delivery, so that the heartbeat and timeout logic can be tested without a
 * server. The runtime's implementation forwards to the jnats {@link Message}.
 */
public interface AckTarget {
    /** Sends {@code +WPI} (fire and forget, B-07). */
    void inProgress();

    /** Sends {@code +ACK}. */
    void ack();

    /** Sends {@code -NAK {"delay":...}}; never a plain NAK (NAK-001). */
    void nakWithDelay(Duration delay);

    /** Sends {@code +TERM} (no reason: a reason is a no-op on 2.9, B-11). */
    void term();

    /**
     * Sends {@code -NAK} without a delay: hands the message back for redelivery at once. Used only when the consumer
     * stops while a handler runs (a release, not a failed attempt); a failed attempt always gets {@link
     * #nakWithDelay(Duration)} (NAK-001).
     */
    void releaseNow();

    /** An {@link AckTarget} over a jnats message. */
    static AckTarget of(Message message) {
        return new AckTarget() {
            @Override
            public void inProgress() {
                message.inProgress();
            }

            @Override
            public void ack() {
                message.ack();
            }

            @Override
            public void nakWithDelay(Duration delay) {
                message.nakWithDelay(delay);
            }

            @Override
            public void term() {
                message.term();
            }

            @Override
            public void releaseNow() {
                message.nak();
            }
        };
    }
}
