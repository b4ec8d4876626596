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
import java.util.Arrays;
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
 * after each empty claim; {@code idlePollInterval} while asleep; and when a retry falls due. Nothing is claimed while
 * the NATS connection is not connected, while publishing is held after an outage ({@link PublishHold}: until every
 * batch in flight is settled, then one row alone as a probe), during an outage pause, or while the claim session is
 * down.
 *
 * <p>Asleep and awake (the writer-friendly wake-up, {@code docs/decisions/outbox-wakeup.md}): while rows flow the
 * thread polls and writers notify nothing. Once the poll has backed off to {@value #SLEEP_AFTER_NANOS} ns without
 * rows, it takes the idle lock of every owned partition on its session ({@link SchemaInfo#idleLockKey}) and claims
 * once more; holding them all, it is asleep, and from then on the schema's trigger makes every transaction that
 * inserts a row of those partitions notify at commit. A partition's lock cannot be taken while a transaction that
 * inserted a row of it (and saw no sleeping relay) is open; until it ends the thread keeps polling, backing off up
 * to 100 ms. A claim that finds rows releases the locks.
 *
 * <p>Why no row is lost: a claim keeps no cursor: each reads the owned partitions from the start in id order, so a
 * row that committed after a later id was claimed is found by the next claim (the skip hazard cannot occur).
 */
final class Claimer {
    private static final long MIN_ACTIVE_POLL_NANOS = 2_000_000L;
    private static final long SLEEP_AFTER_NANOS = 8_000_000L;
    private static final long ACTIVE_POLL_NANOS = 100_000_000L;
    private static final long[] NO_KEYS = new long[0];
    private static final long NOT_CONNECTED_WAIT_NANOS = 100_000_000L;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final OutboxSql sql;
    private final RelayMetrics metrics;
    private final InFlight inFlight;
    private final Publisher publisher;
    private final PublishHold hold;
    private final Supplier<Ownership> ownership;
    private final RelayHealthTracker health;
    private final DbSession db;
    private final String messageIdPrefix;
    private long lastEpoch = -1;
    private long lastClaimNanos = System.nanoTime();
    private long activePollNanos = MIN_ACTIVE_POLL_NANOS;
    /** The idle-lock keys held on {@link #idleSession} (sorted). */
    private long[] idleHeld = NO_KEYS;

    private java.sql.@Nullable Connection idleSession;
    /** Holding the idle lock of every owned partition: only notifications, retries and the idle poll wake it. */
    private boolean asleep;

    Claimer(
            RelayConfig config,
            SchemaInfo schema,
            OutboxSql sql,
            RelayMetrics metrics,
            InFlight inFlight,
            Publisher publisher,
            PublishHold hold,
            Supplier<Ownership> ownership,
            RelayHealthTracker health) {
        this.config = config;
        this.schema = schema;
        this.sql = sql;
        this.metrics = metrics;
        this.inFlight = inFlight;
        this.publisher = publisher;
        this.hold = hold;
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
                    asleep = false; // the idle locks of gained partitions are not held yet
                    inFlight.dueUnknown = true;
                    inFlight.claimRequested.set(true);
                }
                Connection.Status nats = config.connection().getStatus();
                health.nats(nats);
                if (nats == Connection.Status.CLOSED) {
                    return; // halted: nothing can be published any more
                }
                if (hold.mayClaim() && nats == Connection.Status.CONNECTED && readyToClaim(own) && claimOnce(own)) {
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
     * idlePollInterval} while asleep.
     */
    private long pollNanos() {
        long idle = config.idlePollInterval().toNanos();
        return asleep ? idle : Math.min(idle, activePollNanos);
    }

    /** Whether the thread is asleep: it holds the idle lock of every owned partition (tests and diagnostics). */
    boolean isAsleep() {
        return asleep;
    }

    private long waitNanos(Ownership own, Connection.Status nats) {
        long now = System.nanoTime();
        long wait = config.idlePollInterval().toNanos();
        if (!own.isEmpty()) {
            if (nats != Connection.Status.CONNECTED || hold.isHeld()) {
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
                long records = inFlight.retryRecords.get();
                Instant due = queryEarliestDue(own);
                inFlight.earliestDue(due);
                inFlight.noRetriesAt = due == null ? records : -1;
            }
            rows = claim(own);
            db.recovered();
        } catch (SQLException e) {
            claimSessionFailed("claim", e);
            return false;
        }
        metrics.claimDuration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        Instant due = inFlight.earliestDue();
        if (due != null && !config.clock().instant().isBefore(due)) {
            inFlight.dueConsumed(due); // the due rows were eligible for this claim; re-read the next due time
        }
        if (rows.isEmpty()) {
            activePollNanos = Math.min(activePollNanos * 2, ACTIVE_POLL_NANOS);
            if (!asleep && activePollNanos >= SLEEP_AFTER_NANOS) {
                fallAsleep(own);
            }
            return false;
        }
        activePollNanos = MIN_ACTIVE_POLL_NANOS;
        asleep = false;
        metrics.batchSize.record(rows.size());
        Batch batch = new Batch(
                rows, own.epoch(), inFlight.nextClaimSeq(), start, config.clock(), inFlight.settleSignal::raise);
        inFlight.add(batch);
        if (inFlight.running) {
            publisher.publish(batch, hold.rowsToSend());
            hold.sent();
        } else {
            batch.seal(System.nanoTime()); // stopping: the rows stay in the table
        }
        if (idleHeld.length > 0) {
            wakeUp(); // after the publish, so that the rows that woke it do not wait for this statement
        }
        return rows.size() >= config.batchSize();
    }

    /** The claim session failed: it is closed (its idle locks go with it) and claims again once it is back. */
    private void claimSessionFailed(String what, SQLException e) {
        db.failed(what, e);
        idleHeld = NO_KEYS;
        idleSession = null;
        asleep = false;
        inFlight.dueUnknown = true;
        inFlight.claimRequested.set(true); // notifications sent while the session is down are lost
    }

    /**
     * Takes the idle locks of the owned partitions that it does not hold yet and releases those of partitions it no
     * longer owns. Holding all of them, it is asleep, and claims once more at once: rows committed before the locks
     * were taken notified nobody. Otherwise a writer's transaction is still open on some partition, and it keeps
     * polling.
     */
    private void fallAsleep(Ownership own) {
        try {
            java.sql.Connection c = db.get();
            if (c != idleSession) {
                idleHeld = NO_KEYS; // a new session holds nothing
                idleSession = c;
            }
            int[] partitions = own.partitions();
            long[] wanted = new long[partitions.length];
            for (int i = 0; i < partitions.length; i++) {
                wanted[i] = schema.idleLockKey(partitions[i]);
            }
            Arrays.sort(wanted);
            long[] release = Arrays.stream(idleHeld)
                    .filter(k -> Arrays.binarySearch(wanted, k) < 0)
                    .toArray();
            long[] missing = Arrays.stream(wanted)
                    .filter(k -> Arrays.binarySearch(idleHeld, k) < 0)
                    .toArray();
            PGConnection pg = c.unwrap(PGConnection.class);
            if (release.length > 0) {
                try (PreparedStatement st = c.prepareStatement(OutboxSql.IDLE_UNLOCK)) {
                    st.setArray(1, pg.createArrayOf("int8", release));
                    st.executeQuery().close();
                }
            }
            long[] taken = NO_KEYS;
            if (missing.length > 0) {
                try (PreparedStatement st = c.prepareStatement(OutboxSql.IDLE_LOCK);
                        ResultSet rs = bind(st, pg, missing).executeQuery()) {
                    rs.next();
                    Long[] got = (Long[]) rs.getArray(1).getArray();
                    taken = Arrays.stream(got).mapToLong(Long::longValue).toArray();
                }
            }
            long[] held = java.util.stream.LongStream.concat(
                            Arrays.stream(idleHeld).filter(k -> Arrays.binarySearch(wanted, k) >= 0),
                            Arrays.stream(taken))
                    .sorted()
                    .toArray();
            idleHeld = held;
            if (Arrays.equals(held, wanted)) {
                asleep = true;
                // claim once more at once, not at the next poll (asleep: the safety poll): a writer that committed
                // between the last claim and the lock notified nobody
                inFlight.wake();
            }
            db.recovered();
        } catch (SQLException e) {
            claimSessionFailed("taking the idle locks", e);
        }
    }

    private static PreparedStatement bind(PreparedStatement st, PGConnection pg, long[] keys) throws SQLException {
        st.setArray(1, pg.createArrayOf("int8", keys));
        return st;
    }

    /** Rows came: releases the idle locks, so that writers stop notifying while the thread polls. */
    private void wakeUp() {
        try {
            java.sql.Connection c = db.get();
            if (c == idleSession) {
                try (PreparedStatement st = c.prepareStatement(OutboxSql.IDLE_UNLOCK)) {
                    st.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int8", idleHeld));
                    st.executeQuery().close();
                }
            }
            idleHeld = NO_KEYS;
            db.recovered();
        } catch (SQLException e) {
            claimSessionFailed("releasing the idle locks", e);
        }
    }

    private List<ClaimedRow> claim(Ownership own) throws SQLException {
        java.sql.Connection c = db.get();
        PGConnection pg = c.unwrap(PGConnection.class);
        long[] ids = inFlight.ids();
        List<ClaimedRow> rows = new ArrayList<>(Math.min(config.batchSize(), 1024));
        boolean noRetries = inFlight.noRetriesWaiting();
        try (PreparedStatement st = c.prepareStatement(noRetries ? sql.claimNoRetries : sql.claim)) {
            st.setLong(1, Integer.toUnsignedLong(schema.partitionLockSpace()));
            st.setInt(2, own.controlPid());
            st.setArray(3, pg.createArrayOf("int4", own.partitions()));
            int i = 4;
            if (!noRetries) {
                st.setObject(i++, OffsetDateTime.ofInstant(config.clock().instant(), ZoneOffset.UTC));
            }
            st.setArray(i++, pg.createArrayOf("int8", ids));
            st.setArray(i, c.createArrayOf("text", inFlight.heldKeys()));
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
