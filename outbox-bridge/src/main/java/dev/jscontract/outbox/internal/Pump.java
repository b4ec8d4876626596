package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.DuplicateWindowCheck;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.PublishFailure;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's publishing pipeline: two threads, so that the database round trips of settling one batch overlap the
 * claiming and publishing of the next.
 *
 * <ol>
 *   <li><b>claim and publish</b> (own PostgreSQL session): claims up to {@code batchSize} committed rows of the owned
 *       partitions in id order with one autocommit {@code SELECT} (no transaction stays open), excluding the ids of
 *       every batch not yet settled, then sends each row with {@code publishAsync} and its {@code Nats-Msg-Id}, in id
 *       order over the one NATS connection, checking before each row that the relay still owns its partition. It
 *       claims the next batch while the PubAcks of earlier ones are outstanding: up to {@code pipelineDepth} batches
 *       are between claim and settle.
 *   <li><b>settle</b> (own PostgreSQL session): when every row of the oldest batch has its PubAck or error, or the
 *       publish timeout has passed, deletes the acknowledged rows (one autocommit {@code DELETE}) and records the
 *       failures with their backoff, or parks them.
 * </ol>
 *
 * <p>Why no row is lost: a row leaves the outbox only after its PubAck (a duplicate ack counts, PUB-003). A claim
 * keeps no cursor: each reads the owned partitions from the start in id order, so a row that committed after a later
 * id was claimed is found by the next claim (the skip hazard cannot occur). Rows of rolled-back transactions are never
 * visible. A crash at any point leaves unacknowledged rows in the table, and the next owner re-publishes them with
 * the same message ids, which the stream's duplicate window absorbs.
 *
 * <p>Per-key order: ids of one ordering key are assigned in commit order (see {@code OutboxWriter}), claims and sends
 * are in id order, and a key with a failed row is held back: its later rows are skipped when publishing while the
 * failure is being recorded, and excluded by the claim (an anti-join on the failing-rows index) until the row is
 * published or parked.
 */
final class Pump {
    private static final Logger LOG = LoggerFactory.getLogger(Pump.class);
    private static final long MIN_ACTIVE_POLL_NANOS = 2_000_000L;
    private static final long ACTIVE_POLL_NANOS = 100_000_000L;
    private static final long ACTIVE_WINDOW_NANOS = 1_000_000_000L;
    private static final long NOT_CONNECTED_WAIT_NANOS = 100_000_000L;
    private static final long IDLE_CHECK_NANOS = 100_000_000L;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final RelayMetrics metrics;
    private final Events events;
    private final Supplier<Ownership> ownership;
    private final Consumer<Throwable> onFatal;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final String messageIdPrefix;
    private final String claimSql;
    private final String deleteSql;
    private final String retrySql;
    private final String parkSql;
    private final String dueSql;

    // shared between the three threads
    private final Object lock = new Object();
    private final ArrayDeque<Batch> unsettled = new ArrayDeque<>(); // guarded by lock, claim order
    private final Signal claimSignal = new Signal();
    private final Signal settleSignal = new Signal();
    private final AtomicBoolean claimRequested = new AtomicBoolean(true);
    private final AtomicIntegerArray unsettledByPartition;
    /** Keys with a failed row: value = the last claim sequence whose batches must skip the key (MAX while unrecorded). */
    private final ConcurrentHashMap<String, Long> failedKeys = new ConcurrentHashMap<>();

    private final AtomicLong claimSeq = new AtomicLong();
    private final AtomicReference<@Nullable Instant> earliestDue = new AtomicReference<>();
    private volatile boolean dueUnknown = true;
    private volatile boolean running = true;
    private volatile boolean claimerDone;
    private volatile long pauseUntilNanos = System.nanoTime();
    private volatile long lastRowsNanos = System.nanoTime() - ACTIVE_WINDOW_NANOS;

