package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.ManualClock;
import dev.jscontract.consumer.PauseCause;
import io.nats.client.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pull engine's accounting and fault handling against a fake transport and a manual clock. */
class PullEngineTest {
    private static final Duration EXPIRY = Duration.ofSeconds(5); // idle heartbeats every second
    private static final Duration BUDGET = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FakeTransport transport = new FakeTransport();
    private final List<ConsumerEvent> events = new CopyOnWriteArrayList<>();
    private final EventBus bus = new EventBus(List.of(events::add), clock, "ORDERS", "billing");
    private final HealthTracker health = new HealthTracker(bus);
    private final AtomicInteger probes = new AtomicInteger();

    private PullEngine engine(int concurrency, int batch) {
        PullEngine e = new PullEngine(
                transport,
                "ORDERS",
                "billing",
                new PullPlanner(concurrency, batch),
                EXPIRY,
                clock,
                bus,
                health,
                BUDGET);
        e.prober(() -> {
            probes.incrementAndGet();
            return true;
        });
        health.lifecycle(ConsumerState.RUNNING);
        e.start();
        return e;
    }

    private Message take(PullEngine e) throws InterruptedException {
        Message m = e.next(Duration.ofMillis(200));
        assertThat(m).as("a message for the handler").isNotNull();
        return m;
    }

    @Test
    void readsTheRequestIdFromTheLastSubjectToken() {
        assertThat(PullEngine.requestId("_INBOX.abc123.42")).isEqualTo(42);
        assertThat(PullEngine.requestId("_INBOX.abc.7")).isEqualTo(7);
        assertThat(PullEngine.requestId("_INBOX.abc.x7")).isEqualTo(-1);
        assertThat(PullEngine.requestId("_INBOX.abc.")).isEqualTo(-1);
        assertThat(PullEngine.requestId("42")).isEqualTo(-1);
    }

