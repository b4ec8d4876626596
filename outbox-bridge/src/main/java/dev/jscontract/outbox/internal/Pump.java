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
import java.sql.Statement;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's publishing thread and its PostgreSQL session. Each round it claims up to {@code batchSize} committed rows
 * of the partitions it owns (one autocommit {@code SELECT}: no transaction stays open), publishes them with {@code
 * publishAsync} and their message ids, and, while their PubAcks are outstanding, claims the next batch (up to {@code
 * pipelineDepth} batches in flight). When every row of a batch has its answer or the publish timeout has passed, it
 * deletes the acknowledged rows (one autocommit {@code DELETE}) and records failures with their backoff, or parks them.
 *
 * <p>Why no row is lost: a row leaves the outbox only after its PubAck (a duplicate ack counts, PUB-003). A claim never
 * keeps a cursor: each one reads from the start of the owned partitions in id order, excluding only the ids still in
 * flight, so a row that committed after a later id was claimed is found by the next claim (the skip hazard cannot
 * occur). Rows of rolled-back transactions are never visible. A crash at any point leaves unacknowledged rows in the
 * table, and the next owner re-publishes them with the same message ids, which the stream's duplicate window absorbs.
 *
 * <p>Per-key order: ids of one ordering key are assigned in commit order (see {@code OutboxWriter}), claims are in id
 * order, one thread sends them over one connection, and a key whose earlier row waits for a retry is excluded from
 * claims until that row is published or parked.
 */
