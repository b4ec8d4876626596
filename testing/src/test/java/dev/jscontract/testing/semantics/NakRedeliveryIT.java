package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-08</b> (a plain NAK redelivers at once; BackOff is not applied), <b>B-09</b> (NAK with delay on delivery
 * <i>n</i> waits {@code delay + BackOff[min(n-1,len-1)] - BackOff[0]}) and <b>B-26</b> (the delivery count goes up by
 * one per redelivery, NAK-driven ones included; the stream sequence is the stable identity, the consumer sequence is
 * not). Ground for NAK-001, NAK-002 and IDEM-001.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-08, B-09, B-26: NAK, NAK with delay under BackOff, delivery count")
class NakRedeliveryIT {
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final Duration LATER = Duration.ofSeconds(3);
    private static final Duration NAK_DELAY = Duration.ofSeconds(1);
    private static final Duration PULL_WAIT = Duration.ofSeconds(8);

    /**
     * With {@code backoff=[1s,3s]}: {@code nakWithDelay(1s)} on delivery 1 waits 1 s (1 + 1 - 1); the same call on
     * delivery 2 waits 3 s (1 + 3 - 1), not 1 s; a plain {@code nak()} on delivery 3 redelivers immediately despite
     * the 3 s BackOff entry. Delivery counts read 1, 2, 3, 4 with one stream sequence and four consumer sequences.
     */
    @Test
    @DisplayName("B-08/B-09/B-26: backoff [1s,3s]: nakWithDelay(1s) waits 1s then 3s; plain nak is immediate; dc 1..4")
    void nakDelayIsStretchedByBackoffAndPlainNakIsImmediate(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NAK");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").backoff(FIRST, LATER).maxDeliver(5).build());
            long seq = Fixtures.publish(nc, stream.subject(), "job");

            Fixtures.Delivery d1 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            long nak1 = Timing.now();
            d1.msg().nakWithDelay(NAK_DELAY);
            Fixtures.Delivery d2 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(
                    server,
                    Duration.ofNanos(d2.receivedNanos() - nak1),
                    NAK_DELAY,
                    "nakWithDelay(1s) on delivery 1 -> delivery 2 (1 + 1 - 1)");

            long nak2 = Timing.now();
            d2.msg().nakWithDelay(NAK_DELAY);
            Fixtures.Delivery d3 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertTimer(
                    server,
                    Duration.ofNanos(d3.receivedNanos() - nak2),
                    NAK_DELAY.plus(LATER).minus(FIRST),
                    "nakWithDelay(1s) on delivery 2 -> delivery 3 (1 + 3 - 1)");

            long nak3 = Timing.now();
            d3.msg().nak();
            Fixtures.Delivery d4 = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            Timing.assertImmediate(
                    server, Duration.ofNanos(d4.receivedNanos() - nak3), "plain nak on delivery 3 -> delivery 4");
            d4.msg().ackSync(JsApi.API_TIMEOUT);

            List<Fixtures.Delivery> all = List.of(d1, d2, d3, d4);
            assertThat(all).extracting(Fixtures.Delivery::deliveredCount).containsExactly(1L, 2L, 3L, 4L);
            assertThat(all).extracting(Fixtures.Delivery::streamSequence).containsOnly(seq);
            assertThat(all).extracting(Fixtures.Delivery::consumerSequence).doesNotHaveDuplicates();
            assertThat(all)
                    .extracting(d -> d.msg().metaData().consumerSequence())
                    .isSorted();
        }
    }

    /**
     * B-08 without BackOff ({@code ack_wait=2s}): a plain NAK redelivers at once, twice in a row; both redeliveries
     * count ({@code num_redelivered}, delivery count 3).
     */
    @Test
    @DisplayName("B-08: plain nak redelivers immediately every time, and each counts as a delivery")
    void plainNakRedeliversImmediately(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NAK");
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    stream,
                    Fixtures.durable("C").ackWait(Duration.ofSeconds(2)).build());
            Fixtures.publish(nc, stream.subject(), "job");

            Fixtures.Delivery current = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
            for (int attempt = 2; attempt <= 3; attempt++) {
                long nakAt = Timing.now();
                current.msg().nak();
                current = Objects.requireNonNull(Fixtures.next(consumer, PULL_WAIT));
                Timing.assertImmediate(
                        server, Duration.ofNanos(current.receivedNanos() - nakAt), "plain nak -> delivery " + attempt);
                assertThat(current.deliveredCount()).isEqualTo(attempt);
            }
            current.msg().ackSync(JsApi.API_TIMEOUT);
            assertThat(JsApi.number(JsApi.consumerInfo(nc, stream.name(), "C"), "num_ack_pending"))
                    .isZero();
        }
    }
}
