package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PullTransport} for unit tests: records the pulls sent, lets the test deliver messages and statuses to an
 * inbox, and sets the connection's status and the probe's answer. Thread-safe.
 */
final class FakeTransport implements PullTransport {
    private static final Pattern BATCH = Pattern.compile("\"batch\":(\\d+)");

    /** A pull request the engine sent. */
    record Pull(String replyTo, int batch) {}

    final List<FakeInbox> inboxes = new ArrayList<>();
    final List<Pull> pulls = new ArrayList<>();
    volatile Status status = Status.CONNECTED;
    volatile boolean pingAnswers = true;
    volatile int pings;

    @Override
    public synchronized Inbox openInbox() {
        if (status == Status.CLOSED) {
            throw new IllegalStateException("Connection is Closed");
        }
        FakeInbox i = new FakeInbox("_INBOX.fake" + inboxes.size());
        inboxes.add(i);
        return i;
    }

    synchronized FakeInbox inbox() {
        return inboxes.get(inboxes.size() - 1);
    }

    synchronized List<Pull> pulls() {
        return List.copyOf(pulls);
    }

    synchronized int requestedInPulls() {
        return pulls.stream().mapToInt(Pull::batch).sum();
    }

    @Override
    public synchronized void publish(String subject, String replyTo, byte[] body) {
        if (status == Status.CLOSED) {
            throw new IllegalStateException("Connection is Closed");
        }
        Matcher m = BATCH.matcher(new String(body, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new AssertionError("a pull without a batch: " + new String(body, StandardCharsets.US_ASCII));
        }
        pulls.add(new Pull(replyTo, Integer.parseInt(m.group(1))));
    }

    @Override
    public Status status() {
        return status;
    }

    @Override
    public boolean ping(Duration timeout) {
        pings++;
        return pingAnswers;
    }

    /** A JetStream message as the server delivers it (a reply subject in the ack layout). */
    static Message message(long streamSequence) {
        return new NatsMessage(
                "orders.created",
                "$JS.ACK.ORDERS.billing.1." + streamSequence + ".1.1700000000000000000.0",
                new byte[0]) {
            @Override
            public boolean isJetStream() {
                return true;
            }
        };
    }

    /** A status message ({@code 100} heartbeat, {@code 408} timeout, {@code 409} conflict, {@code 503}). */
    static Message status(String replyTo, int code, String text) {
        io.nats.client.support.Status s = new io.nats.client.support.Status(code, text);
        return new NatsMessage(replyTo, null, new byte[0]) {
            @Override
            public boolean isStatusMessage() {
                return true;
            }

            @Override
            public io.nats.client.support.Status getStatus() {
                return s;
            }
        };
    }

    /** One inbox subscription. */
    final class FakeInbox implements Inbox {
        private final String prefix;
        private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
        volatile boolean closed;
        volatile int reads;

        FakeInbox(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String prefix() {
            return prefix;
        }

        /** The server delivers {@code m} to this inbox. */
        void deliver(Message m) {
            queue.add(m);
        }

        @Override
        public @Nullable Message next(Duration timeout) throws InterruptedException {
            reads++;
            if (closed || status == Status.CLOSED) {
                throw new IllegalStateException("This subscription became inactive.");
            }
            return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int buffered() {
            return queue.size();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
