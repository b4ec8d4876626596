package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.ContractAssertions;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Each lint rule that is about server behaviour, shown on a real server of every version: the configuration the
 * rule flags produces the failure the rule describes, and (where there is one) the configuration it accepts does
 * not. The linter's verdict is asserted next to the server's behaviour.
 */
@NatsServerMatrix
@WithNatsServer
@Execution(ExecutionMode.CONCURRENT)
class LintRulesIT {
    private static final AtomicInteger IDS = new AtomicInteger();

    private Connection nc;
    private JetStreamManagement jsm;
    private JetStream js;
    private ServerVersion version;
    private String stream;
    private String subject;

    @BeforeEach
    void setUp(NatsServer server) throws Exception {
        nc = server.connect();
        jsm = nc.jetStreamManagement();
        js = nc.jetStream();
        version = ServerVersion.of(nc);
        stream = "LINT" + IDS.incrementAndGet();
        subject = stream.toLowerCase(Locale.ROOT);
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(subject + ".>")
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .build());
    }

    @AfterEach
    void tearDown() throws Exception {
        nc.close();
    }

    private ContractBuilder contract(Duration ackWait, int maxDeliver) {
        return ConsumerContract.builder().stream(stream)
                .durable("worker")
                .ackWait(ackWait)
                .maxDeliver(maxDeliver)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(10);
    }

    private JetStreamSubscription create(ConsumerContract c) throws Exception {
        jsm.addOrUpdateConsumer(stream, c.toConsumerConfiguration(version));
        return js.subscribe(null, PullSubscribeOptions.bind(stream, c.getDurable()));
    }

    private void publish(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            js.publish(subject + ".m", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Message one(JetStreamSubscription sub, Duration wait) throws Exception {
        List<Message> got = sub.fetch(1, wait);
        return got.isEmpty() ? null : got.get(0);
    }

    private static long seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void bo003MaxDeliverNotAboveBackoffLengthFailsWith10116WhereTheLinterSaysSo() {
        ConsumerContract c = contract(Duration.ofSeconds(1), 2)
                .serverBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .build();
        boolean predicted = ContractLinter.lint(c, version).has("BO-003");
        assertThat(predicted).isEqualTo(version.isBefore(ServerVersion.V2_10_23));
        if (predicted) {
            assertThatThrownBy(() -> jsm.addOrUpdateConsumer(stream, c.toConsumerConfiguration(version)))
                    .isInstanceOf(JetStreamApiException.class)
                    .satisfies(e -> assertThat(((JetStreamApiException) e).getApiErrorCode())
                            .isEqualTo(10116));
        } else {
            assertThat(jsm_add(c).getMaxDeliver()).isEqualTo(2);
        }
        // the portable rule flags it everywhere: maxDeliver 3 passes on every version
        assertThat(ContractLinter.lint(c).has("BO-003")).isTrue();
        ConsumerContract fixed = c.toBuilder().maxDeliver(3).build();
        assertThat(ContractLinter.lint(fixed, version).has("BO-003")).isFalse();
        assertThat(jsm_add(fixed).getMaxDeliver()).isEqualTo(3);
    }

    private ConsumerConfiguration jsm_add(ConsumerContract c) {
        try {
            return jsm.addOrUpdateConsumer(stream, c.toConsumerConfiguration(version))
                    .getConsumerConfiguration();
        } catch (Exception e) {
            throw new AssertionError("the server refused " + c + ": " + e, e);
        }
    }

    @Test
    void ver001FilterSubjectsAreDroppedBy29SoTheConsumerReceivesEverySubject() throws Exception {
        ConsumerContract c = contract(Duration.ofSeconds(5), 3)
                .filterSubjects(subject + ".a", subject + ".b")
                .build();
        boolean predicted = ContractLinter.lint(c, version).has("VER-001");
        assertThat(predicted).isEqualTo(version.isBefore(ServerVersion.V2_10_0));
        // send what a 2.10-minded client sends, bypassing jnats' own version guard
        String body = "{\"stream_name\":\"" + stream + "\",\"config\":{\"durable_name\":\"worker\","
                + "\"ack_policy\":\"explicit\",\"filter_subjects\":[\"" + subject + ".a\",\"" + subject + ".b\"]}}";
        Message reply = nc.request(
                "$JS.API.CONSUMER.CREATE." + stream + ".worker",
                body.getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(5));
        assertThat(new String(reply.getData(), StandardCharsets.UTF_8)).doesNotContain("\"error\"");
        js.publish(subject + ".a", "a".getBytes(StandardCharsets.UTF_8));
        js.publish(subject + ".b", "b".getBytes(StandardCharsets.UTF_8));
        js.publish(subject + ".c", "c".getBytes(StandardCharsets.UTF_8));
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(stream, "worker"));
        List<String> got = sub.fetch(3, Duration.ofSeconds(2)).stream()
                .map(Message::getSubject)
                .toList();
        if (predicted) {
            assertThat(got).as("filter dropped: every subject").contains(subject + ".c");
            assertThatThrownBy(() -> c.toConsumerConfiguration(version))
                    .isInstanceOf(UnsupportedServerFeatureException.class);
        } else {
            assertThat(got).containsExactlyInAnyOrder(subject + ".a", subject + ".b");
        }
    }

    @Test
    void bo001AckWaitIsReadBackAsBackoff0AndApplied() throws Exception {
        ConsumerContract c = contract(Duration.ofSeconds(60), 3)
                .serverBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .build();
        ContractAssertions.assertThat(c).hasFinding("BO-001");
        JetStreamSubscription sub = create(c);
        assertThat(jsm.getConsumerInfo(stream, "worker")
                        .getConsumerConfiguration()
                        .getAckWait())
                .isEqualTo(Duration.ofSeconds(1));
        publish(1);
        Message first = one(sub, Duration.ofSeconds(2));
        long start = System.nanoTime();
        Message again = one(sub, Duration.ofSeconds(5));
        assertThat(again).isNotNull();
        assertThat(again.metaData().deliveredCount()).isEqualTo(2);
        assertThat(again.metaData().streamSequence()).isEqualTo(first.metaData().streamSequence());
        assertThat(seconds(start))
                .as("redelivered after BackOff[0] = 1 s, not the 60 s ackWait")
                .isLessThan(4000);
    }

    @Test
    void buf001BufferedMessagesAreRedeliveredBeforeTheHandlerReachesThem() throws Exception {
        ConsumerContract flagged = contract(Duration.ofSeconds(2), 5)
                .batchSize(2)
                .expectedP99(Duration.ofMillis(1500))
                .build();
        ContractAssertions.assertThat(flagged).hasFinding("BUF-001");
        ContractAssertions.assertThat(flagged.toBuilder().batchSize(1).build()).doesNotHaveFinding("BUF-001");

        JetStreamSubscription sub = create(flagged);
        publish(2);
        List<Message> batch = sub.fetch(2, Duration.ofSeconds(2));
        assertThat(batch).hasSize(2);
        Thread.sleep(2500); // the handler works on the first message; the second waits in the buffer
        batch.get(0).ackSync(Duration.ofSeconds(2)); // settled before the next pull, so only the second can come
        Message second = one(sub, Duration.ofSeconds(3));
        assertThat(second).as("the buffered message came again").isNotNull();
        assertThat(second.metaData().streamSequence())
                .isEqualTo(batch.get(1).metaData().streamSequence());
        assertThat(second.metaData().deliveredCount()).isEqualTo(2);
        second.ack();
    }

    @Test
    void ack003ASlowFirstAttemptWithoutHeartbeatsIsRedeliveredWhileItRuns() throws Exception {
        ConsumerContract flagged = contract(Duration.ofSeconds(1), 5)
                .expectedP99(Duration.ofMillis(1500))
                .noHeartbeats()
                .build();
        ContractAssertions.assertThat(flagged).hasFinding("ACK-003");
        ContractAssertions.assertThat(flagged.toBuilder().build().toBuilder()
                        .maxProcessingTime(Duration.ofSeconds(5))
                        .build())
                .hasFinding("ACK-003");
        JetStreamSubscription sub = create(flagged);
        publish(1);
        Message running = one(sub, Duration.ofSeconds(2));
        Message duplicate = one(sub, Duration.ofSeconds(3)); // still "processing" the first
        assertThat(duplicate).isNotNull();
        assertThat(duplicate.metaData().streamSequence())
                .isEqualTo(running.metaData().streamSequence());
        assertThat(duplicate.metaData().deliveredCount()).isEqualTo(2);
    }

    @Test
    void hb001OneLostHeartbeatLetsTheDeadlinePassWhenTheIntervalIsAboveAThird() throws Exception {
        Duration ackWait = Duration.ofSeconds(3);
        ConsumerContract tooSlow =
                contract(ackWait, 5).heartbeatInterval(Duration.ofSeconds(2)).build();
        ConsumerContract fine =
                contract(ackWait, 5).heartbeatInterval(Duration.ofSeconds(1)).build();
        ContractAssertions.assertThat(tooSlow).hasFinding("HB-001");
        ContractAssertions.assertThat(fine).doesNotHaveFinding("HB-001");

        JetStreamSubscription sub = create(tooSlow);
        publish(2);
        assertThat(redeliveredWithOneLostHeartbeat(sub, Duration.ofSeconds(2))).isTrue();
        assertThat(redeliveredWithOneLostHeartbeat(sub, Duration.ofSeconds(1))).isFalse();
    }

    /** Heartbeats for 4.2 s at the interval, the first one lost; returns whether the message came again. */
    private static boolean redeliveredWithOneLostHeartbeat(JetStreamSubscription sub, Duration interval)
            throws Exception {
        Message m = one(sub, Duration.ofSeconds(2));
        while (m != null && m.metaData().deliveredCount() > 1) {
            m.ack(); // a leftover redelivery from the previous scenario
            m = one(sub, Duration.ofSeconds(2));
        }
        assertThat(m).isNotNull();
        long start = System.nanoTime();
        long next = interval.toNanos() * 2; // the heartbeat at 1 x interval is lost
        while (System.nanoTime() - start < 4_200_000_000L) {
            if (System.nanoTime() - start >= next) {
                m.inProgress();
                next += interval.toNanos();
            }
            Thread.sleep(20);
        }
        Message again = one(sub, Duration.ofMillis(300));
        m.ack();
        if (again != null) {
            again.ack();
            return true;
        }
        return false;
    }

    @Test
    void hb002AHeartbeatedStuckHandlerHoldsItsMaxAckPendingSlot() throws Exception {
        ConsumerContract flagged = contract(Duration.ofSeconds(1), 5).build().toBuilder()
                .maxAckPending(1)
                .build();
        ContractAssertions.assertThat(flagged).hasFinding("HB-002");
        ContractAssertions.assertThat(flagged.toBuilder()
                        .maxProcessingTime(Duration.ofSeconds(2))
                        .build())
                .doesNotHaveFinding("HB-002");
        JetStreamSubscription sub = create(flagged);
        publish(2);
        Message stuck = one(sub, Duration.ofSeconds(2));
        long start = System.nanoTime();
        Message other = null;
        while (other == null && System.nanoTime() - start < 3_000_000_000L) {
            stuck.inProgress();
            other = one(sub, Duration.ofMillis(400));
        }
        assertThat(other)
                .as("nothing else is delivered while the stuck message is heartbeated")
                .isNull();
        stuck.ack();
        assertThat(one(sub, Duration.ofSeconds(2))).isNotNull();
    }

    @Test
    void md001AnUnlimitedConsumerRedeliversAPoisonMessageForever() throws Exception {
        ConsumerContract unlimited = contract(Duration.ofSeconds(5), ConsumerContract.UNLIMITED_DELIVERIES)
                .build();
        ContractAssertions.assertThat(unlimited).hasFinding("MD-001");
        JetStreamSubscription sub = create(unlimited);
        publish(1);
        Message m = null;
        for (int i = 0; i < 8; i++) {
            m = one(sub, Duration.ofSeconds(2));
            assertThat(m).isNotNull();
            m.nak();
        }
        assertThat(m.metaData().deliveredCount()).isEqualTo(8);
        assertThat(one(sub, Duration.ofSeconds(2))).as("and again").isNotNull();
    }

    @Test
    void nak003NoBackoffBurnsEveryDeliveryAtOnce() throws Exception {
        ConsumerContract none = contract(Duration.ofSeconds(5), 4).build().toBuilder()
                .backoff(Backoff.none())
                .build();
        ContractAssertions.assertThat(none).hasFinding("NAK-003");
        JetStreamSubscription sub = create(none);
        publish(1);
        long start = System.nanoTime();
        int deliveries = 0;
        Message m;
        while ((m = one(sub, Duration.ofMillis(800))) != null) {
            deliveries++;
            m.nakWithDelay(none.getBackoff().delayFor((int) m.metaData().deliveredCount()));
        }
        assertThat(deliveries).isEqualTo(4);
        assertThat(seconds(start)).as("all four deliveries burned at once").isLessThan(3000);
    }

    @Test
    void nak002ANakDelayIsStretchedByServerBackoff() throws Exception {
        ConsumerContract c = contract(Duration.ofSeconds(1), 5)
                .serverBackoff(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .build();
        ContractAssertions.assertThat(c).hasFinding("NAK-002");
        JetStreamSubscription sub = create(c);
        publish(1);
        one(sub, Duration.ofSeconds(2)); // delivery 1 times out after BackOff[0]
        Message second = one(sub, Duration.ofSeconds(4));
        assertThat(second.metaData().deliveredCount()).isEqualTo(2);
        long start = System.nanoTime();
        second.nakWithDelay(Duration.ofSeconds(1));
        Message third = one(sub, Duration.ofSeconds(6));
        assertThat(third).isNotNull();
        // 1 s delay + BackOff[1] 3 s - BackOff[0] 1 s = 3 s, not the 1 s asked for
        assertThat(seconds(start)).isBetween(2500L, 5500L);
    }

    @Test
    void map001TooSmallMaxAckPendingStarvesTheSecondInstance() throws Exception {
        ConsumerContract starved = contract(Duration.ofSeconds(5), 5).build().toBuilder()
                .maxAckPending(1)
                .instances(2)
                .build();
        ContractAssertions.assertThat(starved).hasFinding("MAP-001");
        JetStreamSubscription a = create(starved);
        JetStreamSubscription b = js.subscribe(null, PullSubscribeOptions.bind(stream, "worker"));
        publish(2);
        Message held = one(a, Duration.ofSeconds(2));
        assertThat(held).isNotNull();
        assertThat(one(b, Duration.ofSeconds(1)))
                .as("instance b gets nothing while a holds one")
                .isNull();
        held.ack();
        assertThat(one(b, Duration.ofSeconds(2))).isNotNull();
    }

    @Test
    void dlq003AWorkQueueDeadLetterStreamRefusesAdHocConsumers() throws Exception {
        StreamConfiguration dlq = StreamConfiguration.builder()
                .name("DLQ_" + stream)
                .subjects("dlq." + stream + ".>")
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .build();
        jsm.addStream(dlq);
        assertThat(ContractLinter.lintDeadLetterStream(dlq))
                .extracting(Finding::getRuleId)
                .containsExactly("DLQ-003");
        jsm.addOrUpdateConsumer(
                "DLQ_" + stream,
                ConsumerConfiguration.builder()
                        .durable("reader")
                        .ackPolicy(AckPolicy.Explicit)
                        .build());
        assertThatThrownBy(() -> jsm.addOrUpdateConsumer(
                        "DLQ_" + stream,
                        ConsumerConfiguration.builder()
                                .durable("browse")
                                .ackPolicy(AckPolicy.Explicit)
                                .build()))
                .isInstanceOf(JetStreamApiException.class)
                .satisfies(e -> assertThat(((JetStreamApiException) e).getApiErrorCode())
                        .isEqualTo(10099));
    }

    @Test
    void ops001ACrashedConsumerHoldsItsMessageForTheAckDeadline(NatsServer server) throws Exception {
        ConsumerContract c = contract(Duration.ofSeconds(3), 5).build();
        assertThat(ContractLinter.lint(
                                c,
                                version,
                                LintOptions.builder()
                                        .failoverSlo(Duration.ofSeconds(1))
                                        .build())
                        .has("OPS-001"))
                .isTrue();
        create(c);
        publish(1);
        try (Connection crashing = server.connect()) {
            JetStreamSubscription sub =
                    crashing.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, "worker"));
            assertThat(one(sub, Duration.ofSeconds(2))).isNotNull();
        } // closed without an ack: a client disconnect does not trigger redelivery (B-17)
        long start = System.nanoTime();
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(stream, "worker"));
        assertThat(one(sub, Duration.ofMillis(1500))).isNull();
        Message m = one(sub, Duration.ofSeconds(4));
        assertThat(m).isNotNull();
        assertThat(seconds(start)).isGreaterThanOrEqualTo(1500L);
    }

    @Test
    void con003AndAck001AnOrderedConsumerHasNoAcksAndNoRetries() throws Exception {
        String limits = stream + "_L";
        jsm.addStream(StreamConfiguration.builder()
                .name(limits)
                .subjects(subject + "l.>")
                .build());
        var ordered = nc.getStreamContext(limits)
                .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(subject + "l.>"));
        js.publish(subject + "l.x", "x".getBytes(StandardCharsets.UTF_8));
        try (var fetch = ordered.fetchMessages(1)) {
            assertThat(fetch.nextMessage()).isNotNull();
        }
        String name = ordered.getConsumerName();
        ConsumerConfiguration cc = jsm.getConsumerInfo(limits, name).getConsumerConfiguration();
        LintReport r = ContractLinter.lint(cc, jsm.getStreamInfo(limits).getConfiguration(), version);
        assertThat(r.has("CON-003")).isTrue();
        assertThat(r.has("ACK-001")).isTrue();
        assertThat(cc.getAckPolicy()).isEqualTo(AckPolicy.None);
    }

    @Test
    void ack002ABareConsumerGetsTheThirtySecondDefault() throws Exception {
        jsm.addOrUpdateConsumer(
                stream,
                ConsumerConfiguration.builder()
                        .durable("bare")
                        .ackPolicy(AckPolicy.Explicit)
                        .build());
        ConsumerConfiguration readBack = jsm.getConsumerInfo(stream, "bare").getConsumerConfiguration();
        assertThat(readBack.getAckWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(readBack.getMaxAckPending()).isEqualTo(1000);
        LintReport r = ContractLinter.lint(readBack, jsm.getStreamInfo(stream).getConfiguration(), version);
        assertThat(r.has("ACK-002")).isTrue();
        assertThat(r.has("MD-001")).as("max_deliver -1 by default").isTrue();
    }

    @Test
    void md002WithoutASinkAnExhaustedMessageSilentlyStaysInTheWorkQueue() throws Exception {
        ConsumerContract noSink = contract(Duration.ofSeconds(5), 2).build().toBuilder()
                .deadLetter(DeadLetterPolicy.none())
                .build();
        ContractAssertions.assertThat(noSink).hasFinding("MD-002");
        JetStreamSubscription sub = create(noSink);
        publish(1);
        one(sub, Duration.ofSeconds(2)).nak();
        one(sub, Duration.ofSeconds(2)).nak();
        assertThat(one(sub, Duration.ofSeconds(1))).as("no more deliveries").isNull();
        assertThat(jsm.getStreamInfo(stream).getStreamState().getMsgCount())
                .as("nothing processed it, nothing recorded it, and it stays in the WorkQueue stream (B-13)")
                .isEqualTo(1);
    }
}
