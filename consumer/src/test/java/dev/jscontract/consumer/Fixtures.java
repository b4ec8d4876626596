package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Streams, contracts, publishing and waiting for the consumer's integration tests (jnats public API only). */
final class Fixtures {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Fixtures() {}

    /** A stream created for one test: its name and the subject prefix it captures ({@code <prefix>.>}). */
    record TestStream(String name, String prefix) {
        String subject() {
            return prefix + ".a";
        }
    }

    /** A unique JetStream-safe name like {@code HB_3_a1b2}. */
    static String unique(String prefix) {
        return prefix.toUpperCase(Locale.ROOT) + "_" + COUNTER.incrementAndGet() + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    }

    static TestStream workQueue(Connection nc, String prefix) throws IOException, JetStreamApiException {
        return stream(nc, prefix, RetentionPolicy.WorkQueue, 1);
    }

    static TestStream limits(Connection nc, String prefix) throws IOException, JetStreamApiException {
        return stream(nc, prefix, RetentionPolicy.Limits, 1);
    }

    static TestStream stream(Connection nc, String prefix, RetentionPolicy retention, int replicas)
            throws IOException, JetStreamApiException {
        String name = unique(prefix);
        String subjects = name.toLowerCase(Locale.ROOT);
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(name)
                        .subjects(subjects + ".>")
                        .retentionPolicy(retention)
                        .storageType(StorageType.File)
                        .replicas(replicas)
                        .build());
        return new TestStream(name, subjects);
    }

    /**
     * A contract with short timers: ack wait 2 s, max deliver 4, fixed 200 ms backoff, default dead letters, max ack
     * pending 64 (so that it starts: MAP-001 is a lint error).
     */
    static ConsumerContract.Builder contract(TestStream stream, String durable) {
        return ConsumerContract.builder().stream(stream.name())
                .durable(durable)
                .ackWait(Duration.ofSeconds(2))
                .maxDeliver(4)
                .backoff(Backoff.fixed(Duration.ofMillis(200)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .filterSubject(stream.prefix() + ".>")
                .maxAckPending(64);
    }

    static long publish(Connection nc, String subject, String body) throws IOException, JetStreamApiException {
        return nc.jetStream()
                .publish(subject, body.getBytes(StandardCharsets.UTF_8))
                .getSeqno();
    }

    static long publish(Connection nc, String subject, Headers headers, String body, String msgId)
            throws IOException, JetStreamApiException {
        return nc.jetStream()
                .publish(
                        subject,
                        headers,
                        body.getBytes(StandardCharsets.UTF_8),
                        PublishOptions.builder().messageId(msgId).build())
                .getSeqno();
    }

    static StreamInfo streamInfo(Connection nc, String stream) throws IOException, JetStreamApiException {
        return nc.jetStreamManagement().getStreamInfo(stream);
    }

    static long messageCount(Connection nc, String stream) throws IOException, JetStreamApiException {
        return streamInfo(nc, stream).getStreamState().getMsgCount();
    }

    static ConsumerInfo consumerInfo(Connection nc, String stream, String durable)
            throws IOException, JetStreamApiException {
        return nc.jetStreamManagement().getConsumerInfo(stream, durable);
    }

    /** Whether stream {@code stream} still holds sequence {@code seq}. */
    static boolean holds(Connection nc, String stream, long seq) throws IOException {
        try {
            nc.jetStreamManagement().getMessage(stream, seq);
            return true;
        } catch (JetStreamApiException e) {
            return false;
        }
    }

    /** Every message of the dead-letter stream, as envelopes, in stream order. */
    static List<DeadLetterEnvelope> deadLetters(Connection nc, String dlqStream)
            throws IOException, JetStreamApiException {
        JetStreamManagement jsm = nc.jetStreamManagement();
        StreamInfo info = jsm.getStreamInfo(dlqStream);
        List<DeadLetterEnvelope> out = new ArrayList<>();
        for (long seq = info.getStreamState().getFirstSequence();
                seq <= info.getStreamState().getLastSequence();
                seq++) {
            MessageInfo mi = jsm.getMessage(dlqStream, seq);
            out.add(DeadLetterEnvelope.read(mi.getHeaders(), mi.getData()));
        }
        return out;
    }

    /** Polls {@code condition} every 20 ms until it holds, or fails with {@code what}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Like {@link #await} for a value: polls until the supplier returns non-null. */
    static <T> T awaitValue(String what, Duration timeout, Supplier<@Nullable T> value) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = value.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Asserts that the count stays the same for {@code quiet}. */
    static void assertStays(String what, Duration quiet, Supplier<Object> value) throws InterruptedException {
        Object before = value.get();
        Thread.sleep(quiet.toMillis());
        assertThat(value.get()).as(what).isEqualTo(before);
    }
}
