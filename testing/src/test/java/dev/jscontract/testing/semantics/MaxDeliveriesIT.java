package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.has;
import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.string;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.Message;
import io.nats.client.support.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>B-12</b> (MaxDeliver reached: one MAX_DELIVERIES advisory with {@code type, id, timestamp, stream, consumer,
 * stream_seq, deliveries} and nothing else; the sequence leaves pending; for {@code max_deliver >= 2} this happens
 * only when a pull request is waiting at, or arrives after, the last expiry: a consumer that stops pulling never
 * advises), <b>B-13</b> (the max-delivered message stays in a WorkQueue
 * stream and is readable by sequence through MSG.GET and DIRECT.GET) and the MaxDeliver part of <b>B-08</b> (NAK
 * redeliveries count). Ground for MD-001, MD-002 and DLQ-002.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-12, B-13: MaxDeliver reached, the MAX_DELIVERIES advisory, the message kept")
class MaxDeliveriesIT {
    private static final Logger LOG = LoggerFactory.getLogger(MaxDeliveriesIT.class);
    private static final Duration ACK_WAIT = Duration.ofSeconds(1);
    private static final Duration PULL_WAIT = Duration.ofSeconds(5);
    /** How long the test waits, with no pull request outstanding, to show that no advisory comes on its own. */
    private static final Duration QUIET = Duration.ofMillis(2500);