final class Pump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Pump.class);
    private static final long ACTIVE_POLL_NANOS = 100_000_000L; // fallback poll while rows keep coming
    private static final long ACTIVE_WINDOW_NANOS = 1_000_000_000L;
    private static final long NOT_CONNECTED_WAIT_NANOS = 100_000_000L;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final RelayMetrics metrics;
    private final Events events;
    private final Supplier<Ownership> ownership;
    private final Consumer<Throwable> onFatal;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final String messageIdPrefix;
    private final Signal signal = new Signal();
    private final AtomicBoolean claimRequested = new AtomicBoolean(true);
    private final AtomicIntegerArray inFlightByPartition;
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
    private final Set<String> blockedKeys = new HashSet<>();
    private final Set<String> checkedStreams = new HashSet<>();
    private final String claimSql;
    private final String deleteSql;
    private final String retrySql;
    private final String parkSql;
    private final String dueSql;

    private volatile boolean running = true;
    private @Nullable Connection db;
    private long lastEpoch = -1;
    private boolean dueUnknown = true;
    private @Nullable Instant earliestDue;
    private long lastRowsNanos = System.nanoTime() - ACTIVE_WINDOW_NANOS;
    private long lastClaimNanos = System.nanoTime();
    private long pauseUntilNanos = System.nanoTime();
    private long transportDelayMillis = 100;
    private long dbRetryAtNanos = System.nanoTime();
    private long dbDelayMillis = 100;
    private boolean dbDownLogged;
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
        this.inFlightByPartition = new AtomicIntegerArray(schema.partitions());
        String t = config.tables().qualifiedTable();
        this.claimSql = "SELECT o.id, o.subject, o.message_id, o.headers::text, o.payload, o.ordering_key,"
                + " o.created_at, o.attempts, o.partition"
                + (schema.commitTimestamps() ? ", pg_xact_commit_timestamp(o.xmin)" : "")
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

    /** Rows of the partition that were sent and not yet settled (the control loop releases a partition at 0). */
    int inFlight(int partition) {
        return inFlightByPartition.get(partition);
    }

    /** New rows may be there (a notification, an ownership change): claim soon. */
    void wake() {
        claimRequested.set(true);
        signal.raise();
    }

    /** Stops claiming; in-flight batches are settled before the thread ends. */
    void stop() {
        running = false;
        signal.raise();
    }

    @Override
    public void run() {
        try {
            while (true) {
                settleFinished();
                if (!running) {
                    if (inFlight.isEmpty()) {
                        return;
                    }
                    signal.await(Math.max(1, inFlight.peekFirst().deadlineNanos - System.nanoTime()));
                    continue;
                }
                Ownership own = ownership.get();
                if (own.epoch() != lastEpoch) {
                    lastEpoch = own.epoch();
                    dueUnknown = true;
                    claimRequested.set(true);
                }
                if (readyToClaim(own)) {
                    boolean full = claimAndPublish(own);
                    if (full) {
                        claimRequested.set(true);
                        continue;
                    }
                }
                signal.await(waitNanos(own));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("outbox relay {} stopped publishing after an unexpected error", config.name(), e);
            onFatal.accept(e);
        } finally {
            closeDb();
        }
    }

    private boolean readyToClaim(Ownership own) {
        long now = System.nanoTime();
        if (own.isEmpty() || inFlight.size() >= config.pipelineDepth()) {
            return false;
        }
        if (now - pauseUntilNanos < 0 || now - dbRetryAtNanos < 0) {
            return false;
        }
        if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED) {
            return false;
        }
        if (claimRequested.get()) {
            return true;
        }
        if (now - lastClaimNanos >= pollNanos()) {
            return true;
        }
        Instant due = earliestDue;
        return due != null && !config.clock().instant().isBefore(due);
    }

    private long pollNanos() {
        long idle = config.idlePollInterval().toNanos();
        return System.nanoTime() - lastRowsNanos < ACTIVE_WINDOW_NANOS ? Math.min(idle, ACTIVE_POLL_NANOS) : idle;
    }

    private long waitNanos(Ownership own) {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        if (!inFlight.isEmpty()) {
            wait = Math.min(wait, inFlight.peekFirst().deadlineNanos - now);
        }
        if (!own.isEmpty()) {
            if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED) {
                wait = Math.min(wait, NOT_CONNECTED_WAIT_NANOS);
            }
            wait = Math.min(wait, lastClaimNanos + pollNanos() - now);
            wait = Math.min(wait, pauseUntilNanos - now);
            wait = Math.min(wait, dbRetryAtNanos - now);
            Instant due = earliestDue;
            if (due != null) {
                wait = Math.min(
                        wait, Duration.between(config.clock().instant(), due).toNanos());
            }
        } else {
            wait = Math.min(wait, config.idlePollInterval().toNanos());
        }
        return Math.max(1_000_000L, wait == Long.MAX_VALUE ? 1_000_000_000L : wait);
    }

    // ---------------------------------------------------------------------------------------------------------
    // claim and publish

    /** Claims one batch and sends it; returns whether the batch was full (more rows are likely waiting). */
    private boolean claimAndPublish(Ownership own) {
        claimRequested.set(false);
        lastClaimNanos = System.nanoTime();
        List<ClaimedRow> rows;
        try {
            if (dueUnknown) {
                earliestDue = queryEarliestDue(own);
                dueUnknown = false;
            }
            long start = System.nanoTime();
            rows = claim(own);
            metrics.claimDuration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            dbRecovered();
        } catch (SQLException e) {
            dbFailed("claim", e);
            return false;
        }
        Instant now = config.clock().instant();
        Instant due = earliestDue;
        if (due != null && !now.isBefore(due)) {
            earliestDue = null; // the due rows were eligible for this claim; re-read after they settle
            dueUnknown = true;
        }
        if (rows.isEmpty()) {
            return false;
        }
        lastRowsNanos = System.nanoTime();
        metrics.batchSize.record(rows.size());
        publish(own, rows);
        return rows.size() >= config.batchSize();
    }

    private List<ClaimedRow> claim(Ownership own) throws SQLException {
        Connection c = db();
        PGConnection pg = c.unwrap(PGConnection.class);
        int excluded = 0;
        for (Batch b : inFlight) {
            excluded += b.rows.size();
        }
        long[] ids = new long[excluded];
        int i = 0;
        for (Batch b : inFlight) {
            for (ClaimedRow r : b.rows) {
                ids[i++] = r.id();
            }
        }
        List<ClaimedRow> rows = new ArrayList<>(config.batchSize());
        try (PreparedStatement st = c.prepareStatement(claimSql)) {
            st.setArray(1, pg.createArrayOf("int4", own.partitions()));
            st.setObject(2, OffsetDateTime.ofInstant(config.clock().instant(), ZoneOffset.UTC));
            st.setArray(3, pg.createArrayOf("int8", ids));
            st.setArray(4, c.createArrayOf("text", blockedKeys.toArray(new String[0])));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    String explicitId = rs.getString(3);
                    Instant committed = null;
                    if (schema.commitTimestamps()) {
                        OffsetDateTime ts = rs.getObject(10, OffsetDateTime.class);
                        committed = ts == null ? null : ts.toInstant();
                    }
                    rows.add(new ClaimedRow(
                            id,
                            rs.getString(2),
                            explicitId != null ? explicitId : messageIdPrefix + id,
                            rs.getString(4),
                            rs.getBytes(5),
                            rs.getString(6),
                            rs.getObject(7, OffsetDateTime.class).toInstant(),
                            committed,
                            rs.getInt(8),
                            rs.getInt(9)));
                }
            }
        }
        return rows;
    }

    private @Nullable Instant queryEarliestDue(Ownership own) throws SQLException {
        Connection c = db();
        try (PreparedStatement st = c.prepareStatement(dueSql)) {
            st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int4", own.partitions()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            }
        }
    }

    private void publish(Ownership own, List<ClaimedRow> rows) {
        Batch batch = new Batch(rows, own.epoch(), lastClaimNanos, config.clock(), signal::raise);
        inFlight.addLast(batch);
        Set<String> failedKeys = null;
        for (int i = 0; i < rows.size(); i++) {
            ClaimedRow row = rows.get(i);
            if (ownership.get().epoch() != own.epoch()) {
                break; // ownership changed: rows not yet sent stay in the table for the next owner
            }
            if (row.orderingKey() != null && failedKeys != null && failedKeys.contains(row.orderingKey())) {
                continue; // an earlier row of this key failed to send: keep the key's order
            }
            Headers headers = new Headers();
            int index = i;
            try {
                HeadersJson.read(row.headersJson(), headers::add);
                headers.put(NatsJetStreamConstants.MSG_ID_HDR, row.messageId());
                batch.sending(index);
                inFlightByPartition.incrementAndGet(row.partition());
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
                if (row.orderingKey() != null) {
                    if (failedKeys == null) {
                        failedKeys = new HashSet<>();
                    }
                    failedKeys.add(row.orderingKey());
                    blockedKeys.add(row.orderingKey());
                }
            }
        }
        batch.seal(System.nanoTime() + config.publishTimeout().toNanos());
    }

    // ---------------------------------------------------------------------------------------------------------
    // settle

    private void settleFinished() {
        while (!inFlight.isEmpty()) {
            Batch b = inFlight.peekFirst();
            if (!b.isDone() && System.nanoTime() - b.deadlineNanos < 0) {
                return;
            }
            inFlight.removeFirst();
            settle(b);
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
        boolean transport = false;
        for (int i = 0; i < n; i++) {
            ClaimedRow row = rows.get(i);
            if (b.sent[i]) {
                inFlightByPartition.decrementAndGet(row.partition());
            }
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
        for (ClaimedRow row : rows) {
            if (row.orderingKey() != null) {
                blockedKeys.remove(row.orderingKey());
            }
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
        recordAcks(b, acked);
        recordFailures(b, failed, failures);
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
        if (!failed.isEmpty() || transport || acked.size() < n) {
            claimRequested.set(true);
        }
        if (anyAck) {
            metrics.batchDuration.record(System.nanoTime() - b.claimedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
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
        try {
            Connection c = db();
            try (PreparedStatement st = c.prepareStatement(deleteSql)) {
                st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int8", ids));
                st.executeUpdate();
            }
            dbRecovered();
        } catch (SQLException e) {
            // The rows stay and are published again; their message ids make the stream answer "duplicate".
            dbFailed("delete of acknowledged rows", e);
        }
        metrics.stored.increment(acked.size() - duplicates);
        metrics.duplicates.increment(duplicates);
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
                running = false;
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
            Connection c = db();
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
                    if (earliestDue == null || d.isBefore(earliestDue)) {
                        earliestDue = d;
                    }
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
            dbRecovered();
        } catch (SQLException e) {
            // Not recorded: the rows are claimed again and retried without the backoff; nothing is lost.
            dbFailed("recording failed rows", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // the database session

    private Connection db() throws SQLException {
        Connection c = db;
        if (c != null) {
            return c;
        }
        c = config.dataSource().getConnection();
        try {
            c.setAutoCommit(true);
            c.setNetworkTimeout(Runnable::run, (int) config.dbNetworkTimeout().toMillis());
            try (Statement st = c.createStatement()) {
                // Claims pass the in-flight ids as an array: with a custom plan the array is a constant, which
                // PostgreSQL probes through a hash table instead of comparing every element. The table's statistics
                // swing between empty and a large backlog, so pin the plan to the primary-key order scan.
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
        db = c;
        return c;
    }

    private void dbFailed(String what, SQLException e) {
        closeDb();
        dbRetryAtNanos = System.nanoTime() + dbDelayMillis * 1_000_000L;
        dbDelayMillis = Math.min(dbDelayMillis * 2, 5000);
        if (!dbDownLogged) {
            LOG.warn("outbox relay {}: {} failed ({}); retrying with backoff", config.name(), what, e.getMessage());
            dbDownLogged = true;
        } else {
            LOG.debug("outbox relay {}: {} failed again: {}", config.name(), what, e.getMessage());
        }
    }

    private void dbRecovered() {
        dbDelayMillis = 100;
        if (dbDownLogged) {
            LOG.info("outbox relay {} reaches PostgreSQL again", config.name());
            dbDownLogged = false;
        }
    }

    private void closeDb() {
        Connection c = db;
        db = null;
        if (c == null) {
            return;
        }
        try {
            if (!c.isClosed()) {
                try (Statement st = c.createStatement()) {
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
            LOG.debug("closing the relay's PostgreSQL session failed: {}", e.getMessage());
        }
    }
}