    @Test
    void asksForIdleHeartbeatsEveryFifthOfTheExpiryButNotMoreOftenThanTwiceASecond() {
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(1));
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(500));
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void asksForAMessageOnlyWhenAHandlerThreadIsFreeForIt() throws Exception {
        PullEngine e = engine(1, 1);
        assertThat(transport.pulls()).hasSize(1).allSatisfy(p -> assertThat(p.batch())
                .isEqualTo(1));
        transport.inbox().deliver(FakeTransport.message(1));
        take(e);
        e.maintain();
        assertThat(transport.pulls())
                .as("nothing more while the message is in flight")
                .hasSize(1);
        e.settled();
        assertThat(transport.pulls()).hasSize(2);
    }

    @Test
    void sendsNoPullWhileTheConnectionIsNotConnected() throws Exception {
        PullEngine e = engine(1, 1);
        transport.inbox().deliver(FakeTransport.message(1));
        take(e);
        transport.status = PullTransport.Status.RECONNECTING;
        e.settled();
        e.maintain();
        assertThat(transport.pulls()).as("jnats would only buffer it").hasSize(1);
        assertThat(health.state()).isEqualTo(ConsumerState.RECOVERING);
        assertThat(health.health().getProblem()).contains(Problem.DISCONNECTED);

        transport.status = PullTransport.Status.CONNECTED;
        e.maintain();
        assertThat(transport.pulls()).hasSize(2);
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
    }

    @Test
    void messagesWaitingUnreadCountAsOutstandingEvenWhenTheirPullWasWrittenOff() {
        PullEngine e = engine(1, 1);
        clock.advance(EXPIRY.plusSeconds(2));
        transport.inbox().deliver(FakeTransport.status(transport.pulls().get(0).replyTo(), 100, "Idle Heartbeat"));
        // the pull expired locally, and its message arrived late and waits unread
        transport.inbox().deliver(FakeTransport.message(1));
        e.maintain();
        assertThat(transport.pulls())
                .as("no second pull while the late message waits in the inbox")
                .hasSize(1);
    }

    @Test
    void afterAReconnectPullsGoToAFreshInboxAndTheOldOneIsClosed() throws Exception {
        PullEngine e = engine(2, 2);
        FakeTransport.FakeInbox old = transport.inbox();
        assertThat(transport.requestedInPulls()).isEqualTo(2);
        e.reconnected();
        assertThat(old.closed)
                .as("pulls the server still holds deliver to nobody")
                .isTrue();
        FakeTransport.FakeInbox fresh = transport.inbox();
        assertThat(fresh).isNotSameAs(old);
        List<FakeTransport.Pull> pulls = transport.pulls();
        assertThat(pulls.get(pulls.size() - 1).replyTo()).startsWith(fresh.prefix() + ".");
        assertThat(pulls.subList(1, pulls.size()).stream()
                        .mapToInt(FakeTransport.Pull::batch)
                        .sum())
                .as("the window again, no more")
                .isEqualTo(2);
        fresh.deliver(FakeTransport.message(7));
        assertThat(take(e)).isNotNull();
    }

    @Test
    void missedHeartbeatsOnAPathThatAnswersMeanThePullsWereLostSoTheyAreResent() {
        PullEngine e = engine(1, 1);
        clock.advance(Duration.ofMillis(3100));
        e.maintain();
        assertThat(probes).hasValue(1);
        e.maintain();
        assertThat(probes).as("one probe at a time").hasValue(1);
        assertThat(transport.pulls())
                .as("nothing re-sent before the probe answers")
                .hasSize(1);
        e.probed(true);
        assertThat(transport.pulls()).hasSize(2);
        assertThat(events)
                .filteredOn(ConsumerEvent.PullError.class::isInstance)
                .singleElement()
                .satisfies(ev -> assertThat(((ConsumerEvent.PullError) ev).kind())
                        .isEqualTo(ConsumerEvent.PullErrorKind.HEARTBEAT_MISSED));
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
    }

    @Test
    void aStalledPathSendsNothingMoreAndWhenItHealsTheStuckPullIsWaitedForNotResent() throws Exception {
        PullEngine e = engine(1, 1);
        clock.advance(Duration.ofMillis(3100));
        e.maintain();
        e.probed(false);
        assertThat(health.state()).isEqualTo(ConsumerState.RECOVERING);
        assertThat(health.health().getProblem()).contains(Problem.CONNECTION_STALLED);
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(1));
            e.maintain();
        }
        assertThat(transport.pulls()).as("no pull piles up behind the stall").hasSize(1);
        assertThat(e.requested())
                .as("the stuck pull still counts: the server may get it late")
                .isEqualTo(1);
        e.probed(true); // the path heals
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
        assertThat(transport.pulls())
                .as("the stuck pull is served now; no second one")
                .hasSize(1);
        transport.inbox().deliver(FakeTransport.message(1));
        take(e);
        e.settled();
        assertThat(transport.pulls()).hasSize(2);
    }

    @Test
    void aClosedConnectionHaltsAndHandlerThreadsWaitInsteadOfSpinning() throws Exception {
        PullEngine e = engine(1, 1);
        transport.status = PullTransport.Status.CLOSED;
        long start = System.nanoTime();
        assertThat(e.next(Duration.ofMillis(100))).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("waited out its timeout")
                .isGreaterThanOrEqualTo(Duration.ofMillis(90));
        assertThat(transport.inbox().reads).isEqualTo(1);
        assertThat(health.state()).isEqualTo(ConsumerState.HALTED);
        assertThat(health.health().getProblem()).contains(Problem.CONNECTION_CLOSED);
        assertThat(health.health().getDetail()).contains("closed");
        e.maintain();
        assertThat(transport.pulls()).hasSize(1);
    }

    @Test
    void aDeletedConsumerHaltsAndComesBackWhenPullsWorkAgain() throws Exception {
        PullEngine e = engine(1, 1);
        String reply = transport.pulls().get(0).replyTo();
        transport.inbox().deliver(FakeTransport.status(reply, 409, "Consumer Deleted"));
        assertThat(e.next(Duration.ofMillis(50))).isNull();
        assertThat(health.state()).isEqualTo(ConsumerState.HALTED);
        assertThat(health.health().getProblem()).contains(Problem.CONSUMER_DELETED);
        assertThat(transport.pulls()).as("retried after a backoff, not at once").hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        e.maintain();
        assertThat(transport.pulls()).hasSize(2);
        // the consumer was recreated: its pull gets an idle heartbeat
        transport.inbox().deliver(FakeTransport.status(transport.pulls().get(1).replyTo(), 100, "Idle Heartbeat"));
        assertThat(e.next(Duration.ofMillis(50))).isNull();
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
    }

    @Test
    void unavailableJetStreamIsRecoveringUntilThePullErrorBudgetIsSpentThenHalted() throws Exception {
        PullEngine e = engine(1, 1);
        AtomicReference<String> reply =
                new AtomicReference<>(transport.pulls().get(0).replyTo());
        transport.inbox().deliver(FakeTransport.status(reply.get(), 503, "No Responders"));
        e.next(Duration.ofMillis(50));
        assertThat(health.state()).isEqualTo(ConsumerState.RECOVERING);
        assertThat(health.health().getProblem()).contains(Problem.JETSTREAM_UNAVAILABLE);
        long backoffs = 0;
        while (clock.instant().isBefore(Instant.parse("2026-01-01T00:00:45Z"))) {
            clock.advance(Duration.ofSeconds(1));
            int before = transport.pulls().size();
            e.maintain();
            if (transport.pulls().size() > before) {
                List<FakeTransport.Pull> pulls = transport.pulls();
                transport
                        .inbox()
                        .deliver(
                                FakeTransport.status(pulls.get(pulls.size() - 1).replyTo(), 503, ""));
                e.next(Duration.ofMillis(50));
            } else {
                backoffs++;
            }
        }
        assertThat(backoffs).as("retries back off instead of hammering").isGreaterThan(10);
        assertThat(health.state()).isEqualTo(ConsumerState.HALTED);
        assertThat(health.health().getDetail()).contains("pull error budget");
    }

    @Test
    void aClosedGatePausesPullingAndTheHealthSaysSinceWhen() throws Exception {
        AtomicReference<Boolean> open = new AtomicReference<>(true);
        PullEngine e = engine(1, 1);
        e.gate(open::get);
        transport.inbox().deliver(FakeTransport.message(1));
        take(e);
        open.set(false);
        Instant closedAt = clock.instant();
        e.settled();
        assertThat(transport.pulls()).hasSize(1);
        assertThat(health.state()).isEqualTo(ConsumerState.PAUSED);
        assertThat(health.health().getPauseCause()).contains(PauseCause.GATE);
        assertThat(health.health().getSince()).isEqualTo(closedAt);
        clock.advance(Duration.ofSeconds(5));
        open.set(true);
        e.maintain();
        assertThat(transport.pulls()).hasSize(2);
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
        assertThat(events)
                .filteredOn(ConsumerEvent.StateChanged.class::isInstance)
                .extracting(ev -> ((ConsumerEvent.StateChanged) ev).to())
                .containsExactly(ConsumerState.RUNNING, ConsumerState.PAUSED, ConsumerState.RUNNING);
    }

    @Test
    void messagesBufferedBehindHeldHandlersAreParkedHeartbeatedAndHandedOutFirst() throws Exception {
        Map<Message, HeartbeatMonitorTest.FakeTarget> targets = new IdentityHashMap<>();
        PullEngine e = engine(1, 3);
        e.parking(Duration.ofSeconds(1), m -> targets.computeIfAbsent(m, k -> new HeartbeatMonitorTest.FakeTarget()));
        assertThat(transport.pulls()).hasSize(1).allSatisfy(p -> assertThat(p.batch())
                .isEqualTo(3));
        for (long seq = 1; seq <= 3; seq++) {
            transport.inbox().deliver(FakeTransport.message(seq));
        }
        take(e); // the one handler thread holds #1
        Instant parkedAt = clock.instant();

        assertThat(e.park(parkedAt)).isEqualTo(2);
        assertThat(transport.inbox().buffered()).isZero();
        assertThat(e.parked()).isEqualTo(2);
        assertThat(e.buffered()).as("parked messages still wait for a thread").isEqualTo(2);
        assertThat(e.inFlight()).isEqualTo(3);
        assertThat(e.heartbeatParked(parkedAt))
                .as("at once: their wait in the inbox is unknown")
                .isEqualTo(2);
        clock.advance(Duration.ofMillis(500));
        assertThat(e.heartbeatParked(clock.instant())).isZero();
        clock.advance(Duration.ofMillis(500));
        assertThat(e.heartbeatParked(clock.instant()))
                .as("every interval after")
                .isEqualTo(2);
        assertThat(targets.values()).allSatisfy(t -> assertThat(t.inProgress).isEqualTo(2));
        assertThat(events)
                .filteredOn(ConsumerEvent.HeartbeatSent.class::isInstance)
                .extracting(ev -> ((ConsumerEvent.HeartbeatSent) ev).streamSequence())
                .containsExactly(2L, 3L, 2L, 3L);
        e.maintain();
        assertThat(transport.pulls()).as("parked messages fill the window").hasSize(1);

        e.settled(); // #1 done
        Message second = take(e);
        assertThat(second.getReplyTo()).contains(".2.1.");
        assertThat(e.parkedAt(second)).isEqualTo(parkedAt);
        assertThat(e.parkedAt(second)).as("asked once").isNull();
        assertThat(e.inFlight()).isEqualTo(2);

        e.stop();
        Message third = targets.keySet().stream()
                .filter(m -> m.getReplyTo().contains(".3.1."))
                .findFirst()
                .orElseThrow();
        assertThat(targets.get(third).settles)
                .as("released at once when stopped")
                .containsExactly("release");
        assertThat(targets.get(second).settles).isEmpty();
        assertThat(e.inFlight()).isEqualTo(1);
    }

    @Test
    void nothingIsParkedWhenParkingIsOff() throws Exception {
        PullEngine e = engine(1, 2);
        transport.inbox().deliver(FakeTransport.message(1));
        transport.inbox().deliver(FakeTransport.message(2));
        take(e);
        assertThat(e.park(clock.instant())).isZero();
        assertThat(transport.inbox().buffered()).isEqualTo(1);
    }
}
