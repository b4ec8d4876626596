package dev.jscontract.consumer.micrometer;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerMetrics;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.Outcome;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one {@link dev.jscontract.consumer.ContractConsumer}, fed by its {@link ConsumerEvent}s (the core
 * reports through events; this adapter turns them into meters). Installed with {@code
 * ContractConsumer.builder(nc, contract).metrics(MicrometerConsumerMetrics.create(registry, contract))}; needs {@code
 * io.micrometer:micrometer-core} on the class path (an optional dependency of {@code jscontract-consumer}).
 *
 * <p>All names are under {@code jscontract.consumer.}, all meters carry {@code stream} and {@code consumer} tags, and
 * the only other tags are {@code outcome}, {@code reason}, {@code state} and {@code exception} (a simple class name), so
 * cardinality stays bounded: never a subject, id or payload field.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Extra tags</th><th>What</th></tr>
 *   <tr><td>{@code jscontract.consumer.messages}</td><td>counter</td><td>outcome</td><td>settled deliveries by
 *       {@link Outcome} (acked, retried, dead_lettered, terminated, failed, released)</td></tr>
 *   <tr><td>{@code jscontract.consumer.releases}</td><td>counter</td><td>reason</td><td>messages handed back
 *       without counting a failure (shutdown, hold-limit)</td></tr>
 *   <tr><td>{@code jscontract.consumer.holds}</td><td>counter</td><td>reason</td><td>failed attempts held and
 *       retried in process while the downstream is down (gate, dependency-down)</td></tr>
 *   <tr><td>{@code jscontract.consumer.state}</td><td>gauge</td><td>state</td><td>1 for the current {@link
 *       ConsumerState} (new, running, paused, recovering, halted, draining, closed, failed), 0 for the others:
 *       alert on {@code state="halted"}</td></tr>
 *   <tr><td>{@code jscontract.consumer.paused}</td><td>gauge</td><td>reason</td><td>1 while paused for this reason
 *       (gate, dead-letter-rate)</td></tr>
 *   <tr><td>{@code jscontract.consumer.handler}</td><td>timer</td><td>outcome</td><td>handler run time</td></tr>
 *   <tr><td>{@code jscontract.consumer.handler.failures}</td><td>counter</td><td>exception</td><td>failed attempts
 *       by exception</td></tr>
 *   <tr><td>{@code jscontract.consumer.deliveries}</td><td>summary</td><td></td><td>delivery count at settle</td></tr>
 *   <tr><td>{@code jscontract.consumer.ack_deadline.headroom}</td><td>summary</td><td></td><td>handler time /
 *       the delivery's ack deadline (above 1 only thanks to heartbeats)</td></tr>
 *   <tr><td>{@code jscontract.consumer.heartbeats}</td><td>counter</td><td></td><td>{@code inProgress()}
 *       sent</td></tr>
 *   <tr><td>{@code jscontract.consumer.processing_timeouts}</td><td>counter</td><td></td><td>attempts over the
 *       maximum processing time</td></tr>
 *   <tr><td>{@code jscontract.consumer.dead_letters}</td><td>counter</td><td>reason</td><td>dead letters stored
 *       (handler path and sweeper; an envelope the stream already held is not counted again)</td></tr>
 *   <tr><td>{@code jscontract.consumer.dead_letter.failures}</td><td>counter</td><td>reason, exception</td><td>dead
 *       letters that could not be stored (message kept)</td></tr>
 *   <tr><td>{@code jscontract.consumer.pull.errors}</td><td>counter</td><td>reason</td><td>pull errors
 *       (consumer-deleted, no-responders, heartbeat-missed, limit-exceeded, other)</td></tr>
 *   <tr><td>{@code jscontract.consumer.pauses}</td><td>counter</td><td>reason</td><td>pulling paused (gate,
 *       dead-letter-rate, drain)</td></tr>
 *   <tr><td>{@code jscontract.consumer.settle.failures}</td><td>counter</td><td>outcome</td><td>acks/naks/terms
 *       that could not be sent</td></tr>
 *   <tr><td>{@code jscontract.consumer.listener.failures}</td><td>counter</td><td></td><td>other listeners that
 *       threw</td></tr>
 *   <tr><td>{@code jscontract.consumer.pending}</td><td>gauge</td><td></td><td>{@code num_pending} from consumer
 *       info</td></tr>
 *   <tr><td>{@code jscontract.consumer.prefetch}</td><td>gauge</td><td></td><td>messages that may wait in the
 *       client buffer beyond the free handler threads (adaptive unless declared)</td></tr>
 *   <tr><td>{@code jscontract.consumer.buffered}</td><td>gauge</td><td></td><td>messages waiting in the client
 *       buffer</td></tr>
 *   <tr><td>{@code jscontract.consumer.buffer.oldest_age}</td><td>gauge (seconds)</td><td></td><td>at most how long
 *       the oldest buffered message has waited (its ack deadline runs meanwhile)</td></tr>
 *   <tr><td>{@code jscontract.consumer.ack_pending}</td><td>gauge</td><td></td><td>{@code num_ack_pending} from
 *       consumer info</td></tr>
 * </table>
 *
 * <p>{@link #close()} removes the meters from the registry (the registry itself is the caller's). Thread-safe.
 */
public final class MicrometerConsumerMetrics implements ConsumerMetrics {
    /** The common prefix. */
    public static final String PREFIX = "jscontract.consumer.";

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<Outcome, Counter> messages = new EnumMap<>(Outcome.class);
    private final Map<Outcome, Timer> handler = new EnumMap<>(Outcome.class);
    private final DistributionSummary deliveries;
    private final DistributionSummary headroom;
    private final Counter heartbeats;
    private final Counter timeouts;
    private final Counter listenerFailures;
    private final Map<String, Counter> dynamic = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong ackPending = new AtomicLong();
    private final AtomicLong prefetch = new AtomicLong();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong oldestBufferedNanos = new AtomicLong();
    private final AtomicReference<ConsumerState> state = new AtomicReference<>(ConsumerState.NEW);
    private final AtomicReference<String> pauseCause = new AtomicReference<>("");

    private MicrometerConsumerMetrics(MeterRegistry registry, String stream, String consumer) {
        this.registry = registry;
        this.tags = Tags.of("stream", stream, "consumer", consumer);
        for (Outcome o : Outcome.values()) {
            messages.put(
                    o,
                    keep(Counter.builder(PREFIX + "messages")
                            .description("Settled deliveries by outcome")
                            .tags(tags)
                            .tag("outcome", o.tagValue())
                            .register(registry)));
            handler.put(
                    o,
                    keep(Timer.builder(PREFIX + "handler")
                            .description("Handler run time by outcome")
                            .tags(tags)
                            .tag("outcome", o.tagValue())
                            .register(registry)));
        }
        deliveries = keep(DistributionSummary.builder(PREFIX + "deliveries")
                .description("Delivery count of a message when it was settled (1 = first delivery)")
                .tags(tags)
                .register(registry));
        headroom = keep(DistributionSummary.builder(PREFIX + "ack_deadline.headroom")
                .description("Handler time divided by the delivery's ack deadline; above 1 only thanks to heartbeats")
                .tags(tags)
                .register(registry));
        heartbeats = keep(Counter.builder(PREFIX + "heartbeats")
                .description("inProgress() heartbeats sent while handlers ran")
                .tags(tags)
                .register(registry));
        timeouts = keep(Counter.builder(PREFIX + "processing_timeouts")
                .description("Attempts that exceeded the contract's maximum processing time")
                .tags(tags)
                .register(registry));
        listenerFailures = keep(Counter.builder(PREFIX + "listener.failures")
                .description("Event listeners that threw")
                .tags(tags)
                .register(registry));
        keep(Gauge.builder(PREFIX + "pending", pending, AtomicLong::doubleValue)
                .description("Messages not yet delivered to the consumer (num_pending from consumer info)")
                .tags(tags)
                .register(registry));
        keep(Gauge.builder(PREFIX + "ack_pending", ackPending, AtomicLong::doubleValue)
                .description("Messages delivered and not yet settled (num_ack_pending from consumer info)")
                .tags(tags)
                .register(registry));
        keep(Gauge.builder(PREFIX + "prefetch", prefetch, AtomicLong::doubleValue)
                .description("Messages that may wait in the client buffer beyond the free handler threads")
                .tags(tags)
                .register(registry));
        keep(Gauge.builder(PREFIX + "buffered", buffered, AtomicLong::doubleValue)
                .description("Messages waiting in the client buffer for a handler thread")
                .tags(tags)
                .register(registry));
        keep(Gauge.builder(PREFIX + "buffer.oldest_age", oldestBufferedNanos, n -> n.get() / 1e9)
                .description("At most how long the oldest buffered message has waited, in seconds")
                .baseUnit("seconds")
                .tags(tags)
                .register(registry));
        for (ConsumerState s : ConsumerState.values()) {
            keep(Gauge.builder(PREFIX + "state", state, r -> r.get() == s ? 1 : 0)
                    .description("1 for the consumer's current state (running, paused, recovering, halted, ...), 0"
                            + " for the others")
                    .tags(tags)
                    .tag("state", s.tagValue())
                    .register(registry));
        }
        for (PauseCause c : PauseCause.values()) {
            if (c == PauseCause.DRAIN) {
                continue; // shown as state draining
            }
            keep(Gauge.builder(PREFIX + "paused", pauseCause, r -> r.get().equals(c.tagValue()) ? 1 : 0)
                    .description("1 while the consumer is paused for this reason (gate, dead-letter-rate)")
                    .tags(tags)
                    .tag("reason", c.tagValue())
                    .register(registry));
        }
    }

    /** Meters for the consumer of {@code contract}, registered in {@code registry}. */
    public static MicrometerConsumerMetrics create(MeterRegistry registry, ConsumerContract contract) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(contract, "contract");
        return new MicrometerConsumerMetrics(registry, contract.getStream(), contract.getDurable());
    }

    private <M extends Meter> M keep(M meter) {
        synchronized (meters) {
            meters.add(meter);
        }
        return meter;
    }

    @Override
    public void onEvent(ConsumerEvent event) {
        if (event instanceof ConsumerEvent.Settled s) {
            Outcome o = s.outcome();
            messages.get(o).increment();
            handler.get(o).record(s.handlerTime());
            deliveries.record(s.deliveryCount());
            if (!s.ackDeadline().isZero()) {
                headroom.record(
                        (double) s.handlerTime().toNanos() / s.ackDeadline().toNanos());
            }
            if (s instanceof ConsumerEvent.RetryScheduled r) {
                failure(r.failure());
            } else if (s instanceof ConsumerEvent.MessageDeadLettered d) {
                failure(d.failure());
                if (!d.duplicate()) {
                    deadLetter(d.reason());
                }
            } else if (s instanceof ConsumerEvent.MessageTerminated t) {
                failure(t.failure());
            } else if (s instanceof ConsumerEvent.MessageReleased r) {
                counter(
                        "releases",
                        "Messages handed back for redelivery without counting as a failure, by cause",
                        "reason",
                        r.cause().tagValue());
            } else if (s instanceof ConsumerEvent.DeadLetterFailed f) {
                failure(f.failure());
                counter(
                        "dead_letter.failures",
                        "Dead letters that could not be stored (the message was kept)",
                        "reason",
                        f.reason().wireValue(),
                        "exception",
                        f.error().getClass().getSimpleName());
            }
        } else if (event instanceof ConsumerEvent.MessageHeld h) {
            counter(
                    "holds",
                    "Failed attempts held and retried in process while the downstream is down, by cause",
                    "reason",
                    h.cause().tagValue());
        } else if (event instanceof ConsumerEvent.StateChanged c) {
            state.set(c.to());
            pauseCause.set(c.to() == ConsumerState.PAUSED ? c.cause() : "");
        } else if (event instanceof ConsumerEvent.HeartbeatSent) {
            heartbeats.increment();
        } else if (event instanceof ConsumerEvent.ProcessingTimedOut) {
            timeouts.increment();
        } else if (event instanceof ConsumerEvent.MaxDeliveriesSwept sw) {
            if (!sw.duplicate()) {
                deadLetter(DeadLetterReason.MAX_DELIVERIES);
            }
        } else if (event instanceof ConsumerEvent.SweepFailed f) {
            counter(
                    "dead_letter.failures",
                    "Dead letters that could not be stored (the message was kept)",
                    "reason",
                    DeadLetterReason.MAX_DELIVERIES.wireValue(),
                    "exception",
                    f.error().getClass().getSimpleName());
        } else if (event instanceof ConsumerEvent.PullError p) {
            counter("pull.errors", "Pull errors by kind", "reason", p.kind().tagValue());
        } else if (event instanceof ConsumerEvent.PullingPaused p) {
            counter(
                    "pauses",
                    "Times pulling was paused, by cause",
                    "reason",
                    p.cause().tagValue());
        } else if (event instanceof ConsumerEvent.SettleFailed f) {
            counter("settle.failures", "Acks, NAKs and terms that could not be sent", "outcome", f.action());
        } else if (event instanceof ConsumerEvent.ListenerFailed) {
            listenerFailures.increment();
        } else if (event instanceof ConsumerEvent.ConsumerInfoSampled i) {
            pending.set(i.numPending());
            ackPending.set(i.numAckPending());
        } else if (event instanceof ConsumerEvent.BufferSampled b) {
            prefetch.set(b.prefetch());
            buffered.set(b.buffered());
            oldestBufferedNanos.set(b.oldestBufferedAge().toNanos());
        }
    }

    private void failure(@Nullable Throwable failure) {
        if (failure != null) {
            counter(
                    "handler.failures",
                    "Failed attempts by exception",
                    "exception",
                    failure.getClass().getSimpleName());
        }
    }

    private void deadLetter(DeadLetterReason reason) {
        counter("dead_letters", "Dead letters stored, by reason", "reason", reason.wireValue());
    }

    private void counter(String name, String description, String... tagPairs) {
        String key = name + '|' + String.join("|", tagPairs);
        dynamic.computeIfAbsent(
                        key,
                        k -> keep(Counter.builder(PREFIX + name)
                                .description(description)
                                .tags(tags)
                                .tags(tagPairs)
                                .register(registry)))
                .increment();
    }

    /** Removes this consumer's meters from the registry. Idempotent. */
    @Override
    public void close() {
        List<Meter> copy;
        synchronized (meters) {
            copy = new ArrayList<>(meters);
            meters.clear();
        }
        for (Meter m : copy) {
            registry.remove(m);
        }
    }

    @Override
    public String toString() {
        return "MicrometerConsumerMetrics{" + tags + "}";
    }
}