    // claim thread only
    private final Session claimDb;
    private long lastEpoch = -1;
    private long lastClaimNanos = System.nanoTime();
    private long activePollNanos = MIN_ACTIVE_POLL_NANOS;

    // settle thread only
    private final Session settleDb;
    private final Set<String> checkedStreams = new HashSet<>();
    private long transportDelayMillis = 100;
    private boolean pauseLogged;

    Pump(
            RelayConfig config,
            SchemaInfo schema,
            RelayMetrics metrics,
            Events events,
            Supplier<Ownership> ownership,
            Set<String> checkedStreams,
            Consumer<Throwable> onFatal)
            throws IOException {
        this.config = config;
        this.schema = schema;
        this.metrics = metrics;
        this.events = events;
        this.ownership = ownership;
        this.onFatal = onFatal;
        this.js = config.connection().jetStream();
        this.jsm = config.connection().jetStreamManagement();
        this.checkedStreams.addAll(checkedStreams);
        this.messageIdPrefix = schema.messageIdPrefix(config.tables());
        this.unsettledByPartition = new AtomicIntegerArray(schema.partitions());
        this.claimDb = new Session(config, "claim");
        this.settleDb = new Session(config, "settle");
        String t = config.tables().qualifiedTable();
        this.claimSql = "SELECT o.id, o.subject, o.message_id, o.headers::text, o.payload, o.ordering_key,"
                + " (date_part('epoch', o.created_at) * 1000000)::bigint, o.attempts, o.partition"
                + (schema.commitTimestamps()
                        ? ", (date_part('epoch', pg_xact_commit_timestamp(o.xmin)) * 1000000)::bigint"
                        : "")
                + " FROM " + t + " AS o"
                + " WHERE o.partition = ANY(?::int[])"
                + " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?::timestamptz)"
                + " AND NOT (o.id = ANY(?::bigint[]))"
                + " AND (o.ordering_key IS NULL OR NOT (o.ordering_key = ANY(?::text[])))"
                + " AND NOT EXISTS (SELECT 1 FROM " + t + " AS b WHERE b.next_attempt_at IS NOT NULL"
                + " AND b.ordering_key IS NOT NULL AND b.ordering_key = o.ordering_key AND b.id < o.id)"
                + " ORDER BY o.id LIMIT " + config.batchSize();
        this.deleteSql = "DELETE FROM " + t + " WHERE id = ANY(?::bigint[])";
        this.retrySql = "UPDATE " + t + " AS o SET attempts = f.attempts, next_attempt_at = f.next_at::timestamptz,"
                + " last_error = f.err FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[])"
                + " AS f(id, attempts, next_at, err) WHERE o.id = f.id";
        this.parkSql = "WITH f(id, message_id, attempts, reason, error) AS (SELECT * FROM unnest(?::bigint[],"
                + " ?::text[], ?::int[], ?::text[], ?::text[])),"
                + " moved AS (DELETE FROM " + t + " AS o USING f WHERE o.id = f.id RETURNING o.id, o.subject,"
                + " f.message_id, o.headers, o.payload, o.ordering_key, o.created_at, f.attempts, f.reason, f.error)"
                + " INSERT INTO " + config.tables().qualifiedParkedTable() + " (id, subject, message_id, headers,"
                + " payload, ordering_key, created_at, attempts, reason, error) SELECT * FROM moved";
        this.dueSql = "SELECT min(next_attempt_at) FROM " + t
                + " WHERE next_attempt_at IS NOT NULL AND partition = ANY(?::int[])";
    }

    /** Rows of the partition between claim and settle (the control loop releases a partition at 0). */
    int inFlight(int partition) {
        return unsettledByPartition.get(partition);
    }

    /** New rows may be there (a notification, an ownership change): claim soon. */
    void wake() {
        claimRequested.set(true);
        claimSignal.raise();
    }

    /** Stops claiming; what was sent is settled before the threads end. */
    void stop() {
        running = false;
        claimSignal.raise();
        settleSignal.raise();
    }

