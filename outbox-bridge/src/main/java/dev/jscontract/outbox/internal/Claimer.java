package dev.jscontract.outbox.internal;

import io.nats.client.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * The claim thread: claims up to {@code batchSize} committed rows of the owned partitions in id order with one
 * autocommit {@code SELECT} (no transaction stays open; fenced on the partition locks the control session holds, see
 * {@link OutboxSql}), excluding every row not yet settled, and hands the batch to the {@link Publisher}. It claims the
 * next batch while earlier ones wait for PubAcks: up to {@code pipelineDepth} batches are between claim and settle.
 *
 * <p>When to claim: at once after a notification or a full batch; every 2 ms right after a claim found rows, doubling
 * after each empty claim up to 100 ms while rows came in the last second (notifications arrive in bursts when many
 * notifying transactions commit at once); {@code idlePollInterval} when idle; and when a retry falls due. Nothing is
 * claimed while the NATS connection is not connected, during an outage pause, or while the claim session is down.
 *
 * <p>Why no row is lost: a claim keeps no cursor: each reads the owned partitions from the start in id order, so a
 * row that committed after a later id was claimed is found by the next claim (the skip hazard cannot occur).
 */
final class Claimer {
    private static final long MIN_ACTIVE_POLL_NANOS = 2_000_000L;
    private static final long ACTIVE_POLL_NANOS = 100_000_000L;
    private static final long ACTIVE_WINDOW_NANOS = 1_000_000_000L;
    private static final long NOT_CONNECTED_WAIT_NANOS = 100_000_000L;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final OutboxSql sql;
    private final RelayMetrics metrics;
    private final InFlight inFlight;
    private final Publisher publisher;
    private final Supplier<Ownership> ownership;
    private final RelayHealthTracker health;
    private final DbSession db;
    private final String messageIdPrefix;
    private long lastEpoch = -1;
    private long lastClaimNanos = System.nanoTime();
    private long lastRowsNanos = System.nanoTime() - ACTIVE_WINDOW_NANOS;
    private long activePollNanos = MIN_ACTIVE_POLL_NANOS;

    Claimer(
            RelayConfig config,
            SchemaInfo schema,
            OutboxSql sql,
            RelayMetrics metrics,
            InFlight inFlight,
            Publisher publisher,
            Supplier<Ownership> ownership,
            RelayHealthTracker health) {
        this.config = config;
        this.schema = schema;
        this.sql = sql;
        this.metrics = metrics;
        this.inFlight = inFlight;
        this.publisher = publisher;
        this.ownership = ownership;
        this.health = health;
        this.db = new DbSession(config, "claim", true, health);
        this.messageIdPrefix = schema.messageIdPrefix(config.tables());
    }

    /** The claim loop; returns when the relay stops. */
    void run() throws InterruptedException {
        try {
            while (inFlight.running) {
                Ownership own = ownership.get();
                if (own.epoch() != lastEpoch) {
                    lastEpoch = own.epoch();
                    inFlight.dueUnknown = true;
                    inFlight.claimRequested.set(true);
                }
                Connection.Status nats = config.connection().getStatus();
                health.nats(nats);
                if (nats == Connection.Status.CLOSED) {
                    return; // halted: nothing can be published any more
                }
                if (nats == Connection.Status.CONNECTED && readyToClaim(own) && claimOnce(own)) {
                    inFlight.claimRequested.set(true);
                    continue;
                }
                inFlight.claimSignal.await(waitNanos(own, nats));
            }
        } finally {
            inFlight.claimerDone = true;
            inFlight.settleSignal.raise();
            db.close();
        }
    }

    private boolean readyToClaim(Ownership own) {
        long now = System.nanoTime();
        if (own.isEmpty() || inFlight.batches() >= config.pipelineDepth()) {
            return false;
        }
        if (now - inFlight.pauseUntilNanos < 0 || !db.available(now)) {
            return false;
        }
        if (inFlight.claimRequested.get() || now - lastClaimNanos >= pollNanos()) {
            return true;
        }
        Instant due = inFlight.earliestDue();
        return due != null && !config.clock().instant().isBefore(due);
    }

