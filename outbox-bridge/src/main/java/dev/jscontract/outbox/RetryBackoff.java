package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * How long the relay waits before publishing a failed row again: after the n-th failed attempt, {@code initial ×
 * multiplier^(n-1)}, capped at {@code max}, optionally spread by jitter. The relay parks a row after {@link
 * OutboxRelay.Builder#maxAttempts(int) maxAttempts} failed attempts, so the backoff also bounds how long a row can be
 * retried, which the duplicate-window check compares with the streams' windows (PUB-002).
 *
 * <pre>{@code
 * RetryBackoff.exponential(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10)).withJitter(0.2); // the default
 * RetryBackoff.fixed(Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe. The delay is a pure function of the attempt number and a random
 * number given by the caller, so it is tested without clocks or sleeps.
 */
public final class RetryBackoff {
    /** 100 ms, doubling, capped at 10 s, 20 % jitter. */
    public static final RetryBackoff DEFAULT =
            exponential(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10)).withJitter(0.2);

    private final Duration initial;
    private final double multiplier;
    private final Duration max;
    private final double jitter;

    private RetryBackoff(Duration initial, double multiplier, Duration max, double jitter) {
        this.initial = initial;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
    }

    /**
     * The same delay after every failed attempt.
     *
     * @throws IllegalArgumentException when the delay is not positive
     */
    public static RetryBackoff fixed(Duration delay) {
        Checks.positive(delay, "delay");
        return new RetryBackoff(delay, 1.0, delay, 0);
    }

    /**
     * {@code initial × multiplier^(n-1)} after the n-th failed attempt, capped at {@code max}.
     *
     * @param initial positive
     * @param multiplier greater than 1 (for a constant delay use {@link #fixed(Duration)})
     * @param max at least {@code initial}
     * @throws IllegalArgumentException when a value is out of range
     */
    public static RetryBackoff exponential(Duration initial, double multiplier, Duration max) {
        Checks.positive(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (!(multiplier > 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be greater than 1 but was " + multiplier
                    + "; for a constant delay use RetryBackoff.fixed(initial)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "max must be at least initial (" + initial + ") but was " + max + "; raise max or lower initial");
        }
        return new RetryBackoff(initial, multiplier, max, 0);
    }

    /**
     * The same backoff with each delay spread uniformly over {@code [d × (1 − jitter), d × (1 + jitter)]}, so relays
     * failing together do not retry in lockstep.
     *
     * @param jitter in (0, 1]
     * @throws IllegalArgumentException when out of range
     * @throws IllegalStateException when jitter was already set
     */
    public RetryBackoff withJitter(double jitter) {
        if (this.jitter != 0) {
            Checks.once(true, "jitter", this.jitter);
        }
        if (!(jitter > 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be in (0, 1] but was " + jitter);
        }
        return new RetryBackoff(initial, multiplier, max, jitter);
    }

    /** The delay after the first failed attempt (before jitter). */
    public Duration getInitial() {
        return initial;
    }

    /** The growth factor; 1 for {@link #fixed(Duration)}. */
    public double getMultiplier() {
        return multiplier;
    }

    /** The cap (before jitter). */
    public Duration getMax() {
        return max;
    }

    /** The jitter fraction, 0 when none. */
    public double getJitter() {
        return jitter;
    }

    /**
     * The delay without jitter after the n-th failed attempt.
     *
     * @param failedAttempts 1 for the first failure
     * @throws IllegalArgumentException when below 1
     */
    public Duration baseDelay(int failedAttempts) {
        if (failedAttempts < 1) {
            throw new IllegalArgumentException("failedAttempts must be at least 1 but was " + failedAttempts);
        }
        double nanos = initial.toNanos() * Math.pow(multiplier, failedAttempts - 1.0);
        return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
    }

    /**
     * The delay after the n-th failed attempt, with jitter taken from {@code random}.
     *
     * @param failedAttempts 1 for the first failure
     * @param random a number in [0, 1), e.g. from {@link java.util.concurrent.ThreadLocalRandom}
     * @throws IllegalArgumentException when failedAttempts is below 1 or random is outside [0, 1)
     */
    public Duration delay(int failedAttempts, double random) {
        if (!(random >= 0 && random < 1)) {
            throw new IllegalArgumentException("random must be in [0, 1) but was " + random);
        }
        Duration base = baseDelay(failedAttempts);
        if (jitter == 0) {
            return base;
        }
        double factor = 1 + jitter * (2 * random - 1);
        return Duration.ofNanos(Math.round(base.toNanos() * factor));
    }

    /** The longest delay after the n-th failed attempt, jitter included. */
    public Duration maxDelay(int failedAttempts) {
        Duration base = baseDelay(failedAttempts);
        return jitter == 0 ? base : Duration.ofNanos(Math.round(base.toNanos() * (1 + jitter)));
    }

    /** The longest total wait over the first {@code failedAttempts} failures (the sum of {@link #maxDelay(int)}). */
    public Duration maxTotal(int failedAttempts) {
        Duration total = Duration.ZERO;
        for (int n = 1; n <= failedAttempts; n++) {
            total = total.plus(maxDelay(n));
        }
        return total;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RetryBackoff)) {
            return false;
        }
        RetryBackoff that = (RetryBackoff) o;
        return Double.compare(that.multiplier, multiplier) == 0
                && Double.compare(that.jitter, jitter) == 0
                && initial.equals(that.initial)
                && max.equals(that.max);
    }

    @Override
    public int hashCode() {
        return Objects.hash(initial, multiplier, max, jitter);
    }

    @Override
    public String toString() {
        return multiplier == 1.0
                ? "RetryBackoff{fixed " + initial + (jitter == 0 ? "" : ", jitter " + jitter) + "}"
                : "RetryBackoff{" + initial + " x" + multiplier + " up to " + max
                        + (jitter == 0 ? "" : ", jitter " + jitter) + "}";
    }
}