    /** The claim thread's body. */
    Runnable claimer() {
        return () -> guard("claim", this::claimLoop, () -> {
            claimerDone = true;
            settleSignal.raise();
            claimDb.close();
        });
    }

    /** The settle thread's body. */
    Runnable settler() {
        return () -> guard("settle", this::settleLoop, settleDb::close);
    }

    private interface Loop {
        void run() throws InterruptedException;
    }

    private void guard(String name, Loop loop, Runnable finish) {
        try {
            loop.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("outbox relay {}: the {} thread failed unexpectedly; the relay stops", config.name(), name, e);
            onFatal.accept(e);
        } finally {
            finish.run();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // claim

    private void claimLoop() throws InterruptedException {
        while (running) {
            Ownership own = ownership.get();
            if (own.epoch() != lastEpoch) {
                lastEpoch = own.epoch();
                dueUnknown = true;
                claimRequested.set(true);
            }
            if (readyToClaim(own)) {
                if (claimOnce(own)) {
                    claimRequested.set(true);
                    continue;
                }
            }
            claimSignal.await(claimWaitNanos(own));
        }
    }

    private int unsettledBatches() {
        synchronized (lock) {
            return unsettled.size();
        }
    }

    private boolean readyToClaim(Ownership own) {
        long now = System.nanoTime();
        if (own.isEmpty() || unsettledBatches() >= config.pipelineDepth()) {
            return false;
        }
        if (now - pauseUntilNanos < 0 || !claimDb.available(now)) {
            return false;
        }
        if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED) {
            return false;
        }
        if (claimRequested.get() || now - lastClaimNanos >= pollNanos()) {
            return true;
        }
        Instant due = earliestDue.get();
        return due != null && !config.clock().instant().isBefore(due);
    }

    /**
     * How long after the last claim to claim again without a notification: every {@value #MIN_ACTIVE_POLL_NANOS} ns
     * right after a claim found rows, doubling after each empty claim up to {@value #ACTIVE_POLL_NANOS} ns, and
     * {@code idlePollInterval} once no row came for a second. While rows keep coming this finds them faster than
     * notifications, which PostgreSQL delivers in bursts when many notifying transactions commit at once (their
     * commits queue on one lock).
     */
    private long pollNanos() {
        long idle = config.idlePollInterval().toNanos();
        return System.nanoTime() - lastRowsNanos < ACTIVE_WINDOW_NANOS ? Math.min(idle, activePollNanos) : idle;
    }

    private long claimWaitNanos(Ownership own) {
        long now = System.nanoTime();
        long wait = config.idlePollInterval().toNanos();
        if (!own.isEmpty()) {
            if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED) {
                wait = Math.min(wait, NOT_CONNECTED_WAIT_NANOS);
            }
            wait = Math.min(wait, lastClaimNanos + pollNanos() - now);
            wait = untilIfLater(wait, pauseUntilNanos - now);
            wait = untilIfLater(wait, claimDb.retryAtNanos() - now);
            Instant due = earliestDue.get();
            if (due != null) {
                wait = untilIfLater(
                        wait, Duration.between(config.clock().instant(), due).toNanos());
            }
        }
        return Math.max(1_000_000L, wait);
    }

    /** The earlier of a wait and a deadline that lies ahead; a deadline already passed does not shorten the wait. */
    private static long untilIfLater(long wait, long untilNanos) {
        return untilNanos > 0 ? Math.min(wait, untilNanos) : wait;
    }

