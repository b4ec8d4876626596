package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.HeartbeatSent;
import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.ConsumerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * B-07, B-16, ACK-003, HB-001: a handler that takes 7 s under a 2 s ack wait is delivered once and acked, because the
 * runtime sends {@code inProgress()} every third of the read-back ack deadline while it runs.
 */
@NatsServerMatrix
@WithNatsServer
class SlowHandlerHeartbeatIT {
    private static final Duration HANDLER = Duration.ofSeconds(7);

    @Test
    void aSevenSecondHandlerUnderATwoSecondAckWaitIsDeliveredExactlyOnceAndAcked(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "HB");
            ConsumerContract contract = Fixtures.contract(stream, "slow")
                    .maxProcessingTime(Duration.ofSeconds(30))
                    .build();
            EventRecorder events = new EventRecorder();
            List<Long> deliveries = Collections.synchronizedList(new ArrayList<>());
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        deliveries.add(m.metaData().deliveredCount());
                        Thread.sleep(HANDLER.toMillis());
                    })
                    .listeners(events)
                    .build()) {
                consumer.start();
                assertThat(consumer.getHeartbeatInterval())
                        .as("a third of the 2 s ack wait read back from the server")
                        .contains(Duration.ofSeconds(2).dividedBy(3));
                long seq = Fixtures.publish(nc, stream.subject(), "slow work");

                MessageAcked acked = events.await(MessageAcked.class, HANDLER.plusSeconds(10));
                assertThat(acked.streamSequence()).isEqualTo(seq);
                assertThat(acked.deliveryCount()).isEqualTo(1);
                assertThat(acked.handlerTime()).isGreaterThanOrEqualTo(HANDLER);
                assertThat(acked.ackDeadline()).isEqualTo(Duration.ofSeconds(2));

                List<HeartbeatSent> heartbeats = events.all(HeartbeatSent.class);
                assertThat(heartbeats)
                        .as("about one per 667 ms over 7 s")
                        .hasSizeGreaterThanOrEqualTo(7)
                        .allSatisfy(h -> {
                            assertThat(h.streamSequence()).isEqualTo(seq);
                            assertThat(h.deliveryCount()).isEqualTo(1);
                        });
                for (int i = 1; i < heartbeats.size(); i++) {
                    assertThat(Duration.between(
                                    heartbeats.get(i - 1).at(),
                                    heartbeats.get(i).at()))
                            .as("gap between heartbeats %d and %d", i - 1, i)
                            .isLessThan(Duration.ofMillis(1500));
                }

                // one more ack wait: a redelivery would show up now
                Thread.sleep(2500);
                assertThat(deliveries).containsExactly(1L);
                ConsumerInfo ci = Fixtures.consumerInfo(nc, stream.name(), "slow");
                assertThat(ci.getDelivered().getConsumerSequence())
                        .as("the server delivered once")
                        .isEqualTo(1);
                assertThat(ci.getRedelivered()).isZero();
                assertThat(ci.getNumAckPending()).isZero();
                assertThat(Fixtures.messageCount(nc, stream.name()))
                        .as("acked: gone from the WorkQueue stream")
                        .isZero();
                assertThat(events.all(HeartbeatSent.class))
                        .as("no heartbeat after the ack")
                        .hasSameSizeAs(heartbeats);
            }
        }
    }
}
