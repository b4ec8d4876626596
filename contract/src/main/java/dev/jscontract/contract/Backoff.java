package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The retry backoff of a contract: how long to wait before redelivering a message whose handler failed with a
 * retryable error. The runtime applies it with {@code nakWithDelay(backoff.delayFor(deliveryCount))}; it is
 * <em>not</em> server-side BackOff, whose entries are per-delivery ack deadlines that replace AckWait (B-02, B-03,
 * design §3).
 *
 * <ul>
 *   <li>{@link #fixed(Duration)}: the same delay after every failed attempt;
 *   <li>{@link #exponential(Duration, double, Duration)}: {@code initial × multiplier^(n-1)}, capped at {@code max};
 *   <li>{@link #of(Duration...)}: an explicit list, the last entry repeating;
 *   <li>{@link #none()}: redeliver at once. Must be chosen explicitly and draws lint warning {@code NAK-003}, because
 *       it burns {@code maxDeliver} in milliseconds when a downstream is down.
 * </ul>
 *
 * <p>{@link #withJitter(double)} spreads each delay uniformly over {@code [d × (1 − j), d × (1 + j)]} so that many
 * consumers failing together do not retry in lockstep.
 *
 * <pre>{@code
 * Backoff b = Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)).withJitter(0.2);
 * b.delayFor(1); // ~1 s after the first failed delivery
 * b.delayFor(3); // ~4 s after the third
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Backoff {

    /** The shape of a backoff. */
    public enum Kind {
        /** No delay: immediate redelivery. */
        NONE,
        /** The same delay every time. */
        FIXED,
        /** Exponential growth with a cap. */
        EXPONENTIAL,
        /** An explicit list of delays. */
        LIST
    }

    private static final Backoff NONE = new Backoff(Kind.NONE, List.of(), 0, Duration.ZERO, 0);

    private final Kind kind;
    private final List<Duration> delays; // FIXED: [d]; EXPONENTIAL: [initial]; LIST: the list
    private final double multiplier;
    private final Duration max;
    private final double jitter;

    private Backoff(Kind kind, List<Duration> delays, double multiplier, Duration max, double jitter) {
        this.kind = kind;
        this.delays = delays;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
    }

    /** Immediate redelivery after a failed attempt (a zero-delay NAK). Draws lint warning {@code NAK-003}. */
    public static Backoff none() {
        return NONE;
    }

    /**
     * The same delay after every failed attempt.
     *
     * @param delay positive
     * @throws IllegalArgumentException when the delay is not positive (for no delay use {@link #none()})
     */
    public static Backoff fixed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isZero() || delay.isNegative()) {
            throw new IllegalArgumentException(
                    "delay must be positive but was " + delay + "; for immediate redelivery use Backoff.none()");
        }
        return new Backoff(Kind.FIXED, List.of(delay), 0, delay, 0);
    }

    /**
     * {@code initial × multiplier^(n-1)} after the n-th failed delivery, capped at {@code max}.
     *
     * @param initial positive, the delay after the first failed delivery
     * @param multiplier greater than 1 (for a constant delay use {@link #fixed(Duration)})
     * @param max at least {@code initial}
     * @throws IllegalArgumentException when a value is out of range
     */
    public static Backoff exponential(Duration initial, double multiplier, Duration max) {
        Checks.positive(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (!(multiplier > 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be greater than 1 but was " + multiplier
                    + "; for a constant delay use Backoff.fixed(initial)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "max must be at least initial (" + initial + ") but was " + max + "; raise max or lower initial");
        }
        return new Backoff(Kind.EXPONENTIAL, List.of(initial), multiplier, max, 0);
    }

    /**
     * An explicit list: the n-th failed delivery waits {@code delays[min(n-1, len-1)]}, so the last entry repeats.
     *
     * @param delays at least one, each positive
     * @throws IllegalArgumentException when the list is empty or an entry is not positive
     */
    public static Backoff of(Duration... delays) {
        Objects.requireNonNull(delays, "delays");
        if (delays.length == 0) {
            throw new IllegalArgumentException(
                    "delays must not be empty; give at least one delay, or use Backoff.none() for no delay");
        }
        for (int i = 0; i < delays.length; i++) {
            Duration d = delays[i];
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("delays[" + i + "] must be positive but was " + d);
            }
        }
        List<Duration> list = List.of(delays);
        return new Backoff(
                Kind.LIST, list, 0, list.stream().max(Duration::compareTo).orElseThrow(), 0);
    }

    /**
     * The same backoff with each delay spread uniformly over {@code [d × (1 − jitter), d × (1 + jitter)]}.
     *
     * @param jitter in (0, 1]
     * @throws IllegalArgumentException when out of range
     * @throws IllegalStateException on {@link #none()}, or when jitter was already set
     */
    public Backoff withJitter(double jitter) {
        if (kind == Kind.NONE) {
            throw new IllegalStateException("Backoff.none() has no delay to jitter; choose fixed, exponential or of");
        }
        if (this.jitter != 0) {
            Checks.once(true, "jitter", this.jitter);
        }
        if (!(jitter > 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be in (0, 1] but was " + jitter);
        }
        return new Backoff(kind, delays, multiplier, max, jitter);
    }

    /** The shape. */
    public Kind getKind() {
        return kind;
    }

    /** Whether this is {@link #none()}. */
    public boolean isNone() {
        return kind == Kind.NONE;
    }

    /** The jitter fraction, 0 when none. */
    public double getJitter() {
        return jitter;
    }

    /** FIXED: the delay; EXPONENTIAL: the initial delay; LIST: the entries; NONE: empty. */
    public List<Duration> getDelays() {
        return delays;
    }

    /** EXPONENTIAL: the multiplier; otherwise 0. */
    public double getMultiplier() {
        return multiplier;
    }

    /** The largest base delay this backoff can produce (the cap for EXPONENTIAL); ZERO for NONE. */
    public Duration getMax() {
        return max;
    }

    /**
     * The delay before redelivering a message whose delivery number {@code deliveryCount} (1-based, as jnats'
     * {@code metaData().deliveredCount()}) failed, with jitter drawn from {@link java.util.concurrent.ThreadLocalRandom}.
     *
     * @throws IllegalArgumentException when deliveryCount is below 1
     */
    public Duration delayFor(int deliveryCount) {
        return delayFor(deliveryCount, java.util.concurrent.ThreadLocalRandom.current());
    }

    /** Like {@link #delayFor(int)} with an explicit random source (for deterministic tests). */
    public Duration delayFor(int deliveryCount, RandomGenerator random) {
        Duration base = baseDelayFor(deliveryCount);
        if (jitter == 0 || base.isZero()) {
            return base;
        }
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.max(0, Math.round(base.toNanos() * factor)));
    }

    /** The delay for a failed delivery without jitter. */
    public Duration baseDelayFor(int deliveryCount) {
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be at least 1 but was " + deliveryCount);
        }
        return switch (kind) {
            case NONE -> Duration.ZERO;
            case FIXED -> delays.get(0);
            case LIST -> delays.get(Math.min(deliveryCount - 1, delays.size() - 1));
            case EXPONENTIAL -> {
                double nanos = delays.get(0).toNanos() * Math.pow(multiplier, deliveryCount - 1);
                yield nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
            }
        };
    }

    /** The shortest delay jitter can produce for this delivery. */
    public Duration minDelayFor(int deliveryCount) {
        Duration base = baseDelayFor(deliveryCount);
        return Duration.ofNanos(Math.round(base.toNanos() * (1 - jitter)));
    }

    /** The longest delay jitter can produce for this delivery. */
    public Duration maxDelayFor(int deliveryCount) {
        Duration base = baseDelayFor(deliveryCount);
        return Duration.ofNanos(Math.round(base.toNanos() * (1 + jitter)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Backoff b
                && b.kind == kind
                && b.delays.equals(delays)
                && Double.compare(b.multiplier, multiplier) == 0
                && b.max.equals(max)
                && Double.compare(b.jitter, jitter) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, delays, multiplier, max, jitter);
    }

    @Override
    public String toString() {
        String j = jitter == 0 ? "" : ".withJitter(" + jitter + ")";
        return switch (kind) {
            case NONE -> "Backoff.none()";
            case FIXED -> "Backoff.fixed(" + delays.get(0) + ")" + j;
            case EXPONENTIAL -> "Backoff.exponential(" + delays.get(0) + ", " + multiplier + ", " + max + ")" + j;
            case LIST ->
                "Backoff.of("
                        + String.join(
                                ", ", delays.stream().map(Duration::toString).toList()) + ")" + j;
        };
    }
}
