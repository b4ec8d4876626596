package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEventListener;
import dev.jscontract.consumer.ManualClock;
import dev.jscontract.consumer.PauseCause;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBusTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void aThrowingListenerIsCountedAndReportedToTheOthersWhichStillGetTheEvent() {
        List<ConsumerEvent> seen = new ArrayList<>();
        ConsumerEventListener broken = new ConsumerEventListener() {
            @Override
            public void onEvent(ConsumerEvent event) {
                throw new IllegalStateException("boom");
            }

            @Override
            public String toString() {
                return "broken";
            }
        };
        EventBus bus = new EventBus(List.of(broken, seen::add), clock, "S", "C");
        ConsumerEvent e = new ConsumerEvent.PullingPaused(clock.instant(), "S", "C", PauseCause.GATE);
        bus.publish(e);
        assertThat(bus.failures()).isEqualTo(1);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).isInstanceOf(ConsumerEvent.ListenerFailed.class);
        ConsumerEvent.ListenerFailed failed = (ConsumerEvent.ListenerFailed) seen.get(0);
        assertThat(failed.listener()).isEqualTo("broken");
        assertThat(failed.error()).hasMessage("boom");
        assertThat(failed.at()).isEqualTo(clock.instant());
        assertThat(seen.get(1)).isSameAs(e);
    }

    private static ConsumerEventListener throwing(Error error) {
        return new ConsumerEventListener() {
            @Override
            public void onEvent(ConsumerEvent event) {
                throw error;
            }

            @Override
            public String toString() {
                return "throws " + error.getClass().getSimpleName();
            }
        };
    }

    private ConsumerEvent paused() {
        return new ConsumerEvent.PullingPaused(clock.instant(), "S", "C", PauseCause.GATE);
    }

    @Test
    void aListenerThatThrowsAnErrorIsIsolatedAndTheBusKeepsDeliveringLaterEvents() {
        List<ConsumerEvent> seen = new ArrayList<>();
        EventBus bus =
                new EventBus(List.of(throwing(new AssertionError("listener assert")), seen::add), clock, "S", "C");
        ConsumerEvent first = paused();
        ConsumerEvent second = paused();
        bus.publish(first);
        bus.publish(second);
        assertThat(bus.failures()).isEqualTo(2);
        assertThat(seen)
                .as("the other listener gets both events, each after the ListenerFailed about it")
                .hasSize(4);
        assertThat(seen.get(0)).isInstanceOfSatisfying(ConsumerEvent.ListenerFailed.class, f -> assertThat(f.error())
                .isInstanceOf(AssertionError.class)
                .hasMessage("listener assert"));
        assertThat(seen.get(1)).isSameAs(first);
        assertThat(seen.get(3)).isSameAs(second);
    }

    @Test
    void aStackOverflowInAListenerIsIsolated() {
        List<ConsumerEvent> seen = new ArrayList<>();
        EventBus bus = new EventBus(List.of(throwing(new StackOverflowError("test")), seen::add), clock, "S", "C");
        ConsumerEvent e = paused();
        bus.publish(e);
        assertThat(bus.failures()).isEqualTo(1);
        assertThat(seen).hasSize(2).last().isSameAs(e);
        assertThat(seen.get(0)).isInstanceOfSatisfying(ConsumerEvent.ListenerFailed.class, f -> assertThat(f.error())
                .isInstanceOf(StackOverflowError.class));
    }

    @Test
    void anOutOfMemoryErrorInAListenerIsRethrownNotCountedAsAListenerFailure() {
        List<ConsumerEvent> seen = new ArrayList<>();
        OutOfMemoryError oom = new OutOfMemoryError("test");
        EventBus bus = new EventBus(List.of(throwing(oom), seen::add), clock, "S", "C");
        assertThatThrownBy(() -> bus.publish(paused())).isSameAs(oom);
        assertThat(bus.failures()).isZero();
        assertThat(seen)
                .as("no ListenerFailed for an error the JVM cannot recover from")
                .isEmpty();
    }

    @Test
    void aListenerThatThrowsAnErrorOnListenerFailedIsCountedAndTheEventStillReachesEveryone() {
        List<ConsumerEvent> seen = new ArrayList<>();
        ConsumerEventListener failsOnEverything = throwing(new AssertionError("always"));
        ConsumerEventListener failsOnListenerFailed = e -> {
            if (e instanceof ConsumerEvent.ListenerFailed) {
                throw new StackOverflowError("on ListenerFailed");
            }
            seen.add(e);
        };
        EventBus bus = new EventBus(List.of(failsOnEverything, failsOnListenerFailed), clock, "S", "C");
        ConsumerEvent e = paused();
        bus.publish(e);
        assertThat(bus.failures())
                .as("the first listener on the event, the second on ListenerFailed")
                .isEqualTo(2);
        assertThat(seen).containsExactly(e);
    }

    @Test
    void withoutListenersTheBusIsDisabledSoNoEventIsBuilt() {
        assertThat(new EventBus(List.of(), clock, "S", "C").enabled()).isFalse();
        assertThat(new EventBus(List.of(e -> {}), clock, "S", "C").enabled()).isTrue();
    }
}