    /**
     * How long after the last claim to claim again without a notification: {@value #MIN_ACTIVE_POLL_NANOS} ns right
     * after a claim found rows, doubling after each empty claim up to {@value #ACTIVE_POLL_NANOS} ns, and {@code
     * idlePollInterval} once no row came for a second.
     */
    private long pollNanos() {
        long idle = config.idlePollInterval().toNanos();
        return System.nanoTime() - lastRowsNanos < ACTIVE_WINDOW_NANOS ? Math.min(idle, activePollNanos) : idle;
    }

    private long waitNanos(Ownership own, Connection.Status nats) {
        long now = System.nanoTime();
        long wait = config.idlePollInterval().toNanos();
        if (!own.isEmpty()) {
            if (nats != Connection.Status.CONNECTED) {
                wait = Math.min(wait, NOT_CONNECTED_WAIT_NANOS);
            }
            wait = Math.min(wait, lastClaimNanos + pollNanos() - now);
            wait = untilIfLater(wait, inFlight.pauseUntilNanos - now);
            wait = untilIfLater(wait, db.retryAtNanos() - now);
            Instant due = inFlight.earliestDue();
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

    /** Claims one batch and publishes it; returns whether it was full (more rows are likely waiting). */
    private boolean claimOnce(Ownership own) {
        inFlight.claimRequested.set(false);
        lastClaimNanos = System.nanoTime();
        List<ClaimedRow> rows;
        long start = System.nanoTime();
        try {
            if (inFlight.dueUnknown) {
                inFlight.dueUnknown = false;
                inFlight.earliestDue(queryEarliestDue(own));
            }
            rows = claim(own);
            db.recovered();
        } catch (SQLException e) {
            db.failed("claim", e);
            inFlight.dueUnknown = true;
            inFlight.claimRequested.set(true); // notifications sent while the session is down are lost
            return false;
        }
        metrics.claimDuration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        Instant due = inFlight.earliestDue();
        if (due != null && !config.clock().instant().isBefore(due)) {
            inFlight.dueConsumed(due); // the due rows were eligible for this claim; re-read the next due time
        }
        if (rows.isEmpty()) {
            activePollNanos = Math.min(activePollNanos * 2, ACTIVE_POLL_NANOS);
            return false;
        }
        lastRowsNanos = System.nanoTime();
        activePollNanos = MIN_ACTIVE_POLL_NANOS;
        metrics.batchSize.record(rows.size());
        Batch batch = new Batch(
                rows, own.epoch(), inFlight.nextClaimSeq(), start, config.clock(), inFlight.settleSignal::raise);
        inFlight.add(batch);
        if (inFlight.running) {
            publisher.publish(batch);
        } else {
            batch.seal(System.nanoTime()); // stopping: the rows stay in the table
        }
        return rows.size() >= config.batchSize();
    }

    private List<ClaimedRow> claim(Ownership own) throws SQLException {
        java.sql.Connection c = db.get();
        PGConnection pg = c.unwrap(PGConnection.class);
        long[] ids = inFlight.ids();
        List<ClaimedRow> rows = new ArrayList<>(Math.min(config.batchSize(), 1024));
        try (PreparedStatement st = c.prepareStatement(sql.claim)) {
            st.setLong(1, Integer.toUnsignedLong(schema.partitionLockSpace()));
            st.setInt(2, own.controlPid());
            st.setArray(3, pg.createArrayOf("int4", own.partitions()));
            st.setObject(4, OffsetDateTime.ofInstant(config.clock().instant(), ZoneOffset.UTC));
            st.setArray(5, pg.createArrayOf("int8", ids));
            st.setArray(6, c.createArrayOf("text", inFlight.heldKeys()));
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
        java.sql.Connection c = db.get();
        try (PreparedStatement st = c.prepareStatement(sql.due)) {
            st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int4", own.partitions()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            }
        }
    }
}
