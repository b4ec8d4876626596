package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.WalSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL relay's side of PostgreSQL's replication machinery: checks the server (version, {@code wal_level}, the
 * publication), works out the replication URL and role, makes sure the slot exists (creating it when missing, and
 * reporting a slot this relay knew that was dropped and created again), opens replication sessions and starts
 * streaming from the slot, and turns a slot PostgreSQL invalidated into a {@link WalRelayEngine.Fatal} that halts the
 * relay. It remembers what it needs for those reports: whether it has seen the slot, the slot's largest {@code
 * confirmed_flush_lsn} read, and the last position this relay confirmed.
 *
 * <p>Used by the thread that calls {@code start()} and, once that returned, by the {@code wal} thread only.
 */
final class WalSlotManager {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);

    private static final String OBJECT_IN_USE = "55006";
    private static final String DUPLICATE_OBJECT = "42710";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final RelayConfig config;
    private final WalSettings wal;
    private final Events events;
    private final Supplier<@Nullable WalMetrics> metrics;
    private String replicationUrl = "";
    private @Nullable String replicationUser;
    /** Whether this relay has seen the slot (a slot that disappears afterwards was dropped: events are lost). */
    private boolean slotSeen;
    /** The largest {@code confirmed_flush_lsn} read from the slot (a standby confirms nothing itself). */
    private long slotConfirmed;
    /** The last position this relay confirmed to PostgreSQL. */
    private long lastConfirmed;

    /** A manager for the slot of {@code wal}; {@code metrics} gives the relay's meters while it runs. */
    WalSlotManager(RelayConfig config, WalSettings wal, Events events, Supplier<@Nullable WalMetrics> metrics) {
        this.config = config;
        this.wal = wal;
        this.events = events;
        this.metrics = metrics;
    }

    /** Records the position this relay confirmed to PostgreSQL, for the reports of lost events. */
    void confirmed(long lsn) {
        lastConfirmed = lsn;
    }

    /** PostgreSQL 14+, wal_level=logical, the publication: each missing piece is an error that says the fix. */
    void checkServer(Connection c) throws SQLException {
        int version = c.getMetaData().getDatabaseMajorVersion();
        if (version < 14) {
            throw new IllegalStateException("the outbox's WAL mode needs PostgreSQL 14 or newer (pgoutput streams"
                    + " logical decoding messages from 14 on) but the server is " + version
                    + "; upgrade PostgreSQL or use the table mode (no wal(...) setting)");
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            String level = rs.getString(1);
            if (!"logical".equals(level)) {
                throw new IllegalStateException("the outbox's WAL mode needs wal_level=logical but the server runs"
                        + " with wal_level=" + level + "; set wal_level = logical in postgresql.conf (managed"
                        + " services: see the README's WAL mode section) and restart PostgreSQL, or use the table"
                        + " mode (no wal(...) setting)");
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            st.setString(1, wal.getPublication());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("publication " + wal.getPublication() + " does not exist; run"
                            + " OutboxSchema.installWal(dataSource, tables, walSettings) or CREATE PUBLICATION "
                            + wal.getPublication() + " (it stays empty: only logical decoding messages are read)");
                }
            }
        }
    }

    /**
     * Sets the replication connection's URL: given, or host, port and database of a session of the data source
     * (pgjdbc's {@code DatabaseMetaData.getURL()} without its properties); that session's user goes into {@link
     * #replicationUser}.
     * A password is never in that URL: with password authentication, give {@code WalSettings.replicationUrl}.
     */
    void resolveReplicationUrl() throws SQLException {
        String given = wal.getReplicationUrl();
        if (given != null) {
            replicationUrl = given;
            return;
        }
        try (Connection c = config.dataSource().getConnection()) {
            String url = c.getMetaData().getURL();
            if (url == null || !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalStateException("the WAL relay needs a replication connection, but the sessions of"
                        + " its data source do not tell a pgjdbc URL (" + url + "); set"
                        + " WalSettings.builder().replicationUrl(\"jdbc:postgresql://host:port/db?user=...\")");
            }
            replicationUser = c.getMetaData().getUserName();
            // pgjdbc lists every property in that URL (preferQueryMode=extended among them, which a replication
            // session must not use): keep host, port and database, and set what the session needs
            int q = url.indexOf('?');
            replicationUrl = q < 0 ? url : url.substring(0, q);
        }
    }

    /**
     * A replication session ({@code replication=database}); a role without the {@code REPLICATION} attribute is a
     * {@link WalRelayEngine.Fatal} that names the statement to run.
     */
    Connection openReplication() throws SQLException {
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.APPLICATION_NAME.set(props, "jscontract-outbox-wal " + config.name());
        PGProperty.CONNECT_TIMEOUT.set(
                props, (int) Math.max(1, config.dbNetworkTimeout().toSeconds()));
        String user = replicationUser;
        if (user != null && wal.getReplicationUrl() == null) {
            PGProperty.USER.set(props, user);
        }
        Connection rc;
        try {
            rc = new org.postgresql.Driver().connect(replicationUrl, props);
        } catch (SQLException e) {
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                String role = replicationRole();
                throw new WalRelayEngine.Fatal(
                        RelayHealth.Cause.RELAY_THREAD_FAILED,
                        "the relay's role " + role + " cannot open a replication session (" + e.getMessage()
                                + "). The role needs the REPLICATION attribute: ALTER ROLE " + role + " REPLICATION"
                                + " (Amazon RDS/Aurora: GRANT rds_replication TO " + role + ")");
            }
            // the same SQLState, so that a session lost later is still told apart from a refusal; no URL (it may
            // carry a password)
            throw new SQLException(
                    "cannot open the WAL relay's replication session (" + e.getMessage() + "); check that the server"
                            + " has a free WAL sender (max_wal_senders) and accepts the role from this host"
                            + " (pg_hba.conf), or give WalSettings.replicationUrl(...)",
                    e.getSQLState(),
                    e);
        }
        if (rc == null) {
            throw new WalRelayEngine.Fatal(
                    RelayHealth.Cause.RELAY_THREAD_FAILED,
                    "the replication URL " + replicationUrl + " is not a pgjdbc URL");
        }
        return rc;
    }

    /**
     * Starts streaming from the slot on the replication session {@code rc}: pgoutput messages, status updates every
     * {@code statusInterval}, no automatic flush. Throws {@link SlotBusy} when another session streams from the
     * slot, and {@link WalRelayEngine.Fatal} when the slot was invalidated since {@link #ensureSlot()}.
     */
    PGReplicationStream startStream(Connection rc) throws SQLException {
        try {
            return rc.unwrap(PGConnection.class)
                    .getReplicationAPI()
                    .replicationStream()
                    .logical()
                    .withSlotName(wal.getSlot())
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", wal.getPublication())
                    .withSlotOption("messages", true)
                    .withStatusInterval((int) wal.getStatusInterval().toMillis(), TimeUnit.MILLISECONDS)
                    .withAutomaticFlush(false)
                    .start();
        } catch (SQLException e) {
            if (OBJECT_IN_USE.equals(e.getSQLState())) {
                throw new SlotBusy(e.getMessage());
            }
            String m = String.valueOf(e.getMessage());
            // invalidated between the check above and START_REPLICATION (English server messages only; the
            // wal_status check covers the other languages on the next attempt)
            if (m.contains("can no longer get changes") || m.contains("has been invalidated")) {
                throw slotLost(m);
            }
            throw e;
        }
    }

    /** The role of the replication session, for messages. */
    private String replicationRole() {
        String user = replicationUser;
        if (user == null) {
            Properties parsed = org.postgresql.Driver.parseURL(replicationUrl, null);
            user = parsed == null ? null : parsed.getProperty(PGProperty.USER.getName());
        }
        return user != null ? user : "<the user of WalSettings.replicationUrl>";
    }

    /** The relay halts: PostgreSQL removed WAL the slot still needed. */
    WalRelayEngine.Fatal slotLost(String what) {
        String confirmed = LogSequenceNumber.valueOf(Math.max(lastConfirmed, slotConfirmed))
                .asString();
        return new WalRelayEngine.Fatal(
                RelayHealth.Cause.REPLICATION_SLOT_LOST,
                "replication slot " + wal.getSlot() + " was invalidated by PostgreSQL (" + what + "): it held more"
                        + " WAL than max_slot_wal_keep_size allows, so events committed after its confirmed position "
                        + confirmed + " were removed before they were relayed and are lost. Publish them again from"
                        + " their source if you can; then drop the slot (SELECT pg_drop_replication_slot('"
                        + wal.getSlot() + "')) and start a new relay, which creates the slot anew at the current"
                        + " position");
    }

    /**
     * Creates the slot when missing; reports when a slot this relay has seen was dropped (its events are lost).
     *
     * @return the slot's {@code wal_status} ({@code lost} once PostgreSQL invalidated it), or null for a new slot
     */
    @Nullable
    String ensureSlot() throws SQLException {
        try (Connection c = config.dataSource().getConnection()) {
            try (PreparedStatement st = c.prepareStatement("SELECT plugin, database, confirmed_flush_lsn::text,"
                    + " wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
                st.setString(1, wal.getSlot());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        if (!"pgoutput".equals(rs.getString(1))
                                || !c.getCatalog().equals(rs.getString(2))) {
                            throw new WalRelayEngine.Fatal(
                                    RelayHealth.Cause.RELAY_THREAD_FAILED,
                                    "replication slot " + wal.getSlot() + " exists but uses plugin "
                                            + rs.getString(1) + " in database " + rs.getString(2) + "; the relay"
                                            + " needs a pgoutput slot in " + c.getCatalog() + ". Choose another"
                                            + " slot name (WalSettings.slot) or drop that slot");
                        }
                        String confirmed = rs.getString(3);
                        if (confirmed != null) {
                            slotConfirmed = Math.max(
                                    slotConfirmed,
                                    LogSequenceNumber.valueOf(confirmed).asLong());
                        }
                        slotSeen = true;
                        return rs.getString(4);
                    }
                }
            }
            String created;
            try (PreparedStatement st =
                    c.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
                st.setString(1, wal.getSlot());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    created = rs.getString(1);
                }
            } catch (SQLException e) {
                if (DUPLICATE_OBJECT.equals(e.getSQLState())) {
                    slotSeen = true; // another relay created it meanwhile
                    return null;
                }
                if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                    String role = c.getMetaData().getUserName();
                    throw new WalRelayEngine.Fatal(
                            RelayHealth.Cause.RELAY_THREAD_FAILED,
                            "cannot create replication slot " + wal.getSlot() + ": " + e.getMessage() + ". The"
                                    + " relay's role needs the REPLICATION attribute: ALTER ROLE " + role
                                    + " REPLICATION (Amazon RDS/Aurora: GRANT rds_replication TO " + role + ")");
                }
                throw e;
            }
            if (slotSeen) {
                slotRecreated(LogSequenceNumber.valueOf(created).asLong());
            } else {
                LOG.info(
                        "outbox relay {} created replication slot {} at {}; events committed from there on are"
                                + " relayed",
                        config.name(),
                        wal.getSlot(),
                        created);
            }
            slotSeen = true;
            return null;
        }
    }

    /**
     * The slot this relay knew is gone and was created again: what was committed in between was never decoded. Logged
     * as an error, counted, and told to listeners with the range.
     */
    private void slotRecreated(long createdLsn) {
        long after = Math.max(lastConfirmed, slotConfirmed);
        LOG.error(
                "outbox relay {}: replication slot {} disappeared while the relay used it (dropped, or lost in a"
                        + " failover) and is now created again at {}: events committed after {} (the last position"
                        + " confirmed) and before {} were never relayed and are lost. Publish them again from their"
                        + " source if you can",
                config.name(),
                wal.getSlot(),
                LogSequenceNumber.valueOf(createdLsn).asString(),
                LogSequenceNumber.valueOf(after).asString(),
                LogSequenceNumber.valueOf(createdLsn).asString());
        WalMetrics m = metrics.get();
        if (m != null) {
            m.slotRecreated.increment();
        }
        events.emit(() -> new OutboxRelayEvent.WalSlotRecreated(
                config.clock().instant(), config.name(), wal.getSlot(), after, createdLsn));
    }

    /** Another session streams from the slot: this relay is a standby. */
    static final class SlotBusy extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SlotBusy(String message) {
            super(message, null, false, false);
        }
    }
}
