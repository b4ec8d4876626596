package dev.jscontract.cli;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.PermanentFailure;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.Await;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Produces dead letters with the real {@link ContractConsumer} runtime (never by hand): a source stream, a contract
 * consumer whose handler fails by the order it gets, and the dead-letter stream the runtime provisions.
 *
 * <p>The handler: an order without an amount is a {@link PermanentFailure} (reason {@code permanent-error}); an order
 * whose id starts with {@code retry} fails with a retryable {@link IllegalStateException} until its last delivery
 * (reason {@code handler-error}); a body that is not an order is {@code poison}; anything else succeeds.
 */
final class DeadLetters {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final Connection nc;
    final String stream;
    final String prefix;

    private DeadLetters(Connection nc, String stream, String prefix) {
        this.nc = nc;
        this.stream = stream;
        this.prefix = prefix;
    }

    /** A new Limits source stream {@code <TAG>_<n>_<hex>} capturing {@code <tag>_<n>_<hex>.>}. */
    static DeadLetters stream(Connection nc, String tag) throws IOException, JetStreamApiException {
        String name = tag.toUpperCase(Locale.ROOT) + "_" + COUNTER.incrementAndGet() + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        String prefix = name.toLowerCase(Locale.ROOT);
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(name)
                        .subjects(prefix + ".>")
                        .retentionPolicy(RetentionPolicy.Limits)
                        .storageType(StorageType.File)
                        .build());
        return new DeadLetters(nc, name, prefix);
    }

    /** The dead-letter stream's name. */
    String dlq() {
        return "DLQ_" + stream;
    }

    /** The subject {@code <prefix>.<suffix>}. */
    String subject(String suffix) {
        return prefix + "." + suffix;
    }

    /** The contract: ack wait 2 s, 2 deliveries, 50 ms retry delay, default dead letters. */
    ConsumerContract contract(String durable) {
        return ConsumerContract.builder().stream(stream)
                .durable(durable)
                .ackWait(Duration.ofSeconds(2))
                .maxDeliver(2)
                .backoff(Backoff.fixed(Duration.ofMillis(50)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .filterSubject(prefix + ".>")
                .maxAckPending(256)
                .concurrency(4)
                .build();
    }

    /** Starts the consumer {@code durable} with the failing handler (the caller closes it). */
    ContractConsumer consumer(String durable) {
        ContractConsumer c = ContractConsumer.builder(nc, contract(durable))
                .handler(Order.class, (order, message) -> fail(order))
                .noDeadLetterRateGuard()
                .instance("test-instance")
                .build();
        c.start();
        return c;
    }

    /** The handler's decisions (see the class comment). */
    static void fail(Order order) {
        if (order.cents() <= 0) {
            throw new PermanentFailure("order " + order.id() + " has no amount");
        }
        if (order.id().startsWith("retry")) {
            throw new IllegalStateException("payment service unavailable for " + order.id());
        }
    }

    /** Publishes an order as JSON with a message id and a trace header. */
    long order(String suffix, String id, long cents) throws IOException, JetStreamApiException {
        return raw(suffix, "{\"id\":\"" + id + "\",\"cents\":" + cents + "}", "order-" + id);
    }

    /** Publishes a body as is. */
    long raw(String suffix, String body, String msgId) throws IOException, JetStreamApiException {
        Headers h = new Headers().add("Trace-Id", "trace-" + msgId);
        return nc.jetStream()
                .publish(
                        subject(suffix),
                        h,
                        body.getBytes(StandardCharsets.UTF_8),
                        PublishOptions.builder().messageId(msgId).build())
                .getSeqno();
    }

    /** Messages in a stream now. */
    long count(String name) throws IOException, JetStreamApiException {
        StreamInfo info = nc.jetStreamManagement().getStreamInfo(name);
        return info.getStreamState().getMsgCount();
    }

    /** Waits until the dead-letter stream holds {@code n} messages. */
    void awaitDeadLetters(long n) throws InterruptedException {
        await("dead-letter stream " + dlq() + " holds " + n, Duration.ofSeconds(30), () -> {
            try {
                return count(dlq()) >= n;
            } catch (JetStreamApiException e) {
                return false; // the stream is provisioned when the consumer starts
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Polls until the condition holds, or fails naming it ({@link Await#until}). */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, timeout, condition);
    }

    /**
     * The standard scenario for consumer {@code billing}: 3 orders without an amount (permanent-error), 2 bodies that
     * are not JSON (poison), 1 order that keeps failing (handler-error): 6 dead letters; 2 good orders are processed.
     */
    void standard() throws Exception {
        try (ContractConsumer c = consumer("billing")) {
            order("created", "o-1", 0);
            order("created", "o-2", 0);
            order("updated", "o-3", -5);
            raw("created", "not json", "poison-1");
            raw("created", "{\"id\": ", "poison-2");
            order("created", "retry-1", 100);
            order("created", "ok-1", 100);
            order("created", "ok-2", 100);
            awaitDeadLetters(6);
        }
    }
}