    /**
     * B-12 and B-13, WorkQueue stream, {@code max_deliver=2}, {@code ack_wait=1s}, never acked: two deliveries; then,
     * with no pull request waiting, no advisory for 2.5 s after the last expiry; the next pull request triggers
     * exactly one advisory (payload fields exactly as listed, {@code deliveries=2}) and returns no message; the
     * consumer has nothing pending; the stream still holds the message and both MSG.GET and DIRECT.GET return it.
     */
    @Test
    @DisplayName(
            "B-12/B-13: max_deliver=2: advisory on the next pull after the last expiry; message kept in the WorkQueue")
    void maxDeliveredMessageIsAdvisedOnTheNextPullAndKept(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "MD");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").ackWait(ACK_WAIT).maxDeliver(2).build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");

            try (Advisories advisories = Advisories.listen(nc, Advisories.maxDeliveries(stream.name(), "C"))) {
                Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                assertThat(d1.deliveredCount()).isEqualTo(1);
                assertThat(d2.deliveredCount()).isEqualTo(2);
                Timing.assertTimer(
                        server, Duration.ofNanos(d2.receivedNanos() - d1.receivedNanos()), ACK_WAIT, "delivery 1 -> 2");

                // Delivery 2 expires ACK_WAIT after it was sent; nobody pulls meanwhile.
                advisories.assertNoneWithin(ACK_WAIT.plus(QUIET));

                long pullAt = Timing.now();
                JsonValue advisory;
                try (FetchConsumer fetch = consumer.fetch(FetchConsumeOptions.builder()
                        .maxMessages(1)
                        .expiresIn(1000)
                        .build())) {
                    advisory = advisories.next(Duration.ofSeconds(5));
                    Timing.assertImmediate(server, Timing.since(pullAt), "pull request -> advisory");
                    assertThat(fetch.nextMessage()).as("no third delivery").isNull();
                }
                assertThat(advisory.map)
                        .containsOnlyKeys("type", "id", "timestamp", "stream", "consumer", "stream_seq", "deliveries");
                assertThat(string(advisory, "type")).isEqualTo("io.nats.jetstream.advisory.v1.max_deliver");
                assertThat(string(advisory, "stream")).isEqualTo(stream.name());
                assertThat(string(advisory, "consumer")).isEqualTo("C");
                assertThat(number(advisory, "stream_seq")).isEqualTo(seq);
                assertThat(number(advisory, "deliveries")).isEqualTo(2);
                advisories.assertNoneWithin(Duration.ofMillis(500));
            }

            JsonValue info = JsApi.consumerInfo(nc, stream.name(), "C");
            assertThat(number(info, "num_ack_pending")).isZero();
            assertThat(number(info, "num_pending")).isZero();
            // Observed, not asserted: whether the ack floor moves past the message differs by version (B-12 notes).
            LOG.info(
                    "nats-server {}: ack floor after max deliveries: stream_seq {}",
                    server.version(),
                    number(info, "ack_floor", "stream_seq"));
            assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                    .as("max-delivered message kept in the WorkQueue stream")
                    .isEqualTo(1);

            JsonValue stored = JsApi.requireSuccess(
                    JsApi.request(nc, "$JS.API.STREAM.MSG.GET." + stream.name(), "{\"seq\":" + seq + "}"));
            assertThat(new String(
                            Base64.getDecoder().decode(string(stored, "message", "data")), StandardCharsets.UTF_8))
                    .isEqualTo("poison");
            Message direct = nc.request(
                    "$JS.API.DIRECT.GET." + stream.name(),
                    ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8),
                    JsApi.API_TIMEOUT);
            assertThat(direct).isNotNull();
            assertThat(Objects.requireNonNull(direct).getHeaders().getFirst("Nats-Sequence"))
                    .isEqualTo(Long.toString(seq));
            assertThat(new String(direct.getData(), StandardCharsets.UTF_8)).isEqualTo("poison");
        }
    }

    /**
     * B-12 timing refined: the trigger is a pull request that is <em>waiting</em> when the last delivery expires, not
     * only one that arrives later. With a pull request outstanding (as jnats {@code consume()} always keeps one), the
     * advisory for {@code max_deliver=2} comes at the expiry of delivery 2, one AckWait after it, and the waiting pull
     * gets no message.
     */
    @Test
    @DisplayName("B-12: with a pull request already waiting, the advisory comes at the last expiry")
    void maxDeliveredIsAdvisedAtExpiryWhenAPullIsWaiting(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "MD");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").ackWait(ACK_WAIT).maxDeliver(2).build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");

            try (Advisories advisories = Advisories.listen(nc, Advisories.maxDeliveries(stream.name(), "C"))) {
                Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                try (FetchConsumer waiting = consumer.fetch(FetchConsumeOptions.builder()
                        .maxMessages(1)
                        .expiresIn(ACK_WAIT.plus(Timing.LATE_SLACK).toMillis())
                        .build())) {
                    JsonValue advisory = advisories.next(ACK_WAIT.plus(Timing.LATE_SLACK));
                    Timing.assertTimer(
                            server,
                            Timing.since(d2.receivedNanos()),
                            ACK_WAIT,
                            "delivery 2 -> advisory (pull waiting)");
                    assertThat(number(advisory, "stream_seq")).isEqualTo(seq);
                    assertThat(number(advisory, "deliveries")).isEqualTo(2);
                    assertThat(waiting.nextMessage()).as("no third delivery").isNull();
                }
            }
        }
    }

    /**
     * B-12 timing, {@code max_deliver=1}: from 2.10.22 the server detects the limit when the only delivery's AckWait
     * expires and sends the advisory with no pull request; before (2.9.10) it waits for the next pull like
     * {@code max_deliver >= 2}.
     */
    @Test
    @DisplayName("B-12: max_deliver=1 is advised at AckWait expiry from 2.10.22, at the next pull before")
    void maxDeliverOneIsDetectedAtExpiryFrom21022(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "MD");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").ackWait(ACK_WAIT).maxDeliver(1).build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");

            try (Advisories advisories = Advisories.listen(nc, Advisories.maxDeliveries(stream.name(), "C"))) {
                Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                if (server.isAtLeast(Since.MAX_DELIVER_ONE_DETECTED_AT_EXPIRY)) {
                    JsonValue advisory = advisories.next(ACK_WAIT.plus(Timing.LATE_SLACK));
                    Timing.assertTimer(server, Timing.since(d1.receivedNanos()), ACK_WAIT, "delivery -> advisory");
                    assertThat(number(advisory, "deliveries")).isEqualTo(1);
                } else {
                    advisories.assertNoneWithin(ACK_WAIT.plus(QUIET));
                    assertThat(Fixtures.next(consumer, Duration.ofSeconds(1)))
                            .as("no second delivery")
                            .isNull();
                    JsonValue advisory = advisories.next(Duration.ofSeconds(5));
                    assertThat(number(advisory, "deliveries")).isEqualTo(1);
                }
                assertThat(number(JsApi.consumerInfo(nc, stream.name(), "C"), "num_ack_pending"))
                        .isZero();
                assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                        .isEqualTo(1);
                assertThat(seq).isEqualTo(d1.streamSequence());
            }
        }
    }

    /**
     * B-08 / B-12: with {@code max_deliver=2}, two plain NAKs use up both deliveries within milliseconds; the next
     * pull gets the MAX_DELIVERIES advisory and no third delivery.
     */
    @Test
    @DisplayName("B-08/B-12: two plain naks exhaust max_deliver=2 at once; advisory, no third delivery")
    void plainNaksCountTowardMaxDeliver(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "MD");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C")
                            .ackWait(Duration.ofSeconds(30))
                            .maxDeliver(2)
                            .build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");

            try (Advisories advisories = Advisories.listen(nc, Advisories.maxDeliveries(stream.name(), "C"))) {
                long start = Timing.now();
                Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                d1.msg().nak();
                Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                assertThat(d2.deliveredCount()).isEqualTo(2);
                d2.msg().nak();
                assertThat(Fixtures.next(consumer, Duration.ofSeconds(1))).isNull();
                JsonValue advisory = advisories.next(Duration.ofSeconds(5));
                assertThat(number(advisory, "stream_seq")).isEqualTo(seq);
                assertThat(number(advisory, "deliveries")).isEqualTo(2);
                assertThat(has(advisory, "consumer_seq")).isFalse();
                assertThat(Timing.since(start))
                        .as("both deliveries used up far inside the 30 s AckWait")
                        .isLessThan(Duration.ofSeconds(10));
            }
        }
    }
}
