package dev.jscontract.testing.semantics;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Streams, consumers and timed pulls for the semantics suite, all through jnats' public API. */
final class Fixtures {
    private Fixtures() {}

    /** A stream created for one test: its name and the subject tests publish to ({@code <name>.a}). */
    record TestStream(String name) {
        /** The default subject to publish to. */
        String subject() {
            return name + ".a";
        }

        /** Another subject of the same stream. */
        String subject(String token) {
            return name + "." + token;
        }
    }

    /** A file-storage WorkQueue stream with a unique name, capturing {@code <name>.>}, direct get allowed. */
    static TestStream workQueue(Connection nc, String prefix) throws Exception {
        return stream(nc, prefix, RetentionPolicy.WorkQueue);
    }

    /** A file-storage Limits stream with a unique name, capturing {@code <name>.>}, direct get allowed. */
    static TestStream limits(Connection nc, String prefix) throws Exception {
        return stream(nc, prefix, RetentionPolicy.Limits);
    }

    private static TestStream stream(Connection nc, String prefix, RetentionPolicy retention) throws Exception {
        String name = JsApi.unique(prefix);
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(name)
                        .subjects(name + ".>")
                        .retentionPolicy(retention)
                        .storageType(StorageType.File)
                        .allowDirect(true)
                        .build());
        return new TestStream(name);
    }

    /** A durable pull consumer builder with explicit acks and the given name. */
    static ConsumerConfiguration.Builder durable(String name) {
        return ConsumerConfiguration.builder().durable(name).ackPolicy(AckPolicy.Explicit);
    }

    /** Creates (or updates) the consumer and returns a jnats {@link ConsumerContext} for it. */
    static ConsumerContext consumer(Connection nc, TestStream stream, ConsumerConfiguration config) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addOrUpdateConsumer(stream.name(), config);
        return nc.getStreamContext(stream.name()).getConsumerContext(config.getDurable());
    }

    /** Publishes {@code payload} to {@code subject} through JetStream and returns the stream sequence. */
    static long publish(Connection nc, String subject, String payload) throws Exception {
        return nc.jetStream()
                .publish(subject, payload.getBytes(StandardCharsets.UTF_8))
                .getSeqno();
    }

    /** A message and the monotonic time the test received it. */
    record Delivery(Message msg, long receivedNanos) {
        /** The delivery count from the ack reply subject (B-26). */
        long deliveredCount() {
            return msg.metaData().deliveredCount();
        }

        /** The stream sequence from the ack reply subject (B-26). */
        long streamSequence() {
            return msg.metaData().streamSequence();
        }

        /** The consumer sequence from the ack reply subject (B-26). */
        long consumerSequence() {
            return msg.metaData().consumerSequence();
        }
    }

    /**
     * One pull request for one message that waits up to {@code maxWait} (at least 1 s, jnats' minimum); returns the
     * delivery with its receive time, or {@code null} when the pull expired empty.
     */
    static @Nullable Delivery next(ConsumerContext consumer, Duration maxWait) throws Exception {
        Message msg = consumer.next(maxWait);
        long at = Timing.now();
        return msg == null ? null : new Delivery(msg, at);
    }
}