    /** Claims one batch and queues it; returns whether it was full (more rows are likely waiting). */
    private boolean claimOnce(Ownership own) {
        claimRequested.set(false);
        lastClaimNanos = System.nanoTime();
        List<ClaimedRow> rows;
        long start = System.nanoTime();
        try {
            if (dueUnknown) {
                dueUnknown = false;
                earliestDue.set(queryEarliestDue(own));
            }
            rows = claim(own);
            claimDb.recovered();
        } catch (SQLException e) {
            claimDb.failed("claim", e);
            dueUnknown = true;
            claimRequested.set(true); // notifications sent while the session is down are lost: claim once it is back
            return false;
        }
        metrics.claimDuration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        Instant due = earliestDue.get();
        if (due != null && !config.clock().instant().isBefore(due)) {
            // The due rows were eligible for this claim; re-read the next due time.
            earliestDue.compareAndSet(due, null);
            dueUnknown = true;
        }
        if (rows.isEmpty()) {
            activePollNanos = Math.min(activePollNanos * 2, ACTIVE_POLL_NANOS);
            return false;
        }
        lastRowsNanos = System.nanoTime();
        activePollNanos = MIN_ACTIVE_POLL_NANOS;
        metrics.batchSize.record(rows.size());
        Batch batch =
                new Batch(rows, own.epoch(), claimSeq.incrementAndGet(), start, config.clock(), settleSignal::raise);
        for (ClaimedRow r : rows) {
            unsettledByPartition.incrementAndGet(r.partition());
        }
        synchronized (lock) {
            unsettled.addLast(batch);
        }
        if (running) {
            publish(batch);
        } else {
            batch.seal(System.nanoTime()); // stopping: the rows stay in the table
        }
        return rows.size() >= config.batchSize();
    }

