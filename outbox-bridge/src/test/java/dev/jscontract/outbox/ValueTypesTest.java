package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.internal.Events;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import nl.jqno.equalsverifier.EqualsVerifier;
import nl.jqno.equalsverifier.Warning;
import org.junit.jupiter.api.Test;

/** Equality of the public value types and events, and the listener fan-out's rules. */
class ValueTypesTest {

    @Test
    void eventsAndValuesCompareByValue() {
        for (Class<?> type : List.of(
                OutboxRelayEvent.OwnershipChanged.class,
                OutboxRelayEvent.PublishedRow.class,
                OutboxRelayEvent.BatchPublished.class,
                OutboxRelayEvent.RowRetryScheduled.class,
                OutboxRelayEvent.StateChanged.class,
                OutboxRelayEvent.RowParked.class,
                OutboxRelayEvent.XminHorizonHeldBack.class,
                OutboxRelayEvent.DuplicateWindowRisk.class,
                OutboxRelayEvent.WalSlotWarning.class,
                ParkedRow.class,
                RelayHealth.class,
                OutboxStatus.class,
                PartitionOwner.class,
                XminBlocker.class)) {
            EqualsVerifier.forClass(type).suppress(Warning.NULL_FIELDS).verify();
        }
    }

    @Test
    void eventsAreBuiltOnlyForListenersAndAThrowingListenerIsCountedAndReportedToTheOthers() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(42), ZoneOffset.UTC);
        AtomicInteger built = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        new Events(List.of(), clock, "r", errors::incrementAndGet).emit(() -> {
            built.incrementAndGet();
            return null;
        });
        assertThat(built).hasValue(0);

        IllegalStateException bug = new IllegalStateException("listener bug");
        OutboxRelayListener failing = new OutboxRelayListener() {
            @Override
            public void onEvent(OutboxRelayEvent event) {
                throw bug;
            }

            @Override
            public String toString() {
                return "failing";
            }
        };
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        Events events = new Events(List.of(failing, seen::add), clock, "r", errors::incrementAndGet);
        OutboxRelayEvent.OwnershipChanged changed = new OutboxRelayEvent.OwnershipChanged(
                Instant.EPOCH, "r", Set.of(1), Set.of(1), Set.of(), OutboxRelayEvent.OwnershipCause.REBALANCE);
        events.emit(() -> changed);
        // the other listener gets the failure, then the event; the failing one is not told about itself
        assertThat(seen)
                .containsExactly(
                        new OutboxRelayEvent.ListenerFailed(Instant.ofEpochSecond(42), "r", "failing", bug), changed);
        assertThat(errors).hasValue(1);
        // a listener that throws on another's ListenerFailed is counted, and not reported again
        new Events(List.of(failing, alsoFailing(bug)), clock, "r", errors::incrementAndGet).emit(() -> changed);
        assertThat(errors)
                .as("each of the two throws on the event, and on the other's ListenerFailed")
                .hasValue(5);
    }

    private static OutboxRelayListener alsoFailing(RuntimeException bug) {
        return event -> {
            throw bug;
        };
    }

    @Test
    void eventsAreRecordsWithTheTimeAndTheRelayFirst() {
        OutboxRelayEvent parked =
                new OutboxRelayEvent.RowParked(Instant.EPOCH, "r", 7, "m7", PublishFailure.NO_STREAM, "no stream", 3);
        assertThat(parked.at()).isEqualTo(Instant.EPOCH);
        assertThat(parked.relay()).isEqualTo("r");
        assertThat(parked)
                .hasToString("RowParked[at=1970-01-01T00:00:00Z, relay=r, rowId=7, messageId=m7, reason=NO_STREAM,"
                        + " error=no stream, attempts=3]");
        assertThat(new OutboxRelayEvent.DuplicateWindowRisk(
                                Instant.EPOCH,
                                "r",
                                "S",
                                Duration.ofSeconds(1),
                                Duration.ofMinutes(2),
                                DuplicateWindowCheck.WARN)
                        .window())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void relayHealthRefusesACauseThatDoesNotFitTheState() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        new RelayHealth(RelayState.RUNNING, RelayHealth.Cause.STREAM_UNAVAILABLE, "", Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a cause goes with states RECOVERING and HALTED and only with them, but state was RUNNING"
                        + " and cause STREAM_UNAVAILABLE");
        assertThat(new RelayHealth(RelayState.HALTED, RelayHealth.Cause.NATS_CONNECTION_CLOSED, "closed", Instant.EPOCH)
                        .getCause())
                .contains(RelayHealth.Cause.NATS_CONNECTION_CLOSED);
    }
}
