package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.DeadLetterRateGuard;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The dead-letter rate guard's sliding window: the outcomes of the last {@code window} settled deliveries (dead
 * letter or not) in a ring, and the pause it decides. Pure logic; {@code now} is a parameter. Thread-safe.
 */
public final class RateWindow {
    /** What {@link #record(boolean, Instant)} decided when the guard tripped. */
    public record Trip(int deadLettered, int window, double share, Instant pausedUntil) {}

    private final DeadLetterRateGuard guard;
    private final boolean[] ring;
    private int next;
    private int size;
    private int deadLettered;
    private @Nullable Instant pausedUntil;

    /** A window for the guard's settings. */
    public RateWindow(DeadLetterRateGuard guard) {
        this.guard = guard;
        this.ring = new boolean[guard.getWindow()];
    }

    /**
     * Records one settled delivery.
     *
     * @param wasDeadLettered whether it was dead-lettered or terminated
     * @return the trip, when this delivery pushed the share above the limit (and the guard was not already paused)
     */
    public synchronized @Nullable Trip record(boolean wasDeadLettered, Instant now) {
        if (size == ring.length) {
            if (ring[next]) {
                deadLettered--;
            }
        } else {
            size++;
        }
        ring[next] = wasDeadLettered;
        if (wasDeadLettered) {
            deadLettered++;
        }
        next = (next + 1) % ring.length;
        if (pausedUntil != null || size < guard.getMinimumDeliveries()) {
            return null;
        }
        double share = (double) deadLettered / size;
        if (share <= guard.getMaxShare()) {
            return null;
        }
        pausedUntil = now.plus(guard.getPause());
        return new Trip(deadLettered, size, share, pausedUntil);
    }

    /** Whether the guard holds the consumer paused. */
    public synchronized boolean isPaused() {
        return pausedUntil != null;
    }

    /**
     * Ends the pause when it is over, and starts a fresh window.
     *
     * @return true when this call ended a pause
     */
    public synchronized boolean resumeIfDue(Instant now) {
        if (pausedUntil == null || now.isBefore(pausedUntil)) {
            return false;
        }
        pausedUntil = null;
        size = 0;
        next = 0;
        deadLettered = 0;
        return true;
    }

    /** Dead letters in the window. */
    public synchronized int deadLettered() {
        return deadLettered;
    }

    /** Deliveries in the window. */
    public synchronized int size() {
        return size;
    }
}
