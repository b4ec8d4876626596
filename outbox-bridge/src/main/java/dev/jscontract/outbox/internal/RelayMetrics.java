package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxRelayEvent.OwnershipCause;
import dev.jscontract.outbox.PublishFailure;
import dev.jscontract.outbox.RelayState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The relay's Micrometer meters, all under {@code jscontract.outbox.} and tagged with the outbox {@code table}; the
 * other tags are bounded enums ({@code outcome}, {@code reason}, {@code cause}, {@code state}). Removed from the
 * registry on close.
 */
public final class RelayMetrics implements AutoCloseable {
    /** The common prefix. */
    public static final String PREFIX = "jscontract.outbox.";

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    final AtomicLong backlog = new AtomicLong();
    final AtomicLong lagMillis = new AtomicLong();
    final AtomicLong parked = new AtomicLong();
    final AtomicInteger owned = new AtomicInteger();
    final AtomicLong xminAgeMillis = new AtomicLong();
    final AtomicReference<RelayState> state = new AtomicReference<>(RelayState.NEW);

    final Counter stored;
    final Counter duplicates;
    private final Map<PublishFailure, Counter> failures = new EnumMap<>(PublishFailure.class);
    private final Map<PublishFailure, Counter> parks = new EnumMap<>(PublishFailure.class);
    private final Map<OwnershipCause, Counter> ownershipChanges = new EnumMap<>(OwnershipCause.class);
    final Counter listenerFailures;
    final DistributionSummary batchSize;
    final Timer batchDuration;
    final Timer claimDuration;
    final Timer commitToAck;

    /** Registers the meters for the given outbox table. */
    public RelayMetrics(MeterRegistry registry, String table) {
        this.registry = registry;
        Tags tags = Tags.of("table", table);
        add(Gauge.builder(PREFIX + "backlog", backlog, AtomicLong::get)
                .description("Rows in the outbox table that wait to be published (as of the last stats query)")
                .baseUnit("rows")
                .tags(tags)
                .register(registry));
        add(TimeGauge.builder(PREFIX + "lag", lagMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("Age of the oldest unpublished outbox row, 0 when the outbox is empty (as of the last"
                        + " stats query)")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(PREFIX + "parked", parked, AtomicLong::get)
                .description("Rows in the parked-rows table: failed their last allowed attempt, wait to be re-queued")
                .baseUnit("rows")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(PREFIX + "partitions.owned", owned, AtomicInteger::get)
                .description("Outbox partitions this relay owns (publishes) right now")
                .tags(tags)
                .register(registry));
        add(TimeGauge.builder(PREFIX + "xmin.age", xminAgeMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("How long the oldest transaction in the outbox's database has been open; it holds back"
                        + " the xmin horizon, so vacuum cannot remove deleted outbox rows")
                .tags(tags)
                .register(registry));
        for (RelayState s : RelayState.values()) {
            add(Gauge.builder(PREFIX + "state", state, r -> r.get() == s ? 1 : 0)
                    .description("1 for the relay's current state (running, recovering, halted, ...), 0 for the others:"
                            + " alert on state=\"halted\"")
                    .tags(tags.and("state", s.tagValue()))
                    .register(registry));
        }
        stored = add(Counter.builder(PREFIX + "published")
                .description("Rows acknowledged by a stream; outcome=duplicate when the stream already had the"
                        + " message id (a re-publish absorbed by the duplicate window)")
                .baseUnit("rows")
                .tags(tags.and("outcome", "stored"))
                .register(registry));
        duplicates = add(Counter.builder(PREFIX + "published")
                .description("Rows acknowledged by a stream; outcome=duplicate when the stream already had the"
                        + " message id (a re-publish absorbed by the duplicate window)")
                .baseUnit("rows")
                .tags(tags.and("outcome", "duplicate"))
                .register(registry));
        for (PublishFailure f : PublishFailure.values()) {
            failures.put(
                    f,
                    add(Counter.builder(PREFIX + "failures")
                            .description("Failed publish attempts by reason")
                            .tags(tags.and("reason", f.tag()))
                            .register(registry)));
            if (f.isRowSpecific()) {
                parks.put(
                        f,
                        add(Counter.builder(PREFIX + "parks")
                                .description("Rows this relay moved to the parked-rows table, by the reason of the last"
                                        + " failure")
                                .baseUnit("rows")
                                .tags(tags.and("reason", f.tag()))
                                .register(registry)));
            }
        }
        for (OwnershipCause c : OwnershipCause.values()) {
            ownershipChanges.put(
                    c,
                    add(Counter.builder(PREFIX + "ownership.changes")
                            .description("Changes of the set of partitions this relay owns, by cause")
                            .tags(tags.and("cause", c.tagValue()))
                            .register(registry)));
        }
        listenerFailures = add(Counter.builder(PREFIX + "listener.failures")
                .description("Exceptions thrown by OutboxRelayListeners (caught and logged)")
                .tags(tags)
                .register(registry));
        batchSize = add(DistributionSummary.builder(PREFIX + "batch.size")
                .description("Rows per claimed batch")
                .baseUnit("rows")
                .tags(tags)
                .register(registry));
        batchDuration = add(Timer.builder(PREFIX + "batch.duration")
                .description("Time from claiming a batch to recording its last PubAck in the database")
                .tags(tags)
                .register(registry));
        claimDuration = add(Timer.builder(PREFIX + "claim.duration")
                .description("Time of one claim query")
                .tags(tags)
                .register(registry));
        commitToAck = add(Timer.builder(PREFIX + "commit.to.ack")
                .description("Time from a row's commit to its PubAck; the commit time is the transaction's commit"
                        + " timestamp when track_commit_timestamp is on, else the row's created_at (its insert time)")
                .tags(tags)
                .register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    void failure(PublishFailure reason) {
        failures.get(reason).increment();
    }

    void parked(PublishFailure reason) {
        parks.get(reason).increment();
    }

    void ownershipChanged(OwnershipCause cause) {
        ownershipChanges.get(cause).increment();
    }

    void commitToAck(Duration d) {
        commitToAck.record(d.isNegative() ? Duration.ZERO : d);
    }

    /** Removes every meter of this relay from the registry. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
