package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void withoutListenersTheBusIsDisabledSoNoEventIsBuilt() {
        assertThat(new EventBus(List.of(), clock, "S", "C").enabled()).isFalse();
        assertThat(new EventBus(List.of(e -> {}), clock, "S", "C").enabled()).isTrue();
    }
}
