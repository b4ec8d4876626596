package dev.jscontract.consumer.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The prefetch a consumer sizes for itself when its contract declares neither a batch size nor an expected p99: one
 * buffered message per handler thread while the handlers are fast, none as soon as they are not.
 *
 * <p>A buffered message waits for a handler thread, and its ack deadline runs while it waits (B-16). With at most one
 * buffered message per thread, it waits at most about one handler time. So the runtime prefetches only while its
 * estimate of a high handler time stays within a quarter of the first ack deadline (the rule a declared expected p99
 * follows), which leaves the message three quarters of its deadline after it was taken; a message taken while the
 * estimate is above that gets a heartbeat at once ({@link #mayHaveWaited()}).
 *
 * <p>A consumer starts without prefetch and prefetches only after {@value #WARM_UP} handler runs. The estimate is a
 * decaying maximum of the observed handler times: a longer time raises it at once (and a
 * handler still running past the estimate raises it while it runs, before it returns), each shorter one lets it
 * decay by {@value #DECAY} (about 70 handler runs halve it). Thread-safe; pure arithmetic, tested with given
 * durations.
 */
public final class AdaptivePrefetch {
    /** How much the estimate keeps per shorter observation. */
    static final double DECAY = 0.99;
    /** Handler runs to see before the first prefetch: a consumer starts without buffering. */
    static final int WARM_UP = 16;

    private final int maxPrefetch;
    private final long budgetNanos;
    private final AtomicLong estimateNanos = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();

    /**
     * @param maxPrefetch the prefetch when handlers are fast: one per handler thread, or less when max ack pending
     *     leaves no room for more
     * @param firstAckDeadline the ack deadline of a first delivery, as the server applies it
     */
    public AdaptivePrefetch(int maxPrefetch, Duration firstAckDeadline) {
        if (maxPrefetch < 0) {
            throw new IllegalArgumentException("maxPrefetch must not be negative but was " + maxPrefetch);
        }
        this.maxPrefetch = maxPrefetch;
        this.budgetNanos = firstAckDeadline.toNanos() / 4;
    }

    /** A handler run took {@code took}. */
    public void handlerFinished(Duration took) {
        long t = took.toNanos();
        estimateNanos.accumulateAndGet(t, (e, s) -> s >= e ? s : Math.max(s, (long) (e * DECAY)));
        runs.incrementAndGet();
    }

    /** A handler has been running for {@code elapsed} and has not returned yet. */
    public void handlerRunning(Duration elapsed) {
        long t = elapsed.toNanos();
        estimateNanos.accumulateAndGet(t, Math::max);
    }

    /** How many messages to keep buffered beyond the free handler threads now: the maximum, or 0. */
    public int prefetch() {
        return runs.get() >= WARM_UP && estimateNanos.get() <= budgetNanos ? maxPrefetch : 0;
    }

    /**
     * Whether a message taken now may have waited long in the buffer: the handlers ahead of it are slow. Such a
     * message gets its first heartbeat at once instead of one interval after it was taken.
     */
    public boolean mayHaveWaited() {
        return estimateNanos.get() > budgetNanos;
    }

    /** The prefetch while handlers are fast. */
    public int maxPrefetch() {
        return maxPrefetch;
    }

    /** The current estimate of a high handler time. */
    public Duration estimate() {
        return Duration.ofNanos(estimateNanos.get());
    }

    /** The handler time above which nothing is prefetched: a quarter of the first ack deadline. */
    public Duration budget() {
        return Duration.ofNanos(budgetNanos);
    }

    @Override
    public String toString() {
        return "AdaptivePrefetch{maxPrefetch=" + maxPrefetch + ", budget=" + budget() + ", estimate=" + estimate()
                + "}";
    }
}
