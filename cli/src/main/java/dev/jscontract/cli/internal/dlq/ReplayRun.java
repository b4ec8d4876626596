package dev.jscontract.cli.internal.dlq;

import dev.jscontract.contract.DeadLetterHeaders;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One replay of one dead-letter stream: publishes each offered dead letter with the message id {@code
 * replay-<dlq>-<seq>} and {@code Jsc-Replayed-From}, with at most {@value #WINDOW} PubAcks outstanding, and removes a
 * dead letter only after its replay's PubAck (a duplicate PubAck counts: the replay is stored), never before and
 * never after a failure (docs/decisions/cli-replay-removes-after-puback.md).
 *
 * <p>Removal: while every message read so far from the stream's first sequence was replayed and acknowledged, the
 * acknowledged prefix is removed with one purge up to the lowest sequence still in doubt (a message in flight, a
 * failed one, a skipped one, or the next unread one), so nothing unacknowledged is ever inside the purge. After the
 * first message that is not replayed (filtered out, malformed, failed), each acknowledged dead letter beyond it is
 * deleted on its own. {@code keep} removes nothing.
 *
 * <p>Thread-safety: {@link #offer}, {@link #skip}, {@link #flush} and {@link #finish} are called by one thread; the
 * PubAck callbacks run on jnats' threads and only record.
 */
public final class ReplayRun {
    /** PubAcks outstanding at most. */
    static final int WINDOW = 1000;

    private static final int FLUSH_EVERY = 2000;
    private static final int FAILURES_KEPT = 20;

    private final String stream;
    private final ReplayIo io;
    private final boolean keep;
    private final Duration timeout;
    private final Semaphore window = new Semaphore(WINDOW);

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private final AtomicLong alreadyGone = new AtomicLong();
    private final AtomicLong removeFailed = new AtomicLong();
    private long skipped;
    private final Object deletes = new Object();
    private long deletesOutstanding; // guarded by deletes
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    // the removal state, guarded by this
    private final NavigableSet<Long> inFlight = new TreeSet<>();
    private final NavigableSet<Long> ackedPending = new TreeSet<>();
    private long brokenAt;
    private long nextUnread;
    private long purgedBelow;

    /**
     * A replay of {@code stream}.
     *
     * @param firstSequence the stream's first sequence when the replay was planned
     * @param startSequence where the read starts; purging the acknowledged prefix is possible only when it is the
     *     first sequence
     */
    public ReplayRun(
            String stream, ReplayIo io, boolean keep, Duration timeout, long firstSequence, long startSequence) {
        this.stream = stream;
        this.io = io;
        this.keep = keep;
        this.timeout = timeout;
        this.brokenAt = startSequence <= firstSequence ? Long.MAX_VALUE : 0;
        this.nextUnread = startSequence;
        this.purgedBelow = firstSequence;
    }

    /**
     * Publishes one dead letter's replay to {@code subject}; waits while {@value #WINDOW} PubAcks are outstanding.
     */
    public void offer(long seq, String subject, DeadLetter d) throws InterruptedException {
        window.acquire();
        synchronized (this) {
            inFlight.add(seq);
            nextUnread = seq + 1;
        }
        published.incrementAndGet();
        io.publish(
                        subject,
                        d.envelope().replayHeaders(stream, seq),
                        d.envelope().getBody(),
                        DeadLetterHeaders.replayMessageId(stream, seq))
                .whenComplete((ack, error) -> acked(seq, subject, ack, error));
    }

    /** Records a message of the range that is not replayed (filtered out or malformed): it must stay. */
    public synchronized void skip(long seq, boolean counted) {
        if (counted) {
            skipped++;
        }
        brokenAt = Math.min(brokenAt, seq);
        nextUnread = seq + 1;
    }

    private void acked(long seq, String subject, @Nullable PublishAck ack, @Nullable Throwable error) {
        try {
            if (error != null) {
                failed.incrementAndGet();
                if (failures.size() < FAILURES_KEPT) {
                    failures.add(stream + ":" + seq + " -> " + subject + ": " + describe(error));
                }
                synchronized (this) {
                    inFlight.remove(seq);
                    brokenAt = Math.min(brokenAt, seq);
                }
                return;
            }
            if (ack != null && ack.isDuplicate()) {
                duplicates.incrementAndGet();
            } else {
                stored.incrementAndGet();
            }
            boolean deleteNow;
            synchronized (this) {
                inFlight.remove(seq);
                deleteNow = !keep && seq > brokenAt;
                if (!keep && !deleteNow) {
                    ackedPending.add(seq);
                }
            }
            if (deleteNow) {
                delete(seq);
            }
        } finally {
            window.release();
        }
    }

    private void delete(long seq) {
        synchronized (deletes) {
            deletesOutstanding++;
        }
        io.delete(stream, seq).whenComplete((deleted, e) -> {
            try {
                if (e != null) {
                    removeFailed.incrementAndGet();
                    if (failures.size() < FAILURES_KEPT) {
                        failures.add(stream + ":" + seq + " was replayed but not removed: " + describe(e)
                                + "; remove it with `jscontract dlq purge --dlq-stream " + stream + " " + seq + "`");
                    }
                } else if (Boolean.TRUE.equals(deleted)) {
                    removed.incrementAndGet();
                } else {
                    alreadyGone.incrementAndGet();
                }
            } finally {
                synchronized (deletes) { // counted first, so finish() reads the final numbers once it wakes
                    deletesOutstanding--;
                    deletes.notifyAll();
                }
            }
        });
    }

    /** Removes what can be removed now; called by the reading thread every so often. */
    public void flush(boolean force) throws Exception {
        long below;
        List<Long> individually = List.of();
        synchronized (this) {
            if (keep || (!force && ackedPending.size() < FLUSH_EVERY)) {
                return;
            }
            long lowestInDoubt = Math.min(brokenAt, nextUnread);
            if (!inFlight.isEmpty()) {
                lowestInDoubt = Math.min(lowestInDoubt, inFlight.first());
            }
            below = lowestInDoubt;
            if (brokenAt != Long.MAX_VALUE) {
                // acknowledged ones beyond the break cannot be purged as a prefix: delete them one by one
                individually = new ArrayList<>(ackedPending.tailSet(Math.max(below, brokenAt), false));
                ackedPending.removeAll(individually);
            }
        }
        for (long seq : individually) {
            delete(seq);
        }
        NavigableSet<Long> prefix;
        synchronized (this) {
            prefix = new TreeSet<>(ackedPending.headSet(below, false));
        }
        if (prefix.isEmpty() || below <= purgedBelow) {
            return;
        }
        long purged = io.purgeBelow(stream, below);
        purgedBelow = below;
        synchronized (this) {
            ackedPending.removeAll(prefix);
        }
        removed.addAndGet(Math.min(purged, prefix.size()));
        if (purged < prefix.size()) {
            alreadyGone.addAndGet(prefix.size() - purged);
        }
    }

    /**
     * Waits for every outstanding PubAck (up to the publish timeout plus the window's worth), removes what is left,
     * and waits for the deletes.
     */
    public ReplayResult finish(boolean interrupted) throws Exception {
        long waitMillis = timeout.toMillis() * 3 + 10_000;
        if (!window.tryAcquire(WINDOW, waitMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("PubAcks for " + (WINDOW - window.availablePermits()) + " replays of "
                    + stream + " did not arrive within " + waitMillis + " ms; their dead letters were kept");
        }
        window.release(WINDOW);
        flush(true);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        synchronized (deletes) {
            while (deletesOutstanding > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IllegalStateException(deletesOutstanding + " deletes of replayed dead letters in "
                            + stream + " got no answer within " + waitMillis + " ms; list what is left with"
                            + " `jscontract dlq list --dlq-stream " + stream + "`");
                }
                deletes.wait(left); // completed on jnats' threads, which notify
            }
        }
        return new ReplayResult(
                stream,
                published.get(),
                stored.get(),
                duplicates.get(),
                failed.get(),
                skipped,
                keep ? 0 : removed.get(),
                alreadyGone.get(),
                removeFailed.get(),
                interrupted,
                List.copyOf(failures));
    }

    /** Replays published so far (for progress). */
    public long published() {
        return published.get();
    }

    /** Replays acknowledged or failed so far (for progress). */
    public long settled() {
        return stored.get() + duplicates.get() + failed.get();
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException || c instanceof RuntimeException)
                && c.getCause() != null
                && c != c.getCause()) {
            c = c.getCause();
        }
        if (c instanceof JetStreamApiException api) {
            return api.getErrorDescription() + " (err_code " + api.getApiErrorCode() + ")";
        }
        if (c instanceof java.util.concurrent.CancellationException) {
            return "no PubAck within the request timeout";
        }
        String m = c.getMessage();
        if (m != null && m.contains("503")) {
            return "no stream captures the subject (503 no responders)";
        }
        return m == null ? c.getClass().getSimpleName() : m;
    }

    @Override
    public String toString() {
        return "ReplayRun{" + stream + ", published " + published + "}";
    }
}
