package dev.jscontract.testing.semantics;

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
 * <b>B-03</b> (the ack deadline of delivery <i>n</i> is BackOff[min(n-1, len-1)]) and <b>B-07</b> (in progress,
 * {@code +WPI}, restarts the <em>current</em> delivery's full deadline, any number of times). Ground for BO-002
 * (BackOff[0] is the first attempt's processing window, not a retry delay) and the heartbeat rules HB-*.
 *
 * <p>Each gap is measured from the client's receipt of one delivery (or the send of a WPI) to the receipt of the
 * next, with a pull request already waiting, and asserted with {@link Timing}'s tolerances.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-03, B-07: per-delivery ack deadlines from BackOff, and in-progress")
class AckDeadlineIT {
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final Duration LATER = Duration.ofSeconds(3);
    private static final Duration PULL_WAIT = Duration.ofSeconds(8);

    /**
     * B-03 and B-07 with {@code backoff=[1s,3s]}: delivery 1 is redelivered after BackOff[0] = 1 s; a WPI sent
     * 1.5 s into delivery 2 gives delivery 2 its full BackOff[1] = 3 s again (not the 1.5 s left, not BackOff[0]);
     * delivery 3 is redelivered after 3 s (the last entry repeats). A WPI sent as a request gets an empty reply.
     */
    @Test
    @DisplayName(
            "B-03/B-07: backoff [1s,3s]: 1s, then WPI restarts delivery 2's 3s deadline, then the last entry repeats")
    void backoffEntryIsTheDeadlineOfEachDeliveryAndWpiRestartsIt(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DL");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").backoff(FIRST, LATER).maxDeliver(5).build());
            Fixtures.publish(nc, stream.subject(), "job");

            Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(
                    server, Duration.ofNanos(d2.receivedNanos() - d1.receivedNanos()), FIRST, "delivery 1 -> 2");
            assertThat(d2.deliveredCount()).isEqualTo(2);

            Thread.sleep(1500);
            long wpiAt = Timing.now();
            Message wpiReply =
                    nc.request(d2.msg().getReplyTo(), "+WPI".getBytes(StandardCharsets.UTF_8), JsApi.API_TIMEOUT);
            assertThat(wpiReply).as("the server answers a +WPI request").isNotNull();
            assertThat(Objects.requireNonNull(wpiReply).getData())
                    .as("empty WPI reply")
                    .isEmpty();

            Fixtures.Delivery d3 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(
                    server, Duration.ofNanos(d3.receivedNanos() - wpiAt), LATER, "WPI on delivery 2 -> delivery 3");
            assertThat(d3.deliveredCount()).isEqualTo(3);

            Fixtures.Delivery d4 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(
                    server,
                    Duration.ofNanos(d4.receivedNanos() - d3.receivedNanos()),
                    LATER,
                    "delivery 3 -> 4 (last entry)");
            assertThat(d4.deliveredCount()).isEqualTo(4);
            d4.msg().ackSync(JsApi.API_TIMEOUT);
        }
    }

    /**
     * B-07 without BackOff ({@code ack_wait=1s}): fire-and-forget {@code inProgress()} every 400 ms keeps one
     * delivery alive for 3 s (three AckWaits) with no redelivery; after the last WPI the message is redelivered one
     * AckWait later. There is no limit on the number of WPIs.
     */
    @Test
    @DisplayName(
            "B-07: repeated inProgress() keeps a delivery alive past several AckWaits; redelivery one AckWait after the last")
    void repeatedInProgressKeepsTheDeliveryAlive(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DL");
            ConsumerContext consumer = Fixtures.consumer(
                    nc, stream, Fixtures.durable("C").ackWait(FIRST).build());
            Fixtures.publish(nc, stream.subject(), "job");

            Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            long lastWpi = Timing.now();
            while (Timing.since(d1.receivedNanos()).compareTo(Duration.ofSeconds(3)) < 0) {
                d1.msg().inProgress();
                lastWpi = Timing.now();
                Thread.sleep(400);
            }
            JsonValue info = JsApi.consumerInfo(nc, stream.name(), "C");
            assertThat(JsApi.number(info, "num_redelivered"))
                    .as("no redelivery while WPIs flow")
                    .isZero();
            assertThat(JsApi.number(info, "num_ack_pending")).isEqualTo(1);

            Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(server, Duration.ofNanos(d2.receivedNanos() - lastWpi), FIRST, "last WPI -> redelivery");
            assertThat(d2.deliveredCount()).isEqualTo(2);
            d2.msg().ackSync(JsApi.API_TIMEOUT);
        }
    }
}
