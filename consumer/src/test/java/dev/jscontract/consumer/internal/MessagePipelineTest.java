package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerGate;
import dev.jscontract.consumer.DecodingException;
import dev.jscontract.consumer.FailureClassifier;
import dev.jscontract.consumer.Outcome;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The per-delivery decisions of the pipeline against a fake ack target and gate (no server): what is acked, NAKed,
 * terminated, held or released, and what the gate is told. Backoffs are a few milliseconds, so held messages are
 * retried quickly.
 */
class MessagePipelineTest {
    private final HeartbeatMonitorTest.FakeTarget target = new HeartbeatMonitorTest.FakeTarget();
    private final List<ConsumerEvent> events = new CopyOnWriteArrayList<>();
    private final EventBus bus = new EventBus(List.of(events::add), Clock.systemUTC(), "ORDERS", "billing");
    private final HealthTracker health = new HealthTracker(bus);

    private static ConsumerContract contract(int maxDeliver, @Nullable Duration maxProcessingTime) {
        ConsumerContract.Builder b = ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(maxDeliver)
                .backoff(Backoff.fixed(Duration.ofMillis(5)))
                .deadLetter(DeadLetterPolicy.none())
                .maxAckPending(16);
        if (maxProcessingTime != null) {
            b.maxProcessingTime(maxProcessingTime);
        }
        return b.build();
    }

    private MessagePipeline pipeline(
            ConsumerContract contract,
            MessageInvoker handler,
            FailureClassifier classifier,
            @Nullable ConsumerGate gate) {
        PullEngine engine = new PullEngine(
                new FakeTransport(),
                "ORDERS",
                "billing",
                new PullPlanner(1, 1),
                Duration.ofSeconds(5),
                Clock.systemUTC(),
                bus,
                health,
                Duration.ofMinutes(1));
        return new MessagePipeline(
                contract,
                new Deadlines(Duration.ofSeconds(30), List.of(), contract.getMaxDeliver()),
                handler,
                classifier,
                gate,
                null,
                null,
                new HeartbeatMonitor(1, null, null, new HeartbeatMonitor.Callbacks() {
                    @Override
                    public void heartbeatSent(Attempt attempt, java.time.Instant now) {}

                    @Override
                    public void timedOut(Attempt attempt, java.time.Instant now) {}
                }),
                bus,
                Clock.systemUTC(),
                "test",
                engine);
    }

    private static Message delivery(int delivered) {
        return new NatsMessage(
                "orders.created", "$JS.ACK.ORDERS.billing." + delivered + ".42.1.1700000000000000000.0", new byte[0]);
    }

