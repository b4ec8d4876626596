package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-17</b>: a client that disconnects does not release its delivered-but-unacked messages; they come back only
 * when their AckWait expires. Ground for OPS-001 (a long AckWait is failover latency).
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-17: a disconnect does not trigger redelivery")
class DisconnectIT {
    private static final Duration ACK_WAIT = Duration.ofSeconds(2);

    /**
     * {@code ack_wait=2s}: connection A receives the message and closes at once without acking; connection B then
     * pulls and gets it as delivery 2 only when A's AckWait runs out, about 2 s after A received it, not at the
     * disconnect.
     */
    @Test
    @DisplayName("B-17: unacked message of a closed connection is redelivered at AckWait, not at the disconnect")
    void closedConnectionsMessageWaitsForAckWait(NatsServer server) throws Exception {
        try (Connection b = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(b, "DISC");
            Fixtures.consumer(b, stream, Fixtures.durable("C").ackWait(ACK_WAIT).build());
            long seq = Fixtures.publish(b, stream.subject(), "job");

            Fixtures.Delivery first;
            try (Connection a = server.connect()) {
                ConsumerContext onA = a.getConsumerContext(stream.name(), "C");
                first = Objects.requireNonNull(Fixtures.next(onA, Duration.ofSeconds(5)));
            }
            long closedAt = Timing.now();
            ConsumerContext onB = b.getConsumerContext(stream.name(), "C");
            Fixtures.Delivery second = Objects.requireNonNull(Fixtures.next(onB, Duration.ofSeconds(6)));

            assertThat(second.streamSequence()).isEqualTo(seq);
            assertThat(second.deliveredCount()).isEqualTo(2);
            Timing.assertTimer(
                    server,
                    Duration.ofNanos(second.receivedNanos() - first.receivedNanos()),
                    ACK_WAIT,
                    "delivery to A -> redelivery to B after A closed");
            assertThat(Duration.ofNanos(closedAt - first.receivedNanos()))
                    .as("precondition: A closed long before its AckWait ran out")
                    .isLessThan(Duration.ofSeconds(1));
            second.msg().ackSync(JsApi.API_TIMEOUT);
        }
    }
}
