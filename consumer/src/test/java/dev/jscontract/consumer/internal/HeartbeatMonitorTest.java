package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class HeartbeatMonitorTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(T0);
    private final FakeTarget target = new FakeTarget();
    private final List<String> log = new ArrayList<>();

    private HeartbeatMonitor monitor(@Nullable Duration interval, @Nullable Duration cap) {
        return new HeartbeatMonitor(2, interval, cap, new HeartbeatMonitor.Callbacks() {
            @Override
            public void heartbeatSent(Attempt attempt, Instant now) {
                log.add("hb@" + Duration.between(T0, now).toSeconds());
            }

            @Override
            public void timedOut(Attempt attempt, Instant now) {
                log.add("timeout@" + Duration.between(T0, now).toSeconds());
            }
        });
    }

    private Attempt attempt(@Nullable Duration interval, @Nullable Thread thread) {
        return new Attempt(target, null, 42, 1, DEADLINE, clock.instant(), interval, thread);
    }

    @Test
    void sendsTheFirstHeartbeatOneIntervalAfterTheMessageWasTakenAndThenEveryInterval() {
        HeartbeatMonitor m = monitor(INTERVAL, null);
        Attempt a = attempt(INTERVAL, null);
        m.register(0, a);
        a.startHandler(clock.instant());
        for (int s = 0; s <= 35; s++) {
            m.tick(clock.instant());
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(log).containsExactly("hb@10", "hb@20", "hb@30");
        assertThat(target.inProgress).isEqualTo(3);
        assertThat(a.heartbeats()).isEqualTo(3);
    }

    @Test
    void aLateTickSendsOneHeartbeatAndCountsTheNextIntervalFromIt() {
        HeartbeatMonitor m = monitor(INTERVAL, null);
        Attempt a = attempt(INTERVAL, null);
        m.register(0, a);
        clock.advance(Duration.ofSeconds(25)); // the timer was starved for 25 s
        m.tick(clock.instant());
        clock.advance(Duration.ofSeconds(9));
        m.tick(clock.instant());
        clock.advance(Duration.ofSeconds(1));
        m.tick(clock.instant());
        assertThat(log).containsExactly("hb@25", "hb@35");
    }

    @Test
    void heartbeatsStopWhenTheAttemptIsSettled() {
        HeartbeatMonitor m = monitor(INTERVAL, null);
        Attempt a = attempt(INTERVAL, null);
        m.register(0, a);
        clock.advance(Duration.ofSeconds(10));
        m.tick(clock.instant());
        a.stopHeartbeats();
        clock.advance(Duration.ofSeconds(30));
        m.tick(clock.instant());
        assertThat(log).containsExactly("hb@10");
        assertThat(a.state()).isEqualTo(Attempt.State.DONE);
    }

    @Test
    void heldMessagesAreHeartbeatedBeforeTheirHandlerStarts() {
        HeartbeatMonitor m = monitor(INTERVAL, Duration.ofSeconds(15));
        Attempt held = attempt(INTERVAL, null);
        m.register(1, held);
        for (int s = 0; s < 4; s++) {
            clock.advance(Duration.ofSeconds(10));
            m.tick(clock.instant());
        }
        assertThat(log)
                .as("held for 40 s: heartbeats, and no cap because the handler has not started")
                .containsExactly("hb@10", "hb@20", "hb@30", "hb@40");
        assertThat(held.state()).isEqualTo(Attempt.State.HELD);
    }

    @Test
    void withHeartbeatsOffNothingIsSent() {
        HeartbeatMonitor m = monitor(null, null);
        Attempt a = attempt(null, null);
        m.register(0, a);
        clock.advance(Duration.ofMinutes(5));
        m.tick(clock.instant());
        assertThat(log).isEmpty();
        assertThat(target.inProgress).isZero();
    }

    @Test
    void theCapTimesTheAttemptOutOnceInterruptsTheHandlerAndHeartbeatsGoOnUntilTheTimeoutPathSettles()
            throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread handler = new Thread(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        handler.start();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        HeartbeatMonitor m = monitor(INTERVAL, Duration.ofSeconds(25));
        Attempt a = attempt(INTERVAL, handler);
        m.register(0, a);
        a.startHandler(clock.instant());
        for (int s = 0; s < 4; s++) {
            clock.advance(Duration.ofSeconds(10));
            m.tick(clock.instant());
        }
        handler.join(5_000);
        assertThat(interrupted).as("handler thread interrupted at the cap").isTrue();
        assertThat(log).containsExactly("hb@10", "hb@20", "timeout@30", "hb@30", "hb@40");
        assertThat(a.state()).isEqualTo(Attempt.State.TIMED_OUT);
        a.stopHeartbeats(); // the timeout path settles
        clock.advance(Duration.ofSeconds(10));
        m.tick(clock.instant());
        assertThat(log).hasSize(5);
    }

    @Test
    void aHandlerThatFinishesBeforeTheCapWinsAndTheCapNoLongerApplies() {
        HeartbeatMonitor m = monitor(INTERVAL, Duration.ofSeconds(25));
        Attempt a = attempt(INTERVAL, Thread.currentThread());
        m.register(0, a);
        a.startHandler(clock.instant());
        clock.advance(Duration.ofSeconds(20));
        assertThat(a.finishHandler()).isTrue();
        clock.advance(Duration.ofSeconds(20));
        m.tick(clock.instant());
        assertThat(log).doesNotContain("timeout@40");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void whenTheCapWinsFinishHandlerReturnsFalseAndClearsTheInterruptOnTheHandlerThread() {
        HeartbeatMonitor m = monitor(null, Duration.ofSeconds(5));
        Attempt a = attempt(null, Thread.currentThread());
        m.register(0, a);
        a.startHandler(clock.instant());
        clock.advance(Duration.ofSeconds(5));
        m.tick(clock.instant());
        assertThat(log).containsExactly("timeout@5");
        assertThat(a.finishHandler()).isFalse();
        assertThat(Thread.currentThread().isInterrupted())
                .as("the next message must not see this attempt's interrupt")
                .isFalse();
    }

    @Test
    void unregisteredSlotsAreNotTouched() {
        HeartbeatMonitor m = monitor(INTERVAL, null);
        Attempt a = attempt(INTERVAL, null);
        m.register(0, a);
        m.unregister(0);
        clock.advance(Duration.ofSeconds(60));
        m.tick(clock.instant());
        assertThat(log).isEmpty();
        assertThat(m.get(0)).isNull();
    }

    @Test
    void tickPeriodIsAQuarterOfTheIntervalAndATenthOfTheCapWithin10To250Millis() {
        assertThat(monitor(Duration.ofMillis(400), null).tickPeriod()).isEqualTo(Duration.ofMillis(100));
        assertThat(monitor(Duration.ofSeconds(10), Duration.ofMillis(500)).tickPeriod())
                .isEqualTo(Duration.ofMillis(50));
        assertThat(monitor(Duration.ofSeconds(10), null).tickPeriod()).isEqualTo(Duration.ofMillis(250));
        assertThat(monitor(Duration.ofMillis(20), null).tickPeriod()).isEqualTo(Duration.ofMillis(10));
        assertThat(monitor(null, null).tickPeriod()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aHandlerThreadWaitsWhenItsMessageIsHeldOrHasWaitedATickForTheGate() {
        HeartbeatMonitor m = monitor(INTERVAL, null);
        Attempt a = attempt(INTERVAL, null);
        m.register(0, a);
        assertThat(m.anyWaiting(clock.instant())).as("just taken").isFalse();
        clock.advance(m.tickPeriod());
        assertThat(m.anyWaiting(clock.instant()))
                .as("a tick without gate permission")
                .isTrue();
        a.startHandler(clock.instant());
        assertThat(m.anyWaiting(clock.instant())).as("running").isFalse();
        a.finishHandler();
        a.hold(clock.instant().plusSeconds(1));
        assertThat(m.anyWaiting(clock.instant())).as("held after a failure").isTrue();
        m.unregister(0);
        assertThat(m.anyWaiting(clock.instant())).isFalse();
    }

    static final class FakeTarget implements AckTarget {
        int inProgress;
        final List<String> settles = new ArrayList<>();

        @Override
        public void inProgress() {
            inProgress++;
        }

        @Override
        public void ack() {
            settles.add("ack");
        }

        @Override
        public void nakWithDelay(Duration delay) {
            settles.add("nak " + delay);
        }

        @Override
        public void term() {
            settles.add("term");
        }

        @Override
        public void releaseNow() {
            settles.add("release");
        }
    }
}
