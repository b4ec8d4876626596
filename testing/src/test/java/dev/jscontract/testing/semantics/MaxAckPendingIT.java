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
 * <b>B-15</b>: once {@code len(pending) >= MaxAckPending} the server delivers nothing more to the consumer until an
 * ack frees a slot; a waiting pull request is then served at once. Ground for MAP-001.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-15: MaxAckPending gates delivery")
class MaxAckPendingIT {

    /**
     * {@code max_ack_pending=1}, three messages, one pull for 3 waiting 6 s: only the first is delivered (1 s later
     * the server still reports one delivered, one pending ack, two pending messages and the pull waiting); acking it
     * makes the second arrive on the same pull at once; the third follows its ack.
     */
    @Test
    @DisplayName("B-15: max_ack_pending=1 with a batch of 3: one message until it is acked, then the next at once")
    void maxAckPendingGatesDeliveryUntilAnAck(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "MAP");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C")
                            .ackWait(Duration.ofSeconds(30))
                            .maxAckPending(1)
                            .build());
            for (int i = 1; i <= 3; i++) {
                Fixtures.publish(nc, stream.subject(), "m" + i);
            }

            try (FetchConsumer batch = consumer.fetch(
                    FetchConsumeOptions.builder().maxMessages(3).expiresIn(6000).build())) {
                Message m1 = Objects.requireNonNull(batch.nextMessage());
                assertThat(m1.metaData().streamSequence()).isEqualTo(1);
                // The pull for 3 is still waiting, two messages are available, and the server holds them back.
                Thread.sleep(1000);
                JsonValue info = JsApi.consumerInfo(nc, stream.name(), "C");
                assertThat(number(info, "delivered", "stream_seq"))
                        .as("nothing delivered beyond message 1 while it is pending")
                        .isEqualTo(1);
                assertThat(number(info, "num_ack_pending")).isEqualTo(1);
                assertThat(number(info, "num_pending")).isEqualTo(2);
                assertThat(number(info, "num_waiting"))
                        .as("the pull request is still waiting")
                        .isEqualTo(1);

                long ackAt = Timing.now();
                m1.ackSync(JsApi.API_TIMEOUT);
                Message m2 = Objects.requireNonNull(batch.nextMessage(), "second message after the ack");
                Timing.assertImmediate(server, Timing.since(ackAt), "ack of message 1 -> message 2");
                assertThat(m2.metaData().streamSequence()).isEqualTo(2);

                ackAt = Timing.now();
                m2.ackSync(JsApi.API_TIMEOUT);
                Message m3 = Objects.requireNonNull(batch.nextMessage(), "third message after the ack");
                Timing.assertImmediate(server, Timing.since(ackAt), "ack of message 2 -> message 3");
                assertThat(m3.metaData().streamSequence()).isEqualTo(3);
                m3.ackSync(JsApi.API_TIMEOUT);
            }
        }
    }
}
