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
import io.nats.client.Message;
import io.nats.client.support.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-10</b> (plain {@code +TERM} acts as an ack, emits the MSG_TERMINATED advisory and removes the message from a
 * WorkQueue stream) and <b>B-11</b> ({@code +TERM <reason>} terminates only from 2.10.4; on 2.9 it is silently
 * ignored and the message comes back at AckWait). Ground for DLQ-001 and DLQ-004.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-10, B-11: TERM, TERM with a reason, the MSG_TERMINATED advisory")
class TermIT {
    private static final Duration ACK_WAIT = Duration.ofSeconds(1);
    private static final Duration PULL_WAIT = Duration.ofSeconds(5);

    /**
     * B-10: jnats {@code term()} on a WorkQueue message: one MSG_TERMINATED advisory with type, stream, consumer,
     * consumer_seq, stream_seq and deliveries (no {@code reason} for a plain TERM); the stream drops from 2 messages
     * to 1; nothing is pending and nothing is redelivered.
     */
    @Test
    @DisplayName("B-10: term() emits MSG_TERMINATED (no reason) and removes the message from a WorkQueue stream")
    void termEmitsTheAdvisoryAndRemovesTheMessageFromAWorkQueue(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "TERM");
            ConsumerContext consumer = Fixtures.consumer(
                    nc, stream, Fixtures.durable("C").ackWait(ACK_WAIT).build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");
            Fixtures.publish(nc, stream.subject(), "next");
            assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                    .isEqualTo(2);

            try (Advisories advisories = Advisories.listen(nc, Advisories.terminated(stream.name(), "C"))) {
                Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                assertThat(d1.streamSequence()).isEqualTo(seq);
                d1.msg().term();

                JsonValue advisory = advisories.next(Duration.ofSeconds(5));
                assertThat(string(advisory, "type")).isEqualTo("io.nats.jetstream.advisory.v1.terminated");
                assertThat(string(advisory, "stream")).isEqualTo(stream.name());
                assertThat(string(advisory, "consumer")).isEqualTo("C");
                assertThat(number(advisory, "stream_seq")).isEqualTo(seq);
                assertThat(number(advisory, "consumer_seq")).isEqualTo(d1.consumerSequence());
                assertThat(number(advisory, "deliveries")).isEqualTo(1);
                assertThat(has(advisory, "reason"))
                        .as("plain TERM carries no reason")
                        .isFalse();
            }

            JsApi.awaitStreamMessages(nc, stream.name(), 1, Duration.ofSeconds(5));
            JsonValue info = JsApi.consumerInfo(nc, stream.name(), "C");
            assertThat(number(info, "num_ack_pending")).isZero();

            Fixtures.Delivery next = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            assertThat(next.streamSequence())
                    .as("the terminated message is not redelivered")
                    .isEqualTo(seq + 1);
            next.msg().ackSync(JsApi.API_TIMEOUT);
        }
    }

    /**
     * B-11: a raw {@code +TERM bad payload} (jnats 2.26.2 has no term-with-reason). From 2.10.4 it terminates: the
     * advisory carries {@code reason: "bad payload"}, the WorkQueue message is removed and nothing is redelivered.
     * Before 2.10.4 (2.9.10) the server ignores it: no advisory, the message stays pending and is redelivered at
     * AckWait with delivery count 2.
     */
    @Test
    @DisplayName("B-11: +TERM <reason> terminates with the reason on 2.10.4+, and is ignored (redelivered) on 2.9")
    void termWithReasonTerminatesOnlyFrom2104(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "TERM");
            ConsumerContext consumer = Fixtures.consumer(
                    nc, stream, Fixtures.durable("C").ackWait(ACK_WAIT).build());
            long seq = Fixtures.publish(nc, stream.subject(), "poison");

            try (Advisories advisories = Advisories.listen(nc, Advisories.terminated(stream.name(), "C"))) {
                Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                long termAt = Timing.now();
                Message reply = nc.request(
                        d1.msg().getReplyTo(), "+TERM bad payload".getBytes(StandardCharsets.UTF_8), JsApi.API_TIMEOUT);
                assertThat(reply).as("the server answers the ack request").isNotNull();

                if (server.isAtLeast(Since.TERM_WITH_REASON)) {
                    JsonValue advisory = advisories.next(Duration.ofSeconds(5));
                    assertThat(string(advisory, "reason")).isEqualTo("bad payload");
                    assertThat(number(advisory, "stream_seq")).isEqualTo(seq);
                    JsApi.awaitStreamMessages(nc, stream.name(), 0, Duration.ofSeconds(5));
                    assertThat(Fixtures.next(consumer, ACK_WAIT.plusSeconds(1)))
                            .as("no redelivery after TERM with reason")
                            .isNull();
                } else {
                    assertThat(number(JsApi.consumerInfo(nc, stream.name(), "C"), "num_ack_pending"))
                            .as("still pending after an ignored +TERM <reason>")
                            .isEqualTo(1);
                    Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                    Timing.assertTimer(
                            server,
                            Duration.ofNanos(d2.receivedNanos() - termAt),
                            ACK_WAIT,
                            "ignored +TERM <reason> -> redelivery at AckWait");
                    assertThat(d2.deliveredCount()).isEqualTo(2);
                    assertThat(d2.streamSequence()).isEqualTo(seq);
                    advisories.assertNoneWithin(Duration.ofMillis(200));
                    assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                            .isEqualTo(1);
                    d2.msg().ackSync(JsApi.API_TIMEOUT);
                }
            }
        }
    }
}
