package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.PublishFailure;
import io.nats.client.api.PublishAck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settle thread, on its own PostgreSQL session: when every row of the oldest batch has its PubAck or error (or
 * the publish timeout has passed), it deletes the acknowledged rows (one autocommit {@code DELETE}; a duplicate ack
 * counts, PUB-003) and records the failures: retried with backoff, or parked.
 *
 * <p>Batches that are done together (common while a backlog drains: their PubAcks arrive within a millisecond of
 * each other) are settled together, with one {@code DELETE} for all their acknowledged rows.
 *
 * <p>Which failure counts (see {@link PublishFailure}): a row failure counts as an attempt; one no retry can fix parks
 * at once; an outage (no PubAck in time, the connection, JetStream or the stream unavailable) counts nothing and
 * pauses claiming with a backoff from 100 ms to 5 s, holds publishing until every batch in flight is settled ({@link
 * PublishHold}), and the relay reports RECOVERING until a PubAck arrives again. A
 * 503 No Responders is told apart by asking the server whether a stream captures the subject ({@link StreamLookup}).
 * Recording a failure is fenced on the partition locks the control session holds ({@link OutboxSql}), so a relay
 * that lost a partition does not touch its new owner's bookkeeping.
 */
final class RowSettler {
    private static final Logger LOG = LoggerFactory.getLogger(RowSettler.class);
    private static final long IDLE_CHECK_NANOS = 100_000_000L;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final OutboxSql sql;
    private final RelayMetrics metrics;
    private final Events events;
    private final InFlight inFlight;
    private final Supplier<Ownership> ownership;
    private final RelayHealthTracker health;
    private final StreamLookup streams;
    private final DuplicateWindowGuard windows;
    private final DbSession db;
    private long outageDelayMillis = 100;

    RowSettler(
            RelayConfig config,
            SchemaInfo schema,
            OutboxSql sql,
            RelayMetrics metrics,
            Events events,
            InFlight inFlight,
            Supplier<Ownership> ownership,
            RelayHealthTracker health,
            StreamLookup streams,
            DuplicateWindowGuard windows) {
        this.config = config;
        this.schema = schema;
        this.sql = sql;
        this.metrics = metrics;
        this.events = events;
        this.inFlight = inFlight;
        this.ownership = ownership;
        this.health = health;
        this.streams = streams;
        this.windows = windows;
        this.db = new DbSession(config, "settle", true, health); // the delete plan is pinned like the claim's
    }

    /** The settle loop; returns once the claimer is done and every batch is settled. */
    void run() throws InterruptedException {
        try {
            while (true) {
                Batch head = inFlight.head();
                long now = System.nanoTime();
                if (head == null) {
                    if (inFlight.claimerDone && !inFlight.running) {
                        return;
                    }
                    inFlight.settleSignal.await(IDLE_CHECK_NANOS);
                    continue;
                }
                if (!head.settleable(now)) {
                    long wait = head.isSealed() ? head.deadlineNanos() - now : IDLE_CHECK_NANOS;
                    inFlight.settleSignal.await(Math.max(1_000_000L, Math.min(wait, IDLE_CHECK_NANOS)));
                    continue;
                }
                List<Batch> ready = inFlight.settleablePrefix(now);
                settle(ready);
                for (Batch b : ready) {
                    inFlight.settled(b);
                }
            }
        } finally {
            db.close();
        }
    }

    /** What one batch's rows came to. */
    private record Outcome(
            Batch batch,
            List<Integer> acked,
            List<Integer> failed,
            List<PublishFailures.Failure> failures,
            int unsent,
            PublishFailures.@Nullable Failure outage) {}

