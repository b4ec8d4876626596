package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxRelayEvent.WalSlotMeasure;
import dev.jscontract.outbox.WalSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL relay's {@code stats} thread: every {@code statsInterval}, on its own session, it reads the slot's retained
 * WAL and lag and the number of parked events into {@link WalMetrics}; warns (a log line and {@link
 * OutboxRelayEvent.WalSlotWarning}) when the slot retains more than {@code retainedWalWarning} or lags by more than
 * {@code lagWarning}, once per crossing ({@link Threshold}), and logs at INFO when the value is back below; and,
 * while this relay streams and the slot lags by more than {@link #HEARTBEAT_LAG}, writes a {@linkplain #heartbeat
 * heartbeat}. A failed query is logged at debug level and tried again with a new
 * session at the next interval. {@link WalRelayEngine} starts it and ends it by closing.
 */
final class WalStatsPoller implements Runnable {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);
    /** Slot lag (bytes) above which the streaming relay writes a heartbeat, see {@link #heartbeat}. */
    static final long HEARTBEAT_LAG = 1L << 20;

    private final RelayConfig config;
    private final WalSettings wal;
    private final WalMetrics metrics;
    private final Events events;
    private final BooleanSupplier stopping;
    private final BooleanSupplier streaming;
    private final Threshold retainedWarning;
    private final Threshold lagWarning;

    /**
     * A poller for the relay's slot; {@code stopping} ends it, {@code streaming} tells whether this relay holds the
     * slot (only then does it write heartbeats).
     */
    WalStatsPoller(
            RelayConfig config,
            WalSettings wal,
            WalMetrics metrics,
            Events events,
            BooleanSupplier stopping,
            BooleanSupplier streaming) {
        this.config = config;
        this.wal = wal;
        this.metrics = metrics;
        this.events = events;
        this.retainedWarning = new Threshold(wal.getRetainedWalWarning());
        this.lagWarning = new Threshold(wal.getLagWarning());
        this.stopping = stopping;
        this.streaming = streaming;
    }

    @Override
    public void run() {
        Connection c = null;
        try {
            while (!stopping.getAsBoolean()) {
                try {
                    if (c == null || c.isClosed()) {
                        c = config.dataSource().getConnection();
                        c.setNetworkTimeout(
                                Runnable::run, (int) config.dbNetworkTimeout().toMillis());
                    }
                    stats(c);
                } catch (SQLException e) {
                    LOG.debug("outbox relay {}: stats query failed: {}", config.name(), e.toString());
                    closeQuietly(c);
                    c = null;
                }
                WalRelayEngine.pause(config.statsInterval(), stopping);
            }
        } catch (WalRelayEngine.Stop e) {
            // closing
        } finally {
            closeQuietly(c);
        }
    }

    private void stats(Connection c) throws SQLException {
        WalMetrics m = metrics;
        try (PreparedStatement st =
                c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,"
                        + " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
            st.setString(1, wal.getSlot());
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    long retained = rs.getLong(1);
                    long lag = rs.getLong(2);
                    m.retained.set(retained);
                    m.lag.set(lag);
                    if (streaming.getAsBoolean() && lag > HEARTBEAT_LAG) {
                        heartbeat(c);
                    }
                    warnOnCrossing(
                            retainedWarning,
                            WalSlotMeasure.RETAINED_WAL,
                            retained,
                            "retains {} bytes of WAL, more than retainedWalWarning {}: PostgreSQL keeps WAL until a"
                                    + " relay confirms it. Check that a relay streams (metric"
                                    + " jscontract.outbox.wal.active) and is not held (its health), and bound the risk"
                                    + " with max_slot_wal_keep_size");
                    warnOnCrossing(
                            lagWarning,
                            WalSlotMeasure.LAG,
                            lag,
                            "lags {} bytes of WAL behind the server, more than lagWarning {}: events are not relayed"
                                    + " as fast as they are written. Check that a relay streams (metric"
                                    + " jscontract.outbox.wal.active), whether publishing is held (its health: NATS,"
                                    + " a stream, an event retried) or slow (jscontract.outbox.wal.commit.to.ack)");
                }
            }
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM " + config.tables().qualifiedParkedTable() + " WHERE lsn IS NOT NULL")) {
            rs.next();
            m.parked.set(rs.getLong(1));
        }
    }

    /**
     * Warns when {@code value} rose above {@code threshold}: a log line ({@code what} has two placeholders, the value
     * and the threshold) and a {@link OutboxRelayEvent.WalSlotWarning}; logs at INFO when it fell back.
     */
    private void warnOnCrossing(Threshold threshold, WalSlotMeasure measure, long value, String what) {
        switch (threshold.measure(value)) {
            case ROSE -> {
                LOG.warn(
                        "outbox relay {}: replication slot {} " + what,
                        config.name(),
                        wal.getSlot(),
                        value,
                        threshold.limit());
                events.emit(() -> new OutboxRelayEvent.WalSlotWarning(
                        config.clock().instant(), config.name(), wal.getSlot(), measure, value, threshold.limit()));
            }
            case FELL ->
                LOG.info(
                        "outbox relay {}: replication slot {}: {} is back at {} bytes, at most {}",
                        config.name(),
                        wal.getSlot(),
                        measure.tagValue(),
                        value,
                        threshold.limit());
            case NONE -> {
                // on the same side as before: warned already, or nothing to warn about
            }
        }
    }

    /**
     * Writes WAL the slot decodes: a transactional message with a prefix the relay ignores. With no outbox events
     * (and, on PostgreSQL 15+, empty transactions skipped by pgoutput), nothing reaches the relay while other
     * tables or databases write, so the slot's position could not advance and the WAL behind it would pile up;
     * the heartbeat's commit lets the relay confirm past it. Only the streaming relay sends it, only when the
     * slot lags by more than {@link #HEARTBEAT_LAG}.
     */
    private void heartbeat(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, '')")) {
            st.setString(1, wal.getPrefix() + ".heartbeat");
            st.execute();
        }
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("closing a session: {}", e.toString());
            }
        }
    }
}
