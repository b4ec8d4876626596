package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxRelayListener;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The relay's listener isolation (the rule of {@code contract.internal.Listeners}): a listener that throws, even an
 * {@link Error}, is counted and the relay's events go on, except an error the JVM cannot recover from. The errors are
 * constructed, not provoked.
 */
class EventsTest {
    private final List<OutboxRelayEvent> seen = new ArrayList<>();
    private final AtomicInteger listenerErrors = new AtomicInteger();

    private static OutboxRelayListener throwing(Throwable t) {
        return e -> {
            if (t instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) t;
        };
    }

    private static OutboxRelayEvent event(long lostAfter) {
        return new OutboxRelayEvent.WalSlotRecreated(Instant.EPOCH, "relay", "slot", lostAfter, lostAfter + 1);
    }

    private Events events(OutboxRelayListener first) {
        return new Events(
                List.of(first, seen::add),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
                "relay",
                listenerErrors::incrementAndGet);
    }

    /** What the second listener saw besides the reports of the first one's failures. */
    private List<OutboxRelayEvent> relayed() {
        return seen.stream()
                .filter(e -> !(e instanceof OutboxRelayEvent.ListenerFailed))
                .toList();
    }

    private long failuresReported() {
        return seen.stream()
                .filter(e -> e instanceof OutboxRelayEvent.ListenerFailed)
                .count();
    }

    @Test
    void aListenerThatThrowsAnErrorIsCountedAndTheOthersAndLaterEventsStillGetThrough() {
        Events events = events(throwing(new AssertionError("listener assert")));
        OutboxRelayEvent first = event(1);
        OutboxRelayEvent second = event(2);
        events.emit(() -> first);
        events.emit(() -> second);
        assertThat(listenerErrors).hasValue(2);
        assertThat(relayed()).containsExactly(first, second);
        assertThat(failuresReported())
                .as("each failure reported to the other listener")
                .isEqualTo(2);
    }

    @Test
    void aListenerThatThrowsAnExceptionIsCounted() {
        Events events = events(throwing(new IllegalStateException("bug")));
        OutboxRelayEvent e = event(1);
        events.emit(() -> e);
        assertThat(listenerErrors).hasValue(1);
        assertThat(relayed()).containsExactly(e);
        assertThat(failuresReported()).isEqualTo(1);
    }

    @Test
    void aStackOverflowInAListenerIsIsolated() {
        Events events = events(throwing(new StackOverflowError("test")));
        OutboxRelayEvent e = event(1);
        events.emit(() -> e);
        assertThat(listenerErrors).hasValue(1);
        assertThat(relayed()).containsExactly(e);
        assertThat(failuresReported()).isEqualTo(1);
    }

    @Test
    void anOutOfMemoryErrorInAListenerIsRethrownNotCounted() {
        OutOfMemoryError oom = new OutOfMemoryError("test");
        Events events = events(throwing(oom));
        assertThatThrownBy(() -> events.emit(() -> event(1))).isSameAs(oom);
        assertThat(listenerErrors).hasValue(0);
        assertThat(seen).isEmpty();
    }

    @Test
    void withoutListenersNoEventIsBuilt() {
        Events events = new Events(
                List.of(), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), "relay", listenerErrors::incrementAndGet);
        assertThat(events.active()).isFalse();
        events.emit(() -> {
            throw new AssertionError("the event must not be built");
        });
    }
}
