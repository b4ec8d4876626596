package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerGate;
import dev.jscontract.consumer.DecodingException;
import dev.jscontract.consumer.FailureClassifier;
import dev.jscontract.consumer.Outcome;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.Await;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
        ContractBuilder b = ConsumerContract.builder().stream("ORDERS")
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
        return pipeline(contract, handler, classifier, gate, null, quietMonitor());
    }

    /** One slot, no heartbeats, no cap. */
    private static HeartbeatMonitor quietMonitor() {
        return new HeartbeatMonitor(1, null, null, new HeartbeatMonitor.Callbacks() {
            @Override
            public void heartbeatSent(Attempt attempt, Instant now) {}

            @Override
            public void timedOut(Attempt attempt, Instant now) {}
        });
    }

    private MessagePipeline pipeline(
            ConsumerContract contract,
            MessageInvoker handler,
            FailureClassifier classifier,
            @Nullable ConsumerGate gate,
            @Nullable DeadLetterWriter writer,
            HeartbeatMonitor monitor) {
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
                writer,
                null,
                monitor,
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

    @Test
    void aTimedOutHandlerKeepsItsSlotAndItsHeartbeatsUntilItsSlowDeadLetterPublishHasFinished() throws Exception {
        Duration interval = Duration.ofMillis(20);
        Duration cap = Duration.ofMillis(100);
        ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(1)
                .backoff(Backoff.fixed(Duration.ofMillis(5)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(16)
                .maxProcessingTime(cap)
                .build();
        OrderedTarget ordered = new OrderedTarget();
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        ExecutorService io = Executors.newSingleThreadExecutor(); // the runtime's I/O thread settles timed-out attempts
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AtomicReference<MessagePipeline> pipeline = new AtomicReference<>();
        HeartbeatMonitor monitor = new HeartbeatMonitor(1, interval, cap, new HeartbeatMonitor.Callbacks() {
            @Override
            public void heartbeatSent(Attempt attempt, Instant now) {}

            @Override
            public void timedOut(Attempt attempt, Instant now) {
                io.execute(() -> pipeline.get().settleTimedOut(attempt));
            }
        });
        pipeline.set(pipeline(
                contract,
                m -> Thread.sleep(60_000), // interrupted at the cap
                FailureClassifier.defaults(),
                null,
                new DeadLetterWriter(
                        slowJetStream(publishing, answer), "dlq.ORDERS.billing", "DLQ_ORDERS", Duration.ofSeconds(5)),
                monitor));
        AtomicReference<Throwable> workerFailure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                pipeline.get().process(0, JetStreamDeliveries.delivery(1, "order-42"), ordered);
            } catch (Throwable t) {
                workerFailure.set(t);
            }
        });
        try {
            worker.start();
            timer.scheduleAtFixedRate(() -> monitor.tick(Clock.systemUTC().instant()), 5, 5, TimeUnit.MILLISECONDS);
            assertThat(publishing.await(5, TimeUnit.SECONDS))
                    .as("the cap fires and the timeout path publishes the dead letter")
                    .isTrue();
            Attempt attempt = monitor.get(0);
            assertThat(attempt).as("the handler thread still holds its slot").isNotNull();
            assertThat(attempt.state()).isEqualTo(Attempt.State.TIMED_OUT);
            int before = ordered.heartbeats();
            Await.until(
                    "3 more heartbeats while the dead letter is being published",
                    Duration.ofSeconds(5),
                    () -> ordered.heartbeats() >= before + 3);
            assertThat(monitor.get(0))
                    .as("the slot is kept until the settle is done")
                    .isSameAs(attempt);
            assertThat(worker.isAlive())
                    .as("the handler thread waits for the settle")
                    .isTrue();
            assertThat(ordered.settles())
                    .as("nothing settled before the PubAck")
                    .isEmpty();

            answer.countDown();
            worker.join(5_000);
            assertThat(worker.isAlive()).isFalse();
            assertThat(workerFailure.get()).isNull();
            assertThat(monitor.get(0))
                    .as("the slot is free once the settle is done")
                    .isNull();
            timer.shutdownNow();
            io.shutdown(); // the handler thread is let go right before the term, which the I/O thread then sends
            assertThat(timer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(io.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(ordered.log())
                    .as("heartbeats up to the term, none after it, one term")
                    .endsWith("term")
                    .containsOnlyOnce("term");
            assertThat(attempt.state()).isEqualTo(Attempt.State.DONE);
            assertThat(all(ConsumerEvent.MessageDeadLettered.class))
                    .singleElement()
                    .satisfies(d -> {
                        assertThat(d.reason()).isEqualTo(DeadLetterReason.PROCESSING_TIMEOUT);
                        assertThat(d.deadLetterSequence()).isEqualTo(7);
                    });
        } finally {
            answer.countDown();
            timer.shutdownNow();
            io.shutdownNow();
            worker.interrupt();
            worker.join(5_000);
        }
    }

    @Test
    void aVirtualMachineErrorFromTheHandlerEndsProcessingWithoutASettleAndFreesTheSlot() throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("test");
        HeartbeatMonitor monitor = quietMonitor();
        MessagePipeline p = pipeline(
                contract(5, null),
                m -> {
                    throw oom;
                },
                FailureClassifier.defaults(),
                null,
                null,
                monitor);
        assertThatThrownBy(() -> p.process(0, delivery(1), target))
                .as("rethrown to the handler thread, which dies of it")
                .isSameAs(oom);
        assertThat(target.settles)
                .as("no ack, NAK or term: the server redelivers it after its ack deadline")
                .isEmpty();
        assertThat(all(ConsumerEvent.Settled.class)).isEmpty();
        assertThat(monitor.get(0)).isNull();
    }

    @Test
    void aStackOverflowInTheHandlerIsThatMessagesFailureNotTheConsumersEnd() throws Exception {
        // deep recursion on one payload must not halt the consumer for every other message: retried, then dead-lettered
        HeartbeatMonitor monitor = quietMonitor();
        pipeline(
                        contract(5, null),
                        m -> {
                            throw new StackOverflowError();
                        },
                        FailureClassifier.defaults(),
                        null,
                        null,
                        monitor)
                .process(0, delivery(1), target);
        assertThat(target.settles).containsExactly("nak PT0.005S");
        assertThat(monitor.get(0)).isNull();
    }

    /**
     * A JetStream context whose publish (the dead letter's) signals {@code publishing}, then answers with a PubAck
     * from DLQ_ORDERS (sequence 7) only once {@code answer} is counted down.
     */
    private static JetStream slowJetStream(CountDownLatch publishing, CountDownLatch answer) {
        return (JetStream) Proxy.newProxyInstance(
                JetStream.class.getClassLoader(), new Class<?>[] {JetStream.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "equals" -> proxy == args[0];
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> "slowJetStream";
                        };
                    }
                    if (method.getName().equals("publish")
                            && args != null
                            && args.length == 4
                            && args[3] instanceof PublishOptions) {
                        publishing.countDown();
                        if (!answer.await(10, TimeUnit.SECONDS)) {
                            throw new IOException("the test never let the publish answer");
                        }
                        return new PublishAck(new NatsMessage(
                                "_INBOX.ack",
                                null,
                                "{\"stream\":\"DLQ_ORDERS\",\"seq\":7}".getBytes(StandardCharsets.UTF_8)));
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    /** An ack target that records heartbeats and settles in the order they were sent; thread-safe. */
    private static final class OrderedTarget implements AckTarget {
        private final List<String> log = new CopyOnWriteArrayList<>();

        List<String> log() {
            return List.copyOf(log);
        }

        int heartbeats() {
            return (int) log.stream().filter("heartbeat"::equals).count();
        }

        List<String> settles() {
            return log.stream().filter(e -> !e.equals("heartbeat")).toList();
        }

        @Override
        public void inProgress() {
            log.add("heartbeat");
        }

        @Override
        public void ack() {
            log.add("ack");
        }

        @Override
        public void nakWithDelay(Duration delay) {
            log.add("nak " + delay);
        }

        @Override
        public void term() {
            log.add("term");
        }

        @Override
        public void releaseNow() {
            log.add("release");
        }
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
