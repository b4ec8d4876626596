package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.number;
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
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-16</b> (AckWait starts when the server sends a message, so a message left in the client's buffer times out
 * and is redelivered) and <b>B-06</b> (acks are matched by stream sequence only: an ack from the stale first copy,
 * sent after the redelivery, settles the message). Ground for BUF-001 and IDEM-001.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-16, B-06: buffered messages time out; a late ack settles a redelivered message")
class BufferedDeliveryIT {
    private static final Duration ACK_WAIT = Duration.ofSeconds(2);

    /**
     * {@code ack_wait=2s}: one pull of 2 messages; the first is acked at once, the second is read from the jnats
     * buffer only after 2.5 s. The next pull gets the second message again with delivery count 2 (B-16). Then a
     * {@code +ACK} on the stale first copy (delivery count 1) settles it: nothing pending, and no third delivery
     * within another AckWait (B-06).
     */
    @Test
    @DisplayName("B-16/B-06: a message buffered past AckWait is redelivered (dc=2); the late ack on copy 1 settles it")
    void bufferedMessageExpiresAndTheStaleAckSettlesIt(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "BUF");
            ConsumerContext consumer = Fixtures.consumer(
                    nc, stream, Fixtures.durable("C").ackWait(ACK_WAIT).build());
            long first = Fixtures.publish(nc, stream.subject(), "one");
            long second = Fixtures.publish(nc, stream.subject(), "two");

            Message staleCopy;
            try (FetchConsumer batch = consumer.fetch(FetchConsumeOptions.builder()
                    .maxMessages(2)
                    .expiresIn(ACK_WAIT.toMillis())
                    .build())) {
                Message m1 = Objects.requireNonNull(batch.nextMessage());
                assertThat(m1.metaData().streamSequence()).isEqualTo(first);
                m1.ackSync(JsApi.API_TIMEOUT);

                Thread.sleep(ACK_WAIT.toMillis() + 500);
                staleCopy = Objects.requireNonNull(batch.nextMessage(), "second message still buffered");
            }
            assertThat(staleCopy.metaData().streamSequence()).isEqualTo(second);
            assertThat(staleCopy.metaData().deliveredCount()).isEqualTo(1);

            Fixtures.Delivery redelivered = Objects.requireNonNull(Fixtures.next(consumer, Duration.ofSeconds(3)));
            assertThat(redelivered.streamSequence()).isEqualTo(second);
            assertThat(redelivered.deliveredCount())
                    .as("the buffered copy expired while unread")
                    .isEqualTo(2);

            staleCopy.ackSync(JsApi.API_TIMEOUT);
            JsonValue info = JsApi.consumerInfo(nc, stream.name(), "C");
            assertThat(number(info, "num_ack_pending"))
                    .as("the ack from delivery 1 settled the redelivered message")
                    .isZero();
            assertThat(number(info, "ack_floor", "stream_seq")).isEqualTo(second);
            assertThat(Fixtures.next(consumer, ACK_WAIT.plusSeconds(1)))
                    .as("no redelivery after the late ack")
                    .isNull();
        }
    }
}
