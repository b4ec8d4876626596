package dev.jscontract.consumer.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Heartbeats and the processing-time cap for the attempts on the handler threads, driven by a periodic {@link
 * #tick(Instant)} instead of one scheduled task per message: each handler thread owns one slot, so registering is a
 * single volatile write, and a tick scans at most {@code concurrency} slots.
 *
 * <p>A heartbeat is due {@code interval} after the attempt was taken and then {@code interval} after the previous
 * one; ticks come every {@link #tickPeriod()}, so the largest gap between heartbeats is {@code interval +
 * tickPeriod}. With the default interval (a third of the ack deadline) and a quarter-interval tick that is 42% of the
 * deadline.
 */
public final class HeartbeatMonitor {
    /** Receives what a tick did. */
    public interface Callbacks {
        /** A heartbeat was sent for {@code attempt}. */
        void heartbeatSent(Attempt attempt, Instant now);

        /** {@code attempt} exceeded the cap and must be settled by the timeout path. */
        void timedOut(Attempt attempt, Instant now);

        /** {@code attempt}'s handler has been running for {@code elapsed} (reported on every tick). */
        default void running(Attempt attempt, Duration elapsed) {}
    }

    private static final Duration MIN_TICK = Duration.ofMillis(10);
    private static final Duration MAX_TICK = Duration.ofMillis(250);

    private final AtomicReferenceArray<Attempt> slots;
    private final @Nullable Duration interval;
    private final @Nullable Duration cap;
    private final Callbacks callbacks;

    /**
     * @param slots one per handler thread
     * @param interval the heartbeat interval, or null when heartbeats are off
     * @param cap the maximum processing time, or null when unbounded
     */
    public HeartbeatMonitor(int slots, @Nullable Duration interval, @Nullable Duration cap, Callbacks callbacks) {
        this.slots = new AtomicReferenceArray<>(slots);
        this.interval = interval;
        this.cap = cap;
        this.callbacks = callbacks;
    }

    /**
     * How often {@link #tick(Instant)} should run: a quarter of the heartbeat interval and a tenth of the cap,
     * within [10 ms, 250 ms].
     */
    public Duration tickPeriod() {
        Duration t = MAX_TICK;
        if (interval != null) {
            t = min(t, interval.dividedBy(4));
        }
        if (cap != null) {
            t = min(t, cap.dividedBy(10));
        }
        return t.compareTo(MIN_TICK) < 0 ? MIN_TICK : t;
    }

    /** The heartbeat interval, or null when off. */
    public @Nullable Duration interval() {
        return interval;
    }

    /** Puts an attempt in a handler thread's slot. */
    public void register(int slot, Attempt attempt) {
        slots.set(slot, attempt);
    }

    /** Empties a handler thread's slot. */
    public void unregister(int slot) {
        slots.set(slot, null);
    }

    /** The attempt in a slot, if any. */
    public @Nullable Attempt get(int slot) {
        return slots.get(slot);
    }

    /** Times out attempts over the cap, then sends due heartbeats. */
    public void tick(Instant now) {
        for (int i = 0; i < slots.length(); i++) {
            Attempt a = slots.get(i);
            if (a == null) {
                continue;
            }
            if (cap != null && a.timeOutIfOverCap(now, cap)) {
                callbacks.timedOut(a, now);
            }
            Duration running = a.runningFor(now);
            if (running != null) {
                callbacks.running(a, running);
            }
            if (interval != null && a.heartbeatIfDue(now, interval)) {
                callbacks.heartbeatSent(a, now);
            }
        }
    }

    /**
     * Whether a handler thread waits with its message instead of running it (held while the downstream is down, or
     * waiting for the gate for a tick or longer): then nothing takes the messages buffered behind it.
     */
    public boolean anyWaiting(Instant now) {
        Duration minWait = tickPeriod();
        for (int i = 0; i < slots.length(); i++) {
            Attempt a = slots.get(i);
            if (a != null && a.isWaiting(now, minWait)) {
                return true;
            }
        }
        return false;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
