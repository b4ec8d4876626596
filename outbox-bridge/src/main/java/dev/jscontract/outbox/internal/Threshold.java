package dev.jscontract.outbox.internal;

/**
 * Tells when a value measured again and again rises above a threshold, so that a warning comes once per crossing:
 * {@link Crossing#ROSE} the first time a value is above it, {@link Crossing#FELL} the first time one is back at or
 * below it, {@link Crossing#NONE} otherwise. Starts below. Not thread-safe: one instance per measured value, used by
 * the thread that measures it ({@link WalStatsPoller}).
 */
final class Threshold {
    /** What a measured value changed. */
    enum Crossing {
        /** Above the threshold, and the previous value was not. */
        ROSE,
        /** At or below the threshold, and the previous value was above. */
        FELL,
        /** On the same side as the previous value. */
        NONE
    }

    private final long limit;
    private boolean above;

    /** A threshold at {@code limit}: values greater than it are above. */
    Threshold(long limit) {
        this.limit = limit;
    }

    /** The threshold. */
    long limit() {
        return limit;
    }

    /** Records a measured value and tells whether it crossed the threshold. */
    Crossing measure(long value) {
        boolean now = value > limit;
        if (now == above) {
            return Crossing.NONE;
        }
        above = now;
        return now ? Crossing.ROSE : Crossing.FELL;
    }
}
