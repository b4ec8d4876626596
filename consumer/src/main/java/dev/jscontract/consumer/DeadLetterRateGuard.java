package dev.jscontract.consumer;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * Pauses a consumer that is dead-lettering too much: when, among the last {@link #getWindow()} settled deliveries
 * (at least {@link #getMinimumDeliveries()} of them), more than {@link #getMaxShare()} were dead-lettered or
 * terminated, pulling stops for {@link #getPause()} and a {@link ConsumerEvent.DeadLetterRateExceeded} event is
 * emitted. In-flight work is finished; afterwards the window starts empty. The point is a bad deploy that rejects
 * everything: it should fill a dashboard, not the dead-letter stream.
 *
 * <pre>{@code
 * DeadLetterRateGuard.builder().window(200).minimumDeliveries(50).maxShare(0.25).pause(Duration.ofMinutes(5)).build()
 * }</pre>
 *
 * <p>Defaults ({@link #defaults()}): window {@value #DEFAULT_WINDOW}, minimum {@value #DEFAULT_MINIMUM_DELIVERIES},
 * max share {@value #DEFAULT_MAX_SHARE}, pause 30 s. Immutable.
 */
public final class DeadLetterRateGuard {
    /** Default number of recent deliveries looked at. */
    public static final int DEFAULT_WINDOW = 100;
    /** Default minimum number of deliveries before the guard can trip. */
    public static final int DEFAULT_MINIMUM_DELIVERIES = 20;
    /** Default largest share of dead letters that is tolerated. */
    public static final double DEFAULT_MAX_SHARE = 0.5;
    /** Default pause. */
    public static final Duration DEFAULT_PAUSE = Duration.ofSeconds(30);

    private static final DeadLetterRateGuard DEFAULTS =
            new DeadLetterRateGuard(DEFAULT_WINDOW, DEFAULT_MINIMUM_DELIVERIES, DEFAULT_MAX_SHARE, DEFAULT_PAUSE);

    private final int window;
    private final int minimumDeliveries;
    private final double maxShare;
    private final Duration pause;

    private DeadLetterRateGuard(int window, int minimumDeliveries, double maxShare, Duration pause) {
        this.window = window;
        this.minimumDeliveries = minimumDeliveries;
        this.maxShare = maxShare;
        this.pause = pause;
    }

    /** The default guard. */
    public static DeadLetterRateGuard defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder with this guard's values; each may be changed once. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.window = window;
        b.minimumDeliveries = minimumDeliveries;
        b.maxShare = maxShare;
        b.pause = pause;
        return b;
    }

    /** How many recent settled deliveries are looked at. */
    public int getWindow() {
        return window;
    }

    /** How many settled deliveries the window must hold before the guard can trip. */
    public int getMinimumDeliveries() {
        return minimumDeliveries;
    }

    /** The largest tolerated share of dead-lettered deliveries, in (0, 1]. */
    public double getMaxShare() {
        return maxShare;
    }

    /** How long pulling pauses when the guard trips. */
    public Duration getPause() {
        return pause;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterRateGuard g
                && g.window == window
                && g.minimumDeliveries == minimumDeliveries
                && Double.compare(g.maxShare, maxShare) == 0
                && g.pause.equals(pause);
    }

    @Override
    public int hashCode() {
        return Objects.hash(window, minimumDeliveries, maxShare, pause);
    }

    @Override
    public String toString() {
        return "DeadLetterRateGuard{window=" + window + ", minimumDeliveries=" + minimumDeliveries + ", maxShare="
                + maxShare + ", pause=" + pause + "}";
    }

    /** Builds a {@link DeadLetterRateGuard}; every option may be set once. */
    public static final class Builder {
        private int window = DEFAULT_WINDOW;
        private int minimumDeliveries = DEFAULT_MINIMUM_DELIVERIES;
        private double maxShare = DEFAULT_MAX_SHARE;
        private Duration pause = DEFAULT_PAUSE;
        private boolean windowSet;
        private boolean minimumSet;
        private boolean shareSet;
        private boolean pauseSet;

        private Builder() {}

        /**
         * How many recent settled deliveries to look at.
         *
         * @throws IllegalArgumentException when not in 1..100000
         * @throws IllegalStateException when already set
         */
        public Builder window(int window) {
            if (window < 1 || window > 100_000) {
                throw new IllegalArgumentException("window must be between 1 and 100000 but was " + window);
            }
            if (windowSet) {
                Checks.once(true, "window", this.window);
            }
            windowSet = true;
            this.window = window;
            return this;
        }

        /**
         * How many settled deliveries the window must hold before the guard can trip.
         *
         * @throws IllegalArgumentException when below 1
         * @throws IllegalStateException when already set
         */
        public Builder minimumDeliveries(int minimumDeliveries) {
            if (minimumDeliveries < 1) {
                throw new IllegalArgumentException("minimumDeliveries must be at least 1 but was " + minimumDeliveries);
            }
            if (minimumSet) {
                Checks.once(true, "minimumDeliveries", this.minimumDeliveries);
            }
            minimumSet = true;
            this.minimumDeliveries = minimumDeliveries;
            return this;
        }

        /**
         * The largest tolerated share of dead letters; the guard trips when the share is above it.
         *
         * @throws IllegalArgumentException when not in (0, 1)
         * @throws IllegalStateException when already set
         */
        public Builder maxShare(double maxShare) {
            if (!(maxShare > 0 && maxShare < 1)) {
                throw new IllegalArgumentException("maxShare must be between 0 and 1 (exclusive) but was " + maxShare
                        + "; to turn the guard off use ContractConsumer.Builder.noDeadLetterRateGuard()");
            }
            if (shareSet) {
                Checks.once(true, "maxShare", this.maxShare);
            }
            shareSet = true;
            this.maxShare = maxShare;
            return this;
        }

        /**
         * How long to stop pulling when the guard trips.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when already set
         */
        public Builder pause(Duration pause) {
            Objects.requireNonNull(pause, "pause");
            if (pause.isZero() || pause.isNegative()) {
                throw new IllegalArgumentException("pause must be positive but was " + pause);
            }
            if (pauseSet) {
                Checks.once(true, "pause", this.pause);
            }
            pauseSet = true;
            this.pause = pause;
            return this;
        }

        /**
         * Builds the guard.
         *
         * @throws IllegalStateException when minimumDeliveries exceeds window (the guard could never trip)
         */
        public DeadLetterRateGuard build() {
            if (minimumDeliveries > window) {
                throw new IllegalStateException("minimumDeliveries " + minimumDeliveries + " exceeds window " + window
                        + ", so the guard could never trip; lower minimumDeliveries or raise window");
            }
            return new DeadLetterRateGuard(window, minimumDeliveries, maxShare, pause);
        }
    }
}
