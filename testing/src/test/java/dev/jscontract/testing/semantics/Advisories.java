package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A core-NATS subscription on a JetStream advisory subject, opened (and flushed to the server) <em>before</em> the
 * action that triggers the advisory. Advisories are at-most-once core publishes (B-14), and from 2.10.25 / 2.11.0
 * the server does not even build one when nobody listens, so a listener that starts late sees nothing.
 */
final class Advisories implements AutoCloseable {
    /** {@code $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>} (B-12). */
    static String maxDeliveries(String stream, String consumer) {
        return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + stream + "." + consumer;
    }

    /** {@code $JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>} (B-10, B-11). */
    static String terminated(String stream, String consumer) {
        return "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED." + stream + "." + consumer;
    }

    private final Subscription sub;
    private final String subject;

    private Advisories(Subscription sub, String subject) {
        this.sub = sub;
        this.subject = subject;
    }

    /** Subscribes to {@code subject} and waits until the server has registered the interest. */
    static Advisories listen(Connection nc, String subject) throws Exception {
        Subscription sub = nc.subscribe(subject);
        nc.flush(JsApi.API_TIMEOUT);
        return new Advisories(sub, subject);
    }

    /** The next advisory within {@code timeout}, parsed; fails the test when none arrives. */
    JsonValue next(Duration timeout) throws InterruptedException {
        JsonValue advisory = poll(timeout);
        assertThat(advisory).as("an advisory on %s within %s", subject, timeout).isNotNull();
        return Objects.requireNonNull(advisory);
    }

    /** The next advisory within {@code timeout}, or {@code null}. */
    @Nullable
    JsonValue poll(Duration timeout) throws InterruptedException {
        Message msg = sub.nextMessage(timeout);
        return msg == null ? null : JsonParser.parseUnchecked(msg.getData());
    }

    /** Fails the test if an advisory arrives within {@code window}. */
    void assertNoneWithin(Duration window) throws InterruptedException {
        JsonValue advisory = poll(window);
        assertThat(advisory).as("no advisory on %s within %s", subject, window).isNull();
    }

    @Override
    public void close() {
        sub.unsubscribe();
    }
}