    private List<ClaimedRow> claim(Ownership own) throws SQLException {
        Connection c = claimDb.get();
        PGConnection pg = c.unwrap(PGConnection.class);
        long[] ids;
        synchronized (lock) {
            int n = 0;
            for (Batch b : unsettled) {
                n += b.rows.size();
            }
            ids = new long[n];
            int i = 0;
            for (Batch b : unsettled) {
                for (ClaimedRow r : b.rows) {
                    ids[i++] = r.id();
                }
            }
        }
        List<ClaimedRow> rows = new ArrayList<>(Math.min(config.batchSize(), 1024));
        try (PreparedStatement st = c.prepareStatement(claimSql)) {
            st.setArray(1, pg.createArrayOf("int4", own.partitions()));
            st.setObject(2, OffsetDateTime.ofInstant(config.clock().instant(), ZoneOffset.UTC));
            st.setArray(3, pg.createArrayOf("int8", ids));
            st.setArray(4, c.createArrayOf("text", failedKeys.keySet().toArray(new String[0])));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    String explicitId = rs.getString(3);
                    Instant committed = null;
                    if (schema.commitTimestamps()) {
                        long micros = rs.getLong(10);
                        committed = rs.wasNull() ? null : micros(micros);
                    }
                    rows.add(new ClaimedRow(
                            id,
                            rs.getString(2),
                            explicitId != null ? explicitId : messageIdPrefix + id,
                            rs.getString(4),
                            rs.getBytes(5),
                            rs.getString(6),
                            micros(rs.getLong(7)),
                            committed,
                            rs.getInt(8),
                            rs.getInt(9)));
                }
            }
        }
        return rows;
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    private @Nullable Instant queryEarliestDue(Ownership own) throws SQLException {
        Connection c = claimDb.get();
        try (PreparedStatement st = c.prepareStatement(dueSql)) {
            st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int4", own.partitions()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            }
        }
    }

    private void noteDue(Instant due) {
        earliestDue.accumulateAndGet(due, (a, b) -> a == null || b.isBefore(a) ? b : a);
    }

    // ---------------------------------------------------------------------------------------------------------
    // publish

    private void publish(Batch batch) {
        List<ClaimedRow> rows = batch.rows;
        for (int i = 0; i < rows.size(); i++) {
            ClaimedRow row = rows.get(i);
            if (ownership.get().epoch() != batch.epoch) {
                break; // ownership changed: rows not yet sent stay in the table for the next owner
            }
            String key = row.orderingKey();
            if (key != null) {
                Long blockedUpTo = failedKeys.get(key);
                if (blockedUpTo != null && blockedUpTo >= batch.claimSeq) {
                    continue; // an earlier row of this key failed: keep the key's order
                }
            }
            Headers headers = new Headers();
            int index = i;
            try {
                HeadersJson.read(row.headersJson(), headers::add);
                headers.put(NatsJetStreamConstants.MSG_ID_HDR, row.messageId());
                batch.sending(index);
                try {
                    js.publishAsync(row.subject(), headers, row.payload())
                            .whenComplete((ack, error) -> batch.complete(index, ack, error));
                } catch (RuntimeException e) {
                    batch.complete(index, null, e);
                    throw e;
                }
            } catch (RuntimeException e) {
                FailureClassifier.Failure f = FailureClassifier.ofSend(e);
                if (f.reason() == PublishFailure.CONNECTION) {
                    break; // the connection is closed or its reconnect buffer is full: stop this batch
                }
                batch.sendFailures[index] = f;
                if (key != null) {
                    failedKeys.put(key, Long.MAX_VALUE);
                }
            }
        }
        batch.seal(System.nanoTime() + config.publishTimeout().toNanos());
    }

    // ---------------------------------------------------------------------------------------------------------
    // settle

    private void settleLoop() throws InterruptedException {
        while (true) {
            Batch head;
            synchronized (lock) {
                head = unsettled.peekFirst();
            }
            long now = System.nanoTime();
            if (head == null) {
                if (claimerDone && !running) {
                    return;
                }
                settleSignal.await(IDLE_CHECK_NANOS);
                continue;
            }
            if (!head.settleable(now)) {
                long wait = head.isSealed() ? head.deadlineNanos() - now : IDLE_CHECK_NANOS;
                settleSignal.await(Math.max(1_000_000L, Math.min(wait, IDLE_CHECK_NANOS)));
                continue;
            }
            settle(head);
            for (ClaimedRow r : head.rows) {
                unsettledByPartition.decrementAndGet(r.partition());
            }
            long oldest;
            synchronized (lock) {
                unsettled.removeFirst();
                Batch next = unsettled.peekFirst();
                oldest = next != null ? next.claimSeq : claimSeq.get() + 1;
            }
            failedKeys.values().removeIf(upTo -> upTo < oldest);
            claimSignal.raise();
        }
    }

    private void settle(Batch b) {
        List<ClaimedRow> rows = b.rows;
        int n = rows.size();
        List<Integer> acked = new ArrayList<>(n);
        List<Integer> failed = new ArrayList<>();
        List<FailureClassifier.Failure> failures = new ArrayList<>();
        boolean anyAck = false;
        int timeouts = 0;
        int unsent = 0;
        boolean transport = false;
        for (int i = 0; i < n; i++) {
            Object result = b.result(i);
            FailureClassifier.Failure f = b.sendFailures[i];
            if (f == null && result instanceof PublishAck) {
                acked.add(i);
                anyAck = true;
                continue;
            }
            if (f == null && result instanceof Throwable) {
                f = FailureClassifier.ofFuture((Throwable) result);
            } else if (f == null && b.sent[i]) {
                f = FailureClassifier.timeout(config.publishTimeout());
            }
            if (f == null) {
                unsent++;
                continue; // not sent: it stays in the table
            }
            metrics.failure(f.reason());
            if (f.reason() == PublishFailure.TIMEOUT) {
                timeouts++;
            }
            if (!f.reason().isRowSpecific()) {
                transport |= f.reason() != PublishFailure.IN_PROCESS;
                continue;
            }
            failed.add(i);
            failures.add(f);
        }
        if (timeouts > 0 && !anyAck) {
            // Nothing of this batch was acknowledged: the server or the connection is the problem, not the rows.
            List<Integer> keep = new ArrayList<>();
            List<FailureClassifier.Failure> keepF = new ArrayList<>();
            for (int k = 0; k < failed.size(); k++) {
                if (failures.get(k).reason() != PublishFailure.TIMEOUT) {
                    keep.add(failed.get(k));
                    keepF.add(failures.get(k));
                }
            }
            failed = keep;
            failures = keepF;
            transport = true;
        }
        // Hold back the keys of failed rows in batches claimed so far, until the failure is in the table.
        Set<String> keys = new LinkedHashSet<>();
        for (int i : failed) {
            String key = rows.get(i).orderingKey();
            if (key != null) {
                keys.add(key);
                failedKeys.put(key, Long.MAX_VALUE);
            }
        }
        recordAcks(b, acked);
        recordFailures(b, failed, failures);
        long upTo = claimSeq.get();
        for (String key : keys) {
            failedKeys.put(key, upTo);
        }
        if (transport) {
            pauseUntilNanos = System.nanoTime() + transportDelayMillis * 1_000_000L;
            if (!pauseLogged) {
                LOG.warn(
                        "outbox relay {} pauses publishing: NATS did not acknowledge (connection {}); retrying with"
                                + " backoff",
                        config.name(),
                        config.connection().getStatus());
                pauseLogged = true;
            }
            transportDelayMillis = Math.min(transportDelayMillis * 2, 5000);
        } else if (anyAck) {
            if (pauseLogged) {
                LOG.info("outbox relay {} publishes again", config.name());
                pauseLogged = false;
            }
            transportDelayMillis = 100;
        }
        if (!failed.isEmpty() || transport || unsent > 0 || acked.size() < n) {
            claimRequested.set(true);
        }
        if (anyAck) {
            metrics.batchDuration.record(System.nanoTime() - b.claimedNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void recordAcks(Batch b, List<Integer> acked) {
        if (acked.isEmpty()) {
            return;
        }
        long[] ids = new long[acked.size()];
        int duplicates = 0;
        Set<String> streams = null;
        for (int k = 0; k < acked.size(); k++) {
            int i = acked.get(k);
            ClaimedRow row = b.rows.get(i);
            ids[k] = row.id();
            PublishAck ack = (PublishAck) b.result(i);
            if (ack.isDuplicate()) {
                duplicates++;
            }
            Instant at = b.ackedAt(i);
            if (at != null) {
                metrics.commitToAck(Duration.between(row.commitTime(), at));
            }
            String stream = ack.getStream();
            if (!checkedStreams.contains(stream)) {
                if (streams == null) {
                    streams = new LinkedHashSet<>();
                }
                streams.add(stream);
            }
        }
        // Counted before the delete: whoever sees the rows gone sees them counted.
        metrics.stored.increment(acked.size() - duplicates);
        metrics.duplicates.increment(duplicates);
        try {
            Connection c = settleDb.get();
            try (PreparedStatement st = c.prepareStatement(deleteSql)) {
                st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int8", ids));
                st.executeUpdate();
            }
            settleDb.recovered();
        } catch (SQLException e) {
            // The rows stay and are published again; their message ids make the stream answer "duplicate".
            settleDb.failed("delete of acknowledged rows", e);
        }
        if (events.active()) {
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
        if (streams != null) {
            streams.forEach(this::checkNewStream);
        }
    }

    private void checkNewStream(String stream) {
        checkedStreams.add(stream);
        Duration window;
        try {
            window = DuplicateWindows.effective(
                    jsm.getStreamInfo(stream).getConfiguration().getDuplicateWindow());
        } catch (IOException | JetStreamApiException e) {
            checkedStreams.remove(stream);
            LOG.warn(
                    "outbox relay {} could not read the duplicate window of stream {} ({}); will check again",
                    config.name(),
                    stream,
                    e.getMessage());
            return;
        }
        DuplicateWindows.check(stream, window, config.retryHorizon()).ifPresent(problem -> {
            events.emit(() -> new OutboxRelayEvent.DuplicateWindowRisk(
                    config.clock().instant(),
                    config.name(),
                    stream,
                    window,
                    config.retryHorizon(),
                    config.duplicateWindowCheck()));
            if (config.duplicateWindowCheck() == DuplicateWindowCheck.REFUSE) {
                LOG.error("outbox relay {} stops: {}", config.name(), problem);
                onFatal.accept(new IllegalStateException(problem));
            } else {
                LOG.warn("outbox relay {}: {}", config.name(), problem);
            }
        });
    }

    private void recordFailures(Batch b, List<Integer> failed, List<FailureClassifier.Failure> failures) {
        if (failed.isEmpty()) {
            return;
        }
        Ownership now = ownership.get();
        List<Integer> retry = new ArrayList<>();
        List<Integer> park = new ArrayList<>();
        List<FailureClassifier.Failure> retryF = new ArrayList<>();
        List<FailureClassifier.Failure> parkF = new ArrayList<>();
        for (int k = 0; k < failed.size(); k++) {
            ClaimedRow row = b.rows.get(failed.get(k));
            if (!now.owns(row.partition())) {
                continue; // its new owner publishes it; do not touch its bookkeeping
            }
            if (row.attempts() + 1 >= config.maxAttempts()) {
                park.add(failed.get(k));
                parkF.add(failures.get(k));
            } else {
                retry.add(failed.get(k));
                retryF.add(failures.get(k));
            }
        }
        try {
            Connection c = settleDb.get();
            if (!retry.isEmpty()) {
                int m = retry.size();
                long[] ids = new long[m];
                int[] attempts = new int[m];
                String[] nextAt = new String[m];
                String[] errors = new String[m];
                Instant now0 = config.clock().instant();
                Instant[] due = new Instant[m];
                for (int k = 0; k < m; k++) {
                    ClaimedRow row = b.rows.get(retry.get(k));
                    ids[k] = row.id();
                    attempts[k] = row.attempts() + 1;
                    Duration delay = config.retryBackoff()
                            .delay(attempts[k], ThreadLocalRandom.current().nextDouble());
                    due[k] = now0.plus(delay);
                    nextAt[k] = due[k].toString();
                    errors[k] = FailureClassifier.bound(
                            retryF.get(k).reason().tag() + ": " + retryF.get(k).message());
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                try (PreparedStatement st = c.prepareStatement(retrySql)) {
                    st.setArray(1, pg.createArrayOf("int8", ids));
                    st.setArray(2, pg.createArrayOf("int4", attempts));
                    st.setArray(3, c.createArrayOf("text", nextAt));
                    st.setArray(4, c.createArrayOf("text", errors));
                    st.executeUpdate();
                }
                for (int k = 0; k < m; k++) {
                    Instant d = due[k];
                    noteDue(d);
                    ClaimedRow row = b.rows.get(retry.get(k));
                    FailureClassifier.Failure f = retryF.get(k);
                    int a = attempts[k];
                    LOG.debug(
                            "outbox row {} failed ({}: {}), attempt {} of {}; next at {}",
                            row.id(),
                            f.reason().tag(),
                            f.message(),
                            a,
                            config.maxAttempts(),
                            d);
                    events.emit(() -> new OutboxRelayEvent.RetryScheduled(
                            config.clock().instant(),
                            config.name(),
                            row.id(),
                            row.messageId(),
                            f.reason(),
                            FailureClassifier.bound(f.message()),
                            a,
                            d));
                }
            }
            if (!park.isEmpty()) {
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
                    errors[k] = FailureClassifier.bound(parkF.get(k).message());
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                try (PreparedStatement st = c.prepareStatement(parkSql)) {
                    st.setArray(1, pg.createArrayOf("int8", ids));
                    st.setArray(2, c.createArrayOf("text", messageIds));
                    st.setArray(3, pg.createArrayOf("int4", attempts));
                    st.setArray(4, c.createArrayOf("text", reasons));
                    st.setArray(5, c.createArrayOf("text", errors));
                    st.executeUpdate();
                }
                for (int k = 0; k < m; k++) {
                    ClaimedRow row = b.rows.get(park.get(k));
                    FailureClassifier.Failure f = parkF.get(k);
                    int a = attempts[k];
                    metrics.parked(f.reason());
                    LOG.warn(
                            "outbox row {} (subject {}, message id {}) parked after {} failed attempts: {}: {}."
                                    + " Fix the cause, then re-queue it with OutboxAdmin.requeue",
                            row.id(),
                            row.subject(),
                            row.messageId(),
                            a,
                            f.reason().tag(),
                            f.message());
                    events.emit(() -> new OutboxRelayEvent.RowParked(
                            config.clock().instant(),
                            config.name(),
                            row.id(),
                            row.messageId(),
                            f.reason(),
                            FailureClassifier.bound(f.message()),
                            a));
                }
            }
            settleDb.recovered();
        } catch (SQLException e) {
            // Not recorded: the rows are claimed again and retried without the backoff; nothing is lost.
            settleDb.failed("recording failed rows", e);
        }
    }

    /** One of the pump's PostgreSQL sessions, opened lazily and re-opened with backoff after a failure. */
    private static final class Session {
        private final RelayConfig config;
        private final String name;
        private @Nullable Connection connection;
        private volatile long retryAtNanos = System.nanoTime();
        private long delayMillis = 100;
        private boolean downLogged;

        Session(RelayConfig config, String name) {
            this.config = config;
            this.name = name;
        }

        boolean available(long nowNanos) {
            return nowNanos - retryAtNanos >= 0;
        }

        long retryAtNanos() {
            return retryAtNanos;
        }

        Connection get() throws SQLException {
            Connection c = connection;
            if (c != null) {
                return c;
            }
            c = config.dataSource().getConnection();
            try {
                c.setAutoCommit(true);
                c.setNetworkTimeout(
                        Runnable::run, (int) config.dbNetworkTimeout().toMillis());
                try (java.sql.Statement st = c.createStatement()) {
                    // Claims pass the unsettled ids as an array: with a custom plan the array is a constant, which
                    // PostgreSQL probes through a hash table instead of comparing every element. The table's
                    // statistics swing between empty and a large backlog, so pin the plan to the primary-key scan.
                    st.execute("SET plan_cache_mode = force_custom_plan");
                    st.execute("SET enable_seqscan = off");
                    st.execute("SET enable_bitmapscan = off");
                    st.execute("SET jit = off");
                    st.execute("SET max_parallel_workers_per_gather = 0");
                }
            } catch (SQLException | RuntimeException e) {
                try {
                    c.close();
                } catch (SQLException ce) {
                    e.addSuppressed(ce);
                }
                throw e;
            }
            connection = c;
            return c;
        }

        void failed(String what, SQLException e) {
            close();
            retryAtNanos = System.nanoTime() + delayMillis * 1_000_000L;
            delayMillis = Math.min(delayMillis * 2, 5000);
            if (!downLogged) {
                LOG.warn("outbox relay {}: {} failed ({}); retrying with backoff", config.name(), what, e.getMessage());
                downLogged = true;
            } else {
                LOG.debug("outbox relay {}: {} failed again: {}", config.name(), what, e.getMessage());
            }
        }

        void recovered() {
            delayMillis = 100;
            if (downLogged) {
                LOG.info("outbox relay {} reaches PostgreSQL again ({} session)", config.name(), name);
                downLogged = false;
            }
        }

        void close() {
            Connection c = connection;
            connection = null;
            if (c == null) {
                return;
            }
            try {
                if (!c.isClosed()) {
                    try (java.sql.Statement st = c.createStatement()) {
                        st.execute("RESET plan_cache_mode");
                        st.execute("RESET enable_seqscan");
                        st.execute("RESET enable_bitmapscan");
                        st.execute("RESET jit");
                        st.execute("RESET max_parallel_workers_per_gather");
                    } catch (SQLException e) {
                        LOG.debug("resetting session settings failed: {}", e.getMessage());
                    }
                }
                c.close();
            } catch (SQLException e) {
                LOG.debug("closing the relay's {} session failed: {}", name, e.getMessage());
            }
        }
    }
}
