package dev.jscontract.consumer.internal;

import org.jspecify.annotations.Nullable;

/**
 * How many messages to ask for, and when: the batch-sizing rule of the pull engine, as pure arithmetic.
 *
 * <p>The <em>window</em> is the most messages that may be in flight (received, not yet settled) plus requested (asked
 * for, not yet received): {@code max(concurrency, batchSize)}. With a batch size equal to the concurrency (the
 * contract's default unless a short expected p99 lets it prefetch one message per thread) no message ever waits
 * in a client buffer while its ack deadline runs (B-16): a message is asked for only when a handler thread is free
 * for it. A larger declared batch size allows buffering (lint BUF-001 checks it).
 *
 * <p>A pull asks for {@code min(batchSize, free)} messages, where {@code free = window − inFlight − requested}, once
 * {@code free} reaches the minimum pull: 1 when the batch size does not exceed the concurrency (every free handler
 * thread gets work at once), else a quarter of the batch (so a high-throughput consumer with a large batch does not
 * send one pull per message). When nothing is in flight, {@code free = window}, so an idle consumer always has a pull
 * waiting at the server, which B-12 needs for the MAX_DELIVERIES advisory to be emitted.
 *
 * <p><b>Adaptive</b> (a contract that declares neither a batch size nor an expected p99): the window is {@code
 * concurrency + prefetch}, with the prefetch an {@link AdaptivePrefetch} sizes from observed handler times (one
 * message per thread while handlers are fast, none when they are not); the largest pull is the window, and the
 * minimum pull a quarter of it while prefetching, else 1.
 */
public final class PullPlanner {
    private final int concurrency;
    private final int batchSize;
    private final int window;
    private final int minimumPull;
    private final @Nullable AdaptivePrefetch adaptive;

    /**
     * @param concurrency handler threads, at least 1
     * @param batchSize the contract's effective batch size, at least 1
     * @throws IllegalArgumentException when either is below 1
     */
    public PullPlanner(int concurrency, int batchSize) {
        if (concurrency < 1 || batchSize < 1) {
            throw new IllegalArgumentException(
                    "concurrency and batchSize must be at least 1 but were " + concurrency + " and " + batchSize);
        }
        this.concurrency = concurrency;
        this.batchSize = batchSize;
        this.window = Math.max(concurrency, batchSize);
        this.minimumPull = batchSize <= concurrency ? 1 : Math.max(1, batchSize / 4);
        this.adaptive = null;
    }

    /**
     * An adaptive planner: the prefetch follows {@code adaptive}.
     *
     * @param concurrency handler threads, at least 1
     */
    public PullPlanner(int concurrency, AdaptivePrefetch adaptive) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1 but was " + concurrency);
        }
        this.concurrency = concurrency;
        this.batchSize = concurrency;
        this.window = concurrency;
        this.minimumPull = 1;
        this.adaptive = adaptive;
    }

    /** The prefetch sizer, when adaptive. */
    public @Nullable AdaptivePrefetch adaptive() {
        return adaptive;
    }

    /** Messages buffered beyond the free handler threads at most, now. */
    public int prefetch() {
        return window() - concurrency;
    }

    /** The most messages in flight plus requested, now. */
    public int window() {
        return adaptive == null ? window : concurrency + adaptive.prefetch();
    }

    /** The smallest pull that is sent, now. */
    public int minimumPull() {
        if (adaptive == null) {
            return minimumPull;
        }
        int w = window();
        return w == concurrency ? 1 : Math.max(1, w / 4);
    }

    /** The handler concurrency. */
    public int concurrency() {
        return concurrency;
    }

    /** The largest pull, now. */
    public int batchSize() {
        return adaptive == null ? batchSize : window();
    }

    /**
     * The size of the next pull, or 0 for none.
     *
     * @param inFlight messages received and not yet settled (buffered or in a handler)
     * @param requested messages asked for by pulls that are still open
     */
    public int nextPull(int inFlight, int requested) {
        int w = window();
        int free = w - inFlight - requested;
        if (free < minimumPull()) {
            return 0;
        }
        return Math.min(free, adaptive == null ? batchSize : w);
    }

    @Override
    public String toString() {
        return adaptive == null
                ? "PullPlanner{concurrency=" + concurrency + ", batchSize=" + batchSize + ", window=" + window
                        + ", minimumPull=" + minimumPull + "}"
                : "PullPlanner{concurrency=" + concurrency + ", adaptive prefetch " + prefetch() + ", " + adaptive
                        + "}";
    }
}