    /**
     * Settles a run of consecutive batches that are all done: one {@code DELETE} for the acknowledged rows of all of
     * them (fewer statements and commits when batches complete together, as they do while a backlog drains), then
     * the failures of each.
     */
    private void settle(List<Batch> batches) {
        List<Outcome> outcomes = new ArrayList<>(batches.size());
        for (Batch b : batches) {
            outcomes.add(outcome(b));
        }
        // Hold back the keys of failed rows in batches claimed so far, until the failure is in the table.
        Set<String> keys = new LinkedHashSet<>();
        for (Outcome o : outcomes) {
            for (int i : o.failed()) {
                String key = o.batch().rows.get(i).orderingKey();
                if (key != null) {
                    keys.add(key);
                    inFlight.holdKey(key, Long.MAX_VALUE);
                }
            }
        }
        recordAcks(outcomes);
        for (Outcome o : outcomes) {
            recordFailures(o.batch(), o.failed(), o.failures());
        }
        long upTo = inFlight.lastClaimSeq();
        for (String key : keys) {
            inFlight.holdKey(key, upTo);
        }
        PublishFailures.Failure outage = null;
        boolean anyAcked = false;
        boolean claimAgain = false;
        for (Outcome o : outcomes) {
            if (o.outage() != null) {
                outage = o.outage();
            }
            anyAcked |= !o.acked().isEmpty();
            claimAgain |= !o.failed().isEmpty()
                    || o.outage() != null
                    || o.unsent() > 0
                    || o.acked().size() < o.batch().rows.size();
        }
        if (outage != null) {
            inFlight.outageSeen = true; // publishing holds until every batch is settled (PublishHold)
            inFlight.pauseUntilNanos = System.nanoTime() + outageDelayMillis * 1_000_000L;
            outageDelayMillis = Math.min(outageDelayMillis * 2, 5000);
            health.streamUnavailable("publishing pauses: " + outage.reason().tag() + ": " + outage.message()
                    + "; rows wait in the outbox and no attempt is counted; retrying with backoff");
        } else if (anyAcked) {
            outageDelayMillis = 100;
            health.streamAvailable();
        }
        if (claimAgain) {
            inFlight.claimRequested.set(true);
        }
        long now = System.nanoTime();
        for (Outcome o : outcomes) {
            if (!o.acked().isEmpty()) {
                metrics.batchDuration.record(now - o.batch().claimedNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private Outcome outcome(Batch b) {
        List<ClaimedRow> rows = b.rows;
        int n = rows.size();
        List<Integer> acked = new ArrayList<>(n);
        List<Integer> failed = new ArrayList<>();
        List<PublishFailures.Failure> failures = new ArrayList<>();
        int unsent = 0;
        PublishFailures.Failure outage = null;
        for (int i = 0; i < n; i++) {
            Object result = b.result(i);
            PublishFailures.Failure f = b.sendFailures[i];
            if (f == null && result instanceof PublishAck) {
                acked.add(i);
                if (inFlight.lost.get() > 0) {
                    inFlight.overtakers.incrementAndGet(); // an earlier row was lost: this one is stored ahead of it
                }
                continue;
            }
            if (f == null && result instanceof Throwable t) {
                f = PublishFailures.ofFuture(t);
            } else if (f == null && b.sent[i]) {
                f = PublishFailures.timeout(config.publishTimeout());
            }
            if (f == null) {
                unsent++;
                continue; // not sent: it stays in the table
            }
            if (f.noResponders()) {
                f = streams.classify(rows.get(i).subject(), f);
            }
            metrics.failure(f.reason());
            if (!f.reason().isRowSpecific()) {
                if (PublishHold.isOutage(f)) {
                    outage = f;
                    inFlight.lost.incrementAndGet();
                }
                continue;
            }
            failed.add(i);
            failures.add(f);
        }
        return new Outcome(b, acked, failed, failures, unsent, outage);
    }

    private void recordAcks(List<Outcome> outcomes) {
        int total = 0;
        for (Outcome o : outcomes) {
            total += o.acked().size();
        }
        if (total == 0) {
            return;
        }
        long[] ids = new long[total];
        int k = 0;
        int duplicates = 0;
        Set<String> seen = null;
        for (Outcome o : outcomes) {
            Batch b = o.batch();
            for (int i : o.acked()) {
                ClaimedRow row = b.rows.get(i);
                ids[k++] = row.id();
                PublishAck ack = (PublishAck) b.result(i);
                if (ack.isDuplicate()) {
                    duplicates++;
                }
                Instant at = b.ackedAt(i);
                if (at != null) {
                    metrics.commitToAck(Duration.between(row.commitTime(), at));
                }
                if (windows.needsCheck(ack.getStream())) {
                    if (seen == null) {
                        seen = new LinkedHashSet<>();
                    }
                    seen.add(ack.getStream());
                }
            }
        }
        // Counted before the delete: whoever sees the rows gone sees them counted.
        metrics.stored.increment(total - duplicates);
        metrics.duplicates.increment(duplicates);
        try {
            Connection c = db.get();
            long lo = Long.MAX_VALUE;
            long hi = Long.MIN_VALUE;
            for (long id : ids) {
                lo = Math.min(lo, id);
                hi = Math.max(hi, id);
            }
            try (PreparedStatement st = c.prepareStatement(sql.delete)) {
                st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int8", ids));
                st.setLong(2, lo);
                st.setLong(3, hi);
                st.executeUpdate();
            }
            db.recovered();
        } catch (SQLException e) {
            // The rows stay and are published again; their message ids make the stream answer "duplicate".
            db.failed("delete of acknowledged rows", e);
        }
        if (events.active()) {
            for (Outcome o : outcomes) {
                if (!o.acked().isEmpty()) {
                    emitPublished(o.batch(), o.acked());
                }
            }
        }
        if (seen != null) {
            seen.forEach(stream -> windows.checkSeen(stream, health));
        }
    }

    private void emitPublished(Batch b, List<Integer> acked) {
        List<OutboxRelayEvent.PublishedRow> published = new ArrayList<>(acked.size());
        for (int i : acked) {
            ClaimedRow row = b.rows.get(i);
            PublishAck ack = (PublishAck) b.result(i);
            Instant at = b.ackedAt(i);
            published.add(new OutboxRelayEvent.PublishedRow(
                    row.id(),
                    row.messageId(),
                    ack.getStream(),
                    ack.getSeqno(),
                    ack.isDuplicate(),
                    row.createdAt(),
                    at != null ? at : config.clock().instant()));
        }
        events.emit(() -> new OutboxRelayEvent.BatchPublished(config.clock().instant(), config.name(), published));
    }

    private void recordFailures(Batch b, List<Integer> failed, List<PublishFailures.Failure> failures) {
        if (failed.isEmpty()) {
            return;
        }
        Ownership own = ownership.get();
        List<Integer> retry = new ArrayList<>();
        List<Integer> park = new ArrayList<>();
        List<PublishFailures.Failure> retryF = new ArrayList<>();
        List<PublishFailures.Failure> parkF = new ArrayList<>();
        for (int k = 0; k < failed.size(); k++) {
            ClaimedRow row = b.rows.get(failed.get(k));
            if (!own.owns(row.partition())) {
                continue; // its new owner publishes it; do not touch its bookkeeping
            }
            PublishFailures.Failure f = failures.get(k);
            if (f.reason().isPermanent() || row.attempts() + 1 >= config.maxAttempts()) {
                park.add(failed.get(k));
                parkF.add(f);
            } else {
                retry.add(failed.get(k));
                retryF.add(f);
            }
        }
        try {
            Connection c = db.get();
            if (!retry.isEmpty()) {
                scheduleRetries(c, b, retry, retryF, own);
            }
            if (!park.isEmpty()) {
                park(c, b, park, parkF, own);
            }
            db.recovered();
        } catch (SQLException e) {
            // Not recorded: the rows are claimed again and retried without the backoff; nothing is lost.
            db.failed("recording failed rows", e);
        }
    }

    private void scheduleRetries(
            Connection c, Batch b, List<Integer> retry, List<PublishFailures.Failure> retryF, Ownership own)
            throws SQLException {
        int m = retry.size();
        long[] ids = new long[m];
        int[] attempts = new int[m];
        String[] nextAt = new String[m];
        String[] errors = new String[m];
        Instant now = config.clock().instant();
        Instant[] due = new Instant[m];
        for (int k = 0; k < m; k++) {
            ClaimedRow row = b.rows.get(retry.get(k));
            ids[k] = row.id();
            attempts[k] = row.attempts() + 1;
            Duration delay = config.retryBackoff()
                    .delay(attempts[k], ThreadLocalRandom.current().nextDouble());
            due[k] = now.plus(delay);
            nextAt[k] = due[k].toString();
            errors[k] = PublishFailures.bound(
                    retryF.get(k).reason().tag() + ": " + retryF.get(k).message());
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        // before the statement: from now on the claim thread uses the claim that honours due times and failing keys
        inFlight.retryRecords.incrementAndGet();
        for (Instant d : due) {
            inFlight.noteDue(d);
        }
        try (PreparedStatement st = c.prepareStatement(sql.retry)) {
            st.setArray(1, pg.createArrayOf("int8", ids));
            st.setArray(2, pg.createArrayOf("int4", attempts));
            st.setArray(3, c.createArrayOf("text", nextAt));
            st.setArray(4, c.createArrayOf("text", errors));
            fence(st, 5, pg, own);
            st.executeUpdate();
        }
        for (int k = 0; k < m; k++) {
            Instant d = due[k];
            ClaimedRow row = b.rows.get(retry.get(k));
            PublishFailures.Failure f = retryF.get(k);
            int a = attempts[k];
            LOG.debug(
                    "outbox row {} failed ({}: {}), attempt {} of {}; next at {}",
                    row.id(),
                    f.reason().tag(),
                    f.message(),
                    a,
                    config.maxAttempts(),
                    d);
            events.emit(() -> new OutboxRelayEvent.RowRetryScheduled(
                    config.clock().instant(),
                    config.name(),
                    row.id(),
                    row.messageId(),
                    f.reason(),
                    PublishFailures.bound(f.message()),
                    a,
                    d));
        }
    }

    private void park(Connection c, Batch b, List<Integer> park, List<PublishFailures.Failure> parkF, Ownership own)
            throws SQLException {
        int m = park.size();
        long[] ids = new long[m];
        String[] messageIds = new String[m];
        int[] attempts = new int[m];
        String[] reasons = new String[m];
        String[] errors = new String[m];
        for (int k = 0; k < m; k++) {
            ClaimedRow row = b.rows.get(park.get(k));
            ids[k] = row.id();
            messageIds[k] = row.messageId();
            attempts[k] = row.attempts() + 1;
            reasons[k] = parkF.get(k).reason().tag();
            errors[k] = PublishFailures.bound(parkF.get(k).message());
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        try (PreparedStatement st = c.prepareStatement(sql.park)) {
            st.setArray(1, pg.createArrayOf("int8", ids));
            st.setArray(2, c.createArrayOf("text", messageIds));
            st.setArray(3, pg.createArrayOf("int4", attempts));
            st.setArray(4, c.createArrayOf("text", reasons));
            st.setArray(5, c.createArrayOf("text", errors));
            fence(st, 6, pg, own);
            st.executeUpdate();
        }
        for (int k = 0; k < m; k++) {
            ClaimedRow row = b.rows.get(park.get(k));
            PublishFailures.Failure f = parkF.get(k);
            int a = attempts[k];
            metrics.parked(f.reason());
            LOG.warn(
                    "outbox row {} (subject {}, message id {}) parked after {}: {}: {}. Fix the cause, then re-queue it"
                            + " with OutboxAdmin.requeue (or jscontract outbox requeue)",
                    row.id(),
                    row.subject(),
                    row.messageId(),
                    a == 1 ? "1 attempt" : a + " attempts",
                    f.reason().tag(),
                    f.message());
            events.emit(() -> new OutboxRelayEvent.RowParked(
                    config.clock().instant(),
                    config.name(),
                    row.id(),
                    row.messageId(),
                    f.reason(),
                    PublishFailures.bound(f.message()),
                    a));
        }
    }

    /** Binds the {@link OutboxSql#HELD} parameters (lock space, control pid, owned partitions) from {@code index}. */
    private void fence(PreparedStatement st, int index, PGConnection pg, Ownership own) throws SQLException {
        st.setLong(index, Integer.toUnsignedLong(schema.partitionLockSpace()));
        st.setInt(index + 1, own.controlPid());
        st.setArray(index + 2, pg.createArrayOf("int4", own.partitions()));
    }
}
