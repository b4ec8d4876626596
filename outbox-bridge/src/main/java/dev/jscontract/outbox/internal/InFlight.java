package dev.jscontract.outbox.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What the claim thread ({@link Claimer}) and the settle thread ({@link RowSettler}) share: the batches between claim
 * and settle in claim order, the signals that wake each, the ordering keys held back while a failure of theirs is
 * recorded, the earliest retry due time, and the pause after an outage.
 *
 * <p>Per-key order: a key with a failed row is held back: its later rows are skipped when publishing while the
 * failure is being recorded ({@link #holdKey}: up to {@code Long.MAX_VALUE}), then excluded by the claim (an anti-join
 * on the failing-rows index) once it is in the table, and released when no batch claimed before the record is left.
 * Across an outage, order is kept by holding all publishing ({@link PublishHold}).
 */
final class InFlight {
    private final Object lock = new Object();
    private final ArrayDeque<Batch> unsettled = new ArrayDeque<>(); // guarded by lock, claim order
    private final AtomicIntegerArray byPartition;
    private final ConcurrentHashMap<String, Long> heldKeys = new ConcurrentHashMap<>();
    private final AtomicLong claimSeq = new AtomicLong();
    private final AtomicReference<@Nullable Instant> earliestDue = new AtomicReference<>();

    final Signal claimSignal = new Signal();
    final Signal settleSignal = new Signal();
    final AtomicBoolean claimRequested = new AtomicBoolean(true);
    volatile boolean dueUnknown = true;
    /** Counts retry records the settle thread has begun (incremented before each statement that sets a due time). */
    final AtomicLong retryRecords = new AtomicLong();
    /** {@link #retryRecords} when a due-time query that began after it found no row waiting; -1: none such. */
    volatile long noRetriesAt = -1;

    volatile boolean running = true;
    volatile boolean claimerDone;
    /** No claim before this time (an outage pause), from {@link System#nanoTime()}. */
    volatile long pauseUntilNanos = System.nanoTime();
    /**
     * A publish failed in a way that says nothing about the row (an outage, {@link PublishHold#isOutage}): set by
     * jnats' threads and the settle thread, cleared by the claim thread when publishing resumes ({@link PublishHold}).
     */
    volatile boolean outageSeen;
    /** Rows that failed with an outage since publishing last resumed (settle thread): to be published again. */
    final AtomicInteger lost = new AtomicInteger();
    /** Rows acknowledged after an earlier one was lost to the outage: stored ahead of it (settle thread). */
    final AtomicInteger overtakers = new AtomicInteger();

    InFlight(int partitions) {
        this.byPartition = new AtomicIntegerArray(partitions);
    }

    /** The next claim sequence number. */
    long nextClaimSeq() {
        return claimSeq.incrementAndGet();
    }

    /** The last claim sequence number handed out. */
    long lastClaimSeq() {
        return claimSeq.get();
    }

    /** Queues a claimed batch for settling. */
    void add(Batch b) {
        for (ClaimedRow r : b.rows) {
            byPartition.incrementAndGet(r.partition());
        }
        synchronized (lock) {
            unsettled.addLast(b);
        }
    }

    /** The oldest unsettled batch, or null. */
    @Nullable
    Batch head() {
        synchronized (lock) {
            return unsettled.peekFirst();
        }
    }

    /**
     * The oldest unsettled batches that can be settled now, in claim order: the head and every batch right after it
     * that is settleable too (at least the head, which the caller found settleable).
     */
    java.util.List<Batch> settleablePrefix(long nowNanos) {
        java.util.List<Batch> out = new java.util.ArrayList<>(unsettledSizeHint());
        synchronized (lock) {
            for (Batch b : unsettled) {
                if (!out.isEmpty() && !b.settleable(nowNanos)) {
                    break;
                }
                out.add(b);
            }
        }
        return out;
    }

    private int unsettledSizeHint() {
        synchronized (lock) {
            return unsettled.size();
        }
    }

    /** Removes the settled oldest batch, wakes the claimer, and releases held keys no unsettled batch needs. */
    void settled(Batch b) {
        b.settled = true;
        for (ClaimedRow r : b.rows) {
            byPartition.decrementAndGet(r.partition());
        }
        long oldest;
        synchronized (lock) {
            unsettled.removeFirst();
            Batch next = unsettled.peekFirst();
            oldest = next != null ? next.claimSeq : claimSeq.get() + 1;
        }
        heldKeys.values().removeIf(upTo -> upTo < oldest);
        claimSignal.raise();
    }

    /** Batches between claim and settle. */
    int batches() {
        synchronized (lock) {
            return unsettled.size();
        }
    }

    /** The ids of every unsettled row (the claim excludes them). */
    long[] ids() {
        synchronized (lock) {
            int n = 0;
            for (Batch b : unsettled) {
                n += b.rows.size();
            }
            long[] ids = new long[n];
            int i = 0;
            for (Batch b : unsettled) {
                for (ClaimedRow r : b.rows) {
                    ids[i++] = r.id();
                }
            }
            return ids;
        }
    }

    /** Rows of the partition between claim and settle (the control loop releases a partition at 0). */
    int inFlight(int partition) {
        return byPartition.get(partition);
    }

    /** Holds {@code key} back for batches claimed up to {@code upToClaimSeq} ({@code Long.MAX_VALUE}: until told). */
    void holdKey(String key, long upToClaimSeq) {
        heldKeys.put(key, upToClaimSeq);
    }

    /** Whether rows of {@code key} in a batch with claim sequence {@code claimSeq} must be skipped. */
    boolean isHeld(String key, long claimSeq) {
        Long upTo = heldKeys.get(key);
        return upTo != null && upTo >= claimSeq;
    }

    /** The held keys, for the claim's exclusion list. */
    String[] heldKeys() {
        return heldKeys.keySet().toArray(new String[0]);
    }

    /** The earliest known retry due time, or null. */
    @Nullable
    Instant earliestDue() {
        return earliestDue.get();
    }

    /** Replaces the earliest due time (after reading it from the table). */
    void earliestDue(@Nullable Instant due) {
        earliestDue.set(due);
    }

    /** Forgets {@code due} if it is still the earliest (its rows were eligible for a claim). */
    void dueConsumed(Instant due) {
        earliestDue.compareAndSet(due, null);
        dueUnknown = true;
    }

    /** Notes a retry due time recorded by the settler. */
    void noteDue(Instant due) {
        earliestDue.accumulateAndGet(due, (a, b) -> a == null || b.isBefore(a) ? b : a);
    }

    /**
     * Whether no row of the owned partitions waits for a retry: the last due-time query found none, no retry was
     * recorded since it began, and the ownership has not changed (which sets {@link #dueUnknown}).
     */
    boolean noRetriesWaiting() {
        return !dueUnknown && earliestDue.get() == null && noRetriesAt == retryRecords.get();
    }

    /** Stops claiming; what was sent is settled before the threads end. */
    void stop() {
        running = false;
        claimSignal.raise();
        settleSignal.raise();
    }

    /** New rows may be there (a notification, an ownership change): claim soon. */
    void wake() {
        claimRequested.set(true);
        claimSignal.raise();
    }
}
