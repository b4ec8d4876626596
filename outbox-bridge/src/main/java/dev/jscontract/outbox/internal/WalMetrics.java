package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import dev.jscontract.outbox.RelayState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The WAL relay's meters, under {@code jscontract.outbox.wal.}, tagged {@code slot}: {@code retained} and {@code lag}
 * (bytes of WAL the slot holds back, and bytes between the server's current position and the confirmed one), {@code
 * active} (1 while this relay streams from the slot), {@code parked}, {@code state}; {@code published} ({@code
 * outcome}), {@code failures} and {@code parks} ({@code reason}); {@code commit.to.ack}; {@code slot.recreated};
 * {@code listener.failures}. Removed on close.
 */
final class WalMetrics implements AutoCloseable {
    static final String PREFIX = "jscontract.outbox.wal.";

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    final AtomicLong retained = new AtomicLong();
    final AtomicLong lag = new AtomicLong();
    final AtomicLong active = new AtomicLong();
    final AtomicLong parked = new AtomicLong();
    final AtomicReference<RelayState> state = new AtomicReference<>(RelayState.NEW);
    final Counter stored;
    final Counter duplicates;
    final Counter listenerFailures;
    final Counter slotRecreated;
    private final Map<PublishFailure, Counter> failures = new EnumMap<>(PublishFailure.class);
    private final Map<PublishFailure, Counter> parks = new EnumMap<>(PublishFailure.class);
    final Timer commitToAck;

    WalMetrics(MeterRegistry registry, String slot) {
        this.registry = registry;
        Tags tags = Tags.of("slot", slot);
        add(Gauge.builder(PREFIX + "retained", retained, AtomicLong::get)
                .description("WAL the replication slot keeps on the server (current position minus the slot's"
                        + " restart_lsn); it grows while no relay reads the slot")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(PREFIX + "lag", lag, AtomicLong::get)
                .description("WAL between the server's current position and the slot's confirmed position: events"
                        + " (and other WAL) not yet relayed and acknowledged")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(PREFIX + "active", active, AtomicLong::get)
                .description("1 while this relay streams from the slot, 0 while it waits as a standby")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(PREFIX + "parked", parked, AtomicLong::get)
                .description("Events parked by WAL relays (rows of the parked table with an LSN)")
                .baseUnit("events")
                .tags(tags)
                .register(registry));
        for (RelayState s : RelayState.values()) {
            add(Gauge.builder(PREFIX + "state", state, r -> r.get() == s ? 1 : 0)
                    .description("1 for the relay's current state, 0 for the others")
                    .tags(tags.and("state", s.tagValue()))
                    .register(registry));
        }
        stored = add(Counter.builder(PREFIX + "published")
                .description("Events acknowledged by a stream; outcome=duplicate when the duplicate window dropped a"
                        + " re-publish")
                .baseUnit("events")
                .tags(tags.and("outcome", "stored"))
                .register(registry));
        duplicates = add(Counter.builder(PREFIX + "published")
                .description("Events acknowledged by a stream; outcome=duplicate when the duplicate window dropped a"
                        + " re-publish")
                .baseUnit("events")
                .tags(tags.and("outcome", "duplicate"))
                .register(registry));
        for (PublishFailure f : PublishFailure.values()) {
            failures.put(
                    f,
                    add(Counter.builder(PREFIX + "failures")
                            .description("Failed publish attempts by reason")
                            .tags(tags.and("reason", f.tag()))
                            .register(registry)));
            parks.put(
                    f,
                    add(Counter.builder(PREFIX + "parks")
                            .description("Events moved to the parked table, by reason")
                            .tags(tags.and("reason", f.tag()))
                            .register(registry)));
        }
        slotRecreated = add(Counter.builder(PREFIX + "slot.recreated")
                .description("Times the replication slot disappeared while the relay used it and was created again;"
                        + " events committed in between were not relayed (the relay logs the range as an error)")
                .tags(tags)
                .register(registry));
        listenerFailures = add(Counter.builder(PREFIX + "listener.failures")
                .description("Exceptions thrown by relay event listeners (caught and logged)")
                .tags(tags)
                .register(registry));
        commitToAck = add(Timer.builder(PREFIX + "commit.to.ack")
                .description("From the writer's commit to the event's PubAck")
                .publishPercentiles(0.5, 0.99)
                .tags(tags)
                .register(registry));
    }

    void failure(PublishFailure f) {
        failures.get(f).increment();
    }

    void park(PublishFailure f) {
        parks.get(f).increment();
    }

    void commitToAck(long micros) {
        commitToAck.record(Duration.ofNanos(Math.max(0, micros) * 1000));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
