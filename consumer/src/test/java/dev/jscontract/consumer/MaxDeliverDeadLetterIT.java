package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MaxDeliveriesSwept;
import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.ConsumerEvent.RetryScheduled;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterHeaders;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * MD-001/MD-002, DLQ-001, design §5: a handler that always fails is dead-lettered on its last allowed delivery with a
 * complete envelope v1, and the envelope is stored once even when the sweeper (advisory path) fires for the same
 * message: both use the id {@code dlq-<stream>-<seq>}.
 */
@NatsServerMatrix
@WithNatsServer
class MaxDeliverDeadLetterIT {

    @Test
    void alwaysFailingIsDeadLetteredAfterExactlyFourDeliveriesWithCompleteHeadersAndStoredOnce(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "MD");
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(2))
                    .maxDeliver(4)
                    .backoff(Backoff.fixed(Duration.ofMillis(100)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .build();
            EventRecorder events = new EventRecorder();
            AtomicInteger calls = new AtomicInteger();
            Instant before = Instant.now();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        calls.incrementAndGet();
                        throw new IllegalStateException("ledger rejected\nline two of the reason");
                    })
                    .listeners(events)
                    .instance("billing-1")
                    .build()) {
                consumer.start();
                Headers h = new Headers().add("Trace-Id", "abc").add("Nats-Expected-Stream", stream.name());
                long seq = Fixtures.publish(nc, stream.subject(), h, "{\"order\":7}", "order-7");

                MessageDeadLettered dl = events.await(MessageDeadLettered.class, Duration.ofSeconds(10));
                assertThat(dl.reason()).isEqualTo(DeadLetterReason.HANDLER_ERROR);
                assertThat(dl.deliveryCount()).isEqualTo(4);
                assertThat(dl.duplicate()).isFalse();
                assertThat(calls).hasValue(4);
                assertThat(events.all(RetryScheduled.class))
                        .extracting(RetryScheduled::deliveryCount)
                        .containsExactly(1, 2, 3);

                String dlq = "DLQ_" + stream.name();
                MessageInfo stored = nc.jetStreamManagement().getMessage(dlq, dl.deadLetterSequence());
                assertThat(stored.getSubject()).isEqualTo("dlq." + stream.name() + ".billing");
                Headers sh = stored.getHeaders();
                assertThat(sh.getFirst("Nats-Msg-Id")).isEqualTo("dlq-" + stream.name() + "-" + seq);
                assertThat(sh.getFirst(DeadLetterHeaders.VERSION)).isEqualTo("1");
                assertThat(sh.getFirst(DeadLetterHeaders.ORIGINAL_STREAM)).isEqualTo(stream.name());
                assertThat(sh.getFirst(DeadLetterHeaders.ORIGINAL_SUBJECT)).isEqualTo(stream.subject());
                assertThat(sh.getFirst(DeadLetterHeaders.ORIGINAL_SEQUENCE)).isEqualTo(Long.toString(seq));
                assertThat(sh.getFirst(DeadLetterHeaders.ORIGINAL_MSG_ID)).isEqualTo("order-7");
                assertThat(sh.getFirst(DeadLetterHeaders.CONSUMER)).isEqualTo("billing");
                assertThat(sh.getFirst(DeadLetterHeaders.DELIVERIES)).isEqualTo("4");
                assertThat(sh.getFirst(DeadLetterHeaders.REASON)).isEqualTo("handler-error");
                assertThat(sh.getFirst(DeadLetterHeaders.ERROR_CLASS)).isEqualTo("java.lang.IllegalStateException");
                assertThat(sh.getFirst(DeadLetterHeaders.ERROR_MESSAGE))
                        .isEqualTo("ledger rejected\\nline two of the reason");
                assertThat(sh.getFirst(DeadLetterHeaders.ERROR_STACK))
                        .startsWith("java.lang.IllegalStateException: ledger rejected\\nline two");
                assertThat(sh.getFirst(DeadLetterHeaders.INSTANCE)).isEqualTo("billing-1");
                assertThat(sh.getFirst("Trace-Id")).isEqualTo("abc");
                assertThat(sh.get("Nats-Expected-Stream"))
                        .as("server directives are not copied")
                        .isNull();
                assertThat(new String(stored.getData(), StandardCharsets.UTF_8)).isEqualTo("{\"order\":7}");
                DeadLetterEnvelope env = DeadLetterEnvelope.read(sh, stored.getData());
                assertThat(env.getOriginalTimestamp()).isBetween(before.minusSeconds(5), Instant.now());
                assertThat(env.getDeadLetteredAt()).isBetween(env.getOriginalTimestamp(), Instant.now());
                assertThat(env.getErrorMessage()).contains("ledger rejected\nline two of the reason");
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "billing")
                                .getDelivered()
                                .getConsumerSequence())
                        .as("exactly four deliveries")
                        .isEqualTo(4);
                Fixtures.await("terminated: gone from the WorkQueue", Duration.ofSeconds(5), () -> {
                    try {
                        return !Fixtures.holds(nc, stream.name(), seq);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                // The advisory path fires for the same message (as after a lost term): the sweeper reads the
                // advisory from the capture stream and publishes with the same id, which the stream deduplicates.
                nc.publish(
                        DeadLetterPolicy.maxDeliveriesAdvisorySubject(stream.name(), "billing"),
                        ("{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\",\"id\":\"x\",\"timestamp\":\""
                                        + Instant.now() + "\",\"stream\":\"" + stream.name()
                                        + "\",\"consumer\":\"billing\",\"stream_seq\":" + seq + ",\"deliveries\":4}")
                                .getBytes(StandardCharsets.UTF_8));
                MaxDeliveriesSwept swept = events.await(MaxDeliveriesSwept.class, Duration.ofSeconds(10));
                assertThat(swept.streamSequence()).isEqualTo(seq);
                assertThat(swept.duplicate())
                        .as("already stored by the handler path")
                        .isTrue();
                assertThat(swept.deadLetterSequence()).isEqualTo(dl.deadLetterSequence());
                List<DeadLetterEnvelope> all = Fixtures.deadLetters(nc, dlq);
                assertThat(all).hasSize(1);
                assertThat(all.get(0).getReason()).isEqualTo(DeadLetterReason.HANDLER_ERROR);
            }
        }
    }

    @Test
    void theSweeperStillRecordsADeadLetterWhenTheOriginalIsGone(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.limits(nc, "MG");
            ConsumerContract contract = Fixtures.contract(stream, "gone").build();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(events)
                    .build()) {
                consumer.start();
                Instant advisedAt = Instant.parse("2026-11-23T05:00:00Z");
                // an advisory for a sequence limits already removed (DLQ-002)
                nc.publish(
                        DeadLetterPolicy.maxDeliveriesAdvisorySubject(stream.name(), "gone"),
                        ("{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\",\"id\":\"y\",\"timestamp\":\""
                                        + advisedAt + "\",\"stream\":\"" + stream.name()
                                        + "\",\"consumer\":\"gone\",\"stream_seq\":41,\"deliveries\":4}")
                                .getBytes(StandardCharsets.UTF_8));
                MaxDeliveriesSwept swept = events.await(MaxDeliveriesSwept.class, Duration.ofSeconds(10));
                assertThat(swept.originalFound()).isFalse();
                assertThat(swept.originalDeleted()).isFalse();
                DeadLetterEnvelope env =
                        Fixtures.deadLetters(nc, "DLQ_" + stream.name()).get(0);
                assertThat(env.getReason()).isEqualTo(DeadLetterReason.MAX_DELIVERIES);
                assertThat(env.getOriginalSequence()).isEqualTo(41);
                assertThat(env.getDeliveries()).isEqualTo(4);
                assertThat(env.getBody()).isEmpty();
                assertThat(env.getOriginalSubject())
                        .as("the advisory has no subject: the consumer's single filter subject is recorded")
                        .isEqualTo(stream.prefix() + ".>");
                assertThat(env.getOriginalTimestamp()).isEqualTo(advisedAt);
                assertThat(env.getErrorClass()).contains(DeadLetterHeaders.MAX_DELIVERIES_EXCEEDED);
                assertThat(env.getErrorMessage().orElseThrow()).contains("the original was gone from the stream");
            }
        }
    }
}
