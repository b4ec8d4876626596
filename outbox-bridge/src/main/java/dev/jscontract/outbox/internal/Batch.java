package dev.jscontract.outbox.internal;

import io.nats.client.api.PublishAck;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * One claimed batch in flight: the rows, what was sent, and the PubAck or error of each. The {@link Claimer} creates
 * it, the {@link Publisher} sends its rows, futures complete on jnats' threads, and the settle thread ({@link
 * RowSettler}) reads the results after {@link #isDone()} (the pending counter gives the happens-before edge) or after
 * the deadline.
 */
final class Batch {
    final List<ClaimedRow> rows;
    final long epoch;
    final long claimSeq;
    final long claimedNanos;
    final boolean[] sent;
    final @Nullable PublishFailures.Failure[] sendFailures;
    private final AtomicReferenceArray<Object> results;
    private final AtomicReferenceArray<Instant> ackedAt;
    private final AtomicInteger pending = new AtomicInteger(1); // one extra until sealed
    private final Clock clock;
    private final Runnable onDone;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile boolean sealed;
    /** Settled: a future that completes now (jnats cancels unanswered ones late) tells nothing any more. */
    volatile boolean settled;

    Batch(List<ClaimedRow> rows, long epoch, long claimSeq, long claimedNanos, Clock clock, Runnable onDone) {
        this.rows = rows;
        this.epoch = epoch;
        this.claimSeq = claimSeq;
        this.claimedNanos = claimedNanos;
        this.sent = new boolean[rows.size()];
        this.sendFailures = new PublishFailures.Failure[rows.size()];
        this.results = new AtomicReferenceArray<>(rows.size());
        this.ackedAt = new AtomicReferenceArray<>(rows.size());
        this.clock = clock;
        this.onDone = onDone;
    }

    /** Registers a sent row whose future will call {@link #complete}. */
    void sending(int index) {
        sent[index] = true;
        pending.incrementAndGet();
    }

    /** Called once per sent row, from any thread. */
    void complete(int index, @Nullable PublishAck ack, @Nullable Throwable error) {
        ackedAt.set(index, clock.instant());
        results.set(index, error != null ? error : ack);
        if (pending.decrementAndGet() == 0) {
            onDone.run();
        }
    }

    /** Called once after the last send (or instead of sending); from then on the batch can become done. */
    void seal(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
        this.sealed = true;
        if (pending.decrementAndGet() == 0) {
            onDone.run();
        }
    }

    /** Whether every sent row has its answer (and the batch is sealed). */
    boolean isDone() {
        return pending.get() == 0;
    }

    /** Whether it can be settled now: done, or sealed and past its deadline. */
    boolean settleable(long nowNanos) {
        return isDone() || (sealed && nowNanos - deadlineNanos >= 0);
    }

    /** The deadline for PubAcks (Long.MAX_VALUE until sealed). */
    long deadlineNanos() {
        return deadlineNanos;
    }

    boolean isSealed() {
        return sealed;
    }

    /** The PubAck, the error (a {@link Throwable}), or {@code null} when no answer arrived. */
    @Nullable
    Object result(int index) {
        return results.get(index);
    }

    @Nullable
    Instant ackedAt(int index) {
        return ackedAt.get(index);
    }
}