    private <T extends ConsumerEvent> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConsumerEvent e : events) {
            if (type.isInstance(e)) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    @Test
    void aSuccessIsAckedAndToldToTheGate() throws Exception {
        FakeGate gate = new FakeGate();
        pipeline(contract(5, null), m -> {}, FailureClassifier.defaults(), gate).process(0, delivery(1), target);
        assertThat(target.settles).containsExactly("ack");
        assertThat(gate.log).containsExactly("acquire", "success");
        assertThat(all(ConsumerEvent.Settled.class)).singleElement().satisfies(s -> assertThat(s.outcome())
                .isEqualTo(Outcome.ACKED));
    }

    @Test
    void aRetryableFailureIsNakedWithTheBackoffNeverAPlainNak() throws Exception {
        pipeline(
                        contract(5, null),
                        m -> {
                            throw new IOException("flaky");
                        },
                        FailureClassifier.defaults(),
                        null)
                .process(0, delivery(1), target);
        assertThat(target.settles).containsExactly("nak PT0.005S");
    }

    @Test
    void theLastAllowedDeliveryIsTerminatedWhenThePolicyHasNoDeadLetters() throws Exception {
        pipeline(
                        contract(3, null),
                        m -> {
                            throw new IOException("still flaky");
                        },
                        FailureClassifier.defaults(),
                        null)
                .process(0, delivery(3), target);
        assertThat(target.settles).containsExactly("term");
        assertThat(all(ConsumerEvent.MessageTerminated.class)).hasSize(1);
    }

    @Test
    void aPoisonPayloadIsTerminatedAtOnceAndReleasesTheGatePermission() throws Exception {
        FakeGate gate = new FakeGate();
        pipeline(
                        contract(5, null),
                        m -> {
                            throw new DecodingException("not JSON");
                        },
                        FailureClassifier.defaults(),
                        gate)
                .process(0, delivery(1), target);
        assertThat(target.settles).containsExactly("term");
        assertThat(gate.log).containsExactly("acquire", "release");
    }

    @Test
    void aFailureWhileStoppingIsAReleaseNotAFailure() throws Exception {
        FakeGate gate = new FakeGate();
        MessagePipeline[] p = new MessagePipeline[1];
        p[0] = pipeline(
                contract(1, null),
                m -> {
                    p[0].stop(); // the consumer stops while the handler runs, and the handler is interrupted
                    throw new InterruptedException("closing");
                },
                FailureClassifier.defaults(),
                gate);
        p[0].process(0, delivery(1), target);
        assertThat(target.settles)
                .as("no NAK with backoff, no term on the last delivery")
                .containsExactly("release");
        assertThat(gate.log).containsExactly("acquire", "release");
        assertThat(all(ConsumerEvent.MessageReleased.class)).singleElement().satisfies(r -> assertThat(r.cause())
                .isEqualTo(ConsumerEvent.ReleaseCause.SHUTDOWN));
    }

    @Test
    void afterTheConsumerClosedAFailureSendsNothing() throws Exception {
        MessagePipeline p = pipeline(
                contract(5, null),
                m -> {
                    throw new IOException("late");
                },
                FailureClassifier.defaults(),
                null);
        p.closed();
        p.process(0, delivery(1), target);
        assertThat(target.settles)
                .as("a late NAK would hit the next delivery (B-06)")
                .isEmpty();
    }

    @Test
    void aFailureWhileTheGateSaysTheDownstreamIsDownIsHeldAndRetriedInProcess() throws Exception {
        FakeGate gate = new FakeGate();
        gate.downstreamFailing.set(true);
        AtomicInteger calls = new AtomicInteger();
        pipeline(
                        contract(5, null),
                        m -> {
                            if (calls.incrementAndGet() < 3) {
                                throw new IOException("down");
                            }
                            gate.downstreamFailing.set(false);
                        },
                        FailureClassifier.defaults(),
                        gate)
                .process(0, delivery(1), target);
        assertThat(target.settles).as("held twice, then acked: no NAK").containsExactly("ack");
        assertThat(calls).hasValue(3);
        assertThat(all(ConsumerEvent.MessageHeld.class))
                .extracting(ConsumerEvent.MessageHeld::localAttempt)
                .containsExactly(1, 2);
        assertThat(gate.log).containsExactly("acquire", "failure", "acquire", "failure", "acquire", "success");
    }

    @Test
    void aDependencyDownFailureIsHeldUntilTheHoldLimitThenReleasedWithTheBackoff() throws Exception {
        pipeline(
                        contract(5, Duration.ofMillis(200)),
                        m -> {
                            throw new ConnectException("refused");
                        },
                        FailureClassifier.defaults().withDependencyDown(ConnectException.class),
                        null)
                .process(0, delivery(1), target);
        assertThat(target.settles).as("released, not retried as a failure").containsExactly("nak PT0.005S");
        assertThat(all(ConsumerEvent.MessageHeld.class)).hasSizeGreaterThan(3);
        assertThat(all(ConsumerEvent.MessageReleased.class)).singleElement().satisfies(r -> assertThat(r.cause())
                .isEqualTo(ConsumerEvent.ReleaseCause.HOLD_LIMIT));
    }

    @Test
    void onItsLastDeliveryAHeldMessageIsNotReleasedAtTheHoldLimit() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        pipeline(
                        contract(2, Duration.ofMillis(100)),
                        m -> {
                            if (calls.incrementAndGet() > 60) {
                                down.set(false); // well past the 100 ms hold limit
                            }
                            if (down.get()) {
                                throw new ConnectException("refused");
                            }
                        },
                        FailureClassifier.defaults().withDependencyDown(ConnectException.class),
                        null)
                .process(0, delivery(2), target);
        assertThat(target.settles)
                .as("releasing would make the server give up on a healthy message")
                .containsExactly("ack");
        assertThat(all(ConsumerEvent.MessageReleased.class)).isEmpty();
    }

    /** A gate that records what it is told; permission is always given. */
    private static final class FakeGate implements ConsumerGate {
        final List<String> log = new CopyOnWriteArrayList<>();
        final AtomicBoolean downstreamFailing = new AtomicBoolean();

        @Override
        public boolean allowsPulling() {
            return true;
        }

        @Override
        public boolean tryAcquire() {
            log.add("acquire");
            return true;
        }

        @Override
        public void onSuccess(Duration duration) {
            log.add("success");
        }

        @Override
        public void onFailure(Duration duration, Throwable failure) {
            log.add("failure");
        }

        @Override
        public void release() {
            log.add("release");
        }

        @Override
        public boolean isDownstreamFailing() {
            return downstreamFailing.get();
        }
    }
}
