package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.DeadLetterRateExceeded;
import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.ConsumerEvent.MessageDeadLettered;
import dev.jscontract.consumer.ConsumerEvent.PullingPaused;
import dev.jscontract.consumer.ConsumerEvent.PullingResumed;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter rate guard: when a bad deploy starts dead-lettering everything, pulling pauses (no further message
 * is delivered, so none is dead-lettered) and an event says why; after the pause the consumer resumes.
 */
@NatsServerMatrix
@WithNatsServer
class DeadLetterRateGuardIT {
    private static final Duration PAUSE = Duration.ofMillis(1500);

    @Test
    void tooManyDeadLettersPausePullingThenTheConsumerResumes(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "RG");
            ConsumerContract contract = Fixtures.contract(stream, "guarded").build();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        if (new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8).startsWith("bad")) {
                            throw new PermanentFailure("rejected by the new deploy");
                        }
                    })
                    .deadLetterRateGuard(DeadLetterRateGuard.builder()
                            .window(4)
                            .minimumDeliveries(4)
                            .maxShare(0.5)
                            .pause(PAUSE)
                            .build())
                    .listeners(events)
                    .build()) {
                consumer.start();
                for (int i = 0; i < 4; i++) {
                    Fixtures.publish(nc, stream.subject(), "bad " + i);
                }
                DeadLetterRateExceeded tripped = events.await(DeadLetterRateExceeded.class, Duration.ofSeconds(10));
                assertThat(tripped.deadLettered()).isEqualTo(4);
                assertThat(tripped.window()).isEqualTo(4);
                assertThat(tripped.share()).isEqualTo(1.0);
                assertThat(Duration.between(tripped.at(), tripped.pausedUntil()))
                        .isEqualTo(PAUSE);
                PullingPaused paused = events.await(PullingPaused.class, Duration.ofSeconds(1));
                assertThat(paused.cause()).isEqualTo(PauseCause.DEAD_LETTER_RATE);
                assertThat(consumer.getState())
                        .as("the pause is visible in the state, not only in events")
                        .isEqualTo(ConsumerState.PAUSED);
                assertThat(consumer.getHealth().getPauseCause()).contains(PauseCause.DEAD_LETTER_RATE);
                assertThat(consumer.getHealth().getSince())
                        .isBetween(tripped.at().minusSeconds(1), Instant.now());

                Instant publishedAt = Instant.now();
                Fixtures.publish(nc, stream.subject(), "good");
                Thread.sleep(PAUSE.toMillis() / 2);
                assertThat(events.count(MessageAcked.class))
                        .as("nothing delivered while paused")
                        .isZero();
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "guarded")
                                .getDelivered()
                                .getConsumerSequence())
                        .isEqualTo(4);

                PullingResumed resumed = events.await(PullingResumed.class, PAUSE.plusSeconds(5));
                assertThat(resumed.cause()).isEqualTo(PauseCause.DEAD_LETTER_RATE);
                Fixtures.await(
                        "RUNNING after the pause",
                        Duration.ofSeconds(2),
                        () -> consumer.getState() == ConsumerState.RUNNING);
                MessageAcked good = events.await(MessageAcked.class, Duration.ofSeconds(5));
                assertThat(Duration.between(publishedAt, good.at()))
                        .as("the good message waited for the pause")
                        .isGreaterThanOrEqualTo(PAUSE.minusMillis(400));
                assertThat(events.count(MessageDeadLettered.class)).isEqualTo(4);
            }
        }
    }
}
