package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What the {@link PullEngine} needs from a NATS connection: an inbox to read pulled messages from, a way to send pull
 * requests, the connection's status and a round trip to the server. The runtime's implementation is {@link
 * JnatsPullTransport}; unit tests use a fake, so the pull accounting is tested without a server.
 */
public interface PullTransport {
    /** The connection's status, reduced to what the pull engine acts on. */
    enum Status {
        /** Connected: pulls can be sent. */
        CONNECTED,
        /** Disconnected or reconnecting: jnats would only buffer a pull, so none is sent. */
        RECONNECTING,
        /** Closed for good (by the application, or jnats gave up reconnecting). */
        CLOSED
    }

    /** A subscription to a fresh inbox: pull requests carry {@code <prefix>.<id>} as their reply subject. */
    interface Inbox {
        /** The inbox subject prefix. */
        String prefix();

        /**
         * The next message (a JetStream message or a status), or null when none arrives within {@code timeout}.
         *
         * @throws IllegalStateException when the inbox was closed (rotated or the connection closed)
         * @throws InterruptedException when the calling thread is interrupted
         */
        @Nullable
        Message next(Duration timeout) throws InterruptedException;

        /** Messages received and not yet read. */
        int buffered();

        /** Unsubscribes; messages still buffered are dropped (the server redelivers them after their deadline). */
        void close();
    }

    /** Subscribes a new inbox with a prefix never used before. */
    Inbox openInbox();

    /**
     * Sends a pull request.
     *
     * @throws IllegalStateException when the connection is closed or its reconnect buffer is full
     */
    void publish(String subject, String replyTo, byte[] body);

    /** The connection's status. */
    Status status();

    /**
     * Sends a PING and waits for the PONG: whether the server answers on this connection within {@code timeout}.
     * Blocks the caller; never call it from the timer thread that drives heartbeats.
     */
    boolean ping(Duration timeout);
}
