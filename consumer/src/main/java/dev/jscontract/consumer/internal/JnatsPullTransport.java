package dev.jscontract.consumer.internal;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/** The {@link PullTransport} over a jnats {@link Connection} (public API only). */
public final class JnatsPullTransport implements PullTransport {
    private final Connection connection;

    /** A transport over the caller's connection (not owned). */
    public JnatsPullTransport(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Inbox openInbox() {
        String prefix = connection.createInbox();
        Subscription sub = connection.subscribe(prefix + ".*");
        return new Inbox() {
            @Override
            public String prefix() {
                return prefix;
            }

            @Override
            public @Nullable Message next(Duration timeout) throws InterruptedException {
                return sub.nextMessage(timeout);
            }

            @Override
            public int buffered() {
                try {
                    return (int) Math.min(Integer.MAX_VALUE, sub.getPendingMessageCount());
                } catch (IllegalStateException e) {
                    return 0; // closed: nothing will be read from it
                }
            }

            @Override
            public void close() {
                try {
                    sub.unsubscribe();
                } catch (IllegalStateException e) {
                    // already inactive: the connection closed, or it was unsubscribed before
                }
            }

            @Override
            public String toString() {
                return prefix;
            }
        };
    }

    @Override
    public void publish(String subject, String replyTo, byte[] body) {
        connection.publish(subject, replyTo, body);
    }

    @Override
    public Status status() {
        return switch (connection.getStatus()) {
            case CONNECTED -> Status.CONNECTED;
            case CLOSED -> Status.CLOSED;
            default -> Status.RECONNECTING;
        };
    }

    @Override
    public boolean ping(Duration timeout) {
        try {
            connection.flush(timeout);
            return true;
        } catch (TimeoutException | IllegalStateException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
