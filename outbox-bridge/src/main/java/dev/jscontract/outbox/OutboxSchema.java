package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.outbox.internal.SchemaTemplate;
import dev.jscontract.outbox.internal.WalSchemaTemplate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The outbox's database schema: the SQL shipped in the jar ({@value SchemaTemplate#RESOURCE}) and a helper that
 * applies it for applications without a migration tool.
 *
 * <p>The schema consists of the outbox table (identity id, subject, optional message id, jsonb headers, bytea
 * payload, optional ordering key, a partition derived from the key, created_at and attempt bookkeeping), the
 * parked-rows table, a one-row metadata table (schema version, partition count, install id), two small partial
 * indexes for failed rows, queue-friendly autovacuum settings, and a row-level trigger that sends a {@code NOTIFY}
 * only when a relay sleeps on the row's partition (an advisory-lock probe), so a sleeping relay wakes up at once and
 * commits do not take PostgreSQL's global notification lock while relays are busy.
 *
 * <p>The partition count is fixed at install time (it is part of the generated {@code partition} column); relays
 * read it from the metadata table. Partitions are the unit of ownership between relay instances, so choose at least
 * the number of relays you may run (the default, {@value #DEFAULT_PARTITIONS}, suits up to a few relays).
 *
 * <pre>{@code
 * OutboxSchema.install(dataSource);                  // outbox, outbox_parked, outbox_meta; 16 partitions
 *
 * OutboxTables tables = OutboxTables.builder().table("order_outbox").build();
 * OutboxSchema.install(dataSource, tables, 8);       // custom names, 8 partitions
 * String migration = OutboxSchema.sql(tables, 8);    // or write this into a Flyway/Liquibase migration
 * }</pre>
 */
public final class OutboxSchema {
    /** The default number of partitions. */
    public static final int DEFAULT_PARTITIONS = 16;

    /** The largest partition count. */
    public static final int MAX_PARTITIONS = 1024;

    private OutboxSchema() {}

    /**
     * Installs the default schema ({@link OutboxTables#defaults()}, {@value #DEFAULT_PARTITIONS} partitions).
     *
     * @throws SQLException when the database refuses a statement
     * @throws IllegalStateException when an outbox is already installed with a different partition count or schema
     *     version
     */
    public static void install(DataSource dataSource) throws SQLException {
        install(dataSource, OutboxTables.defaults(), DEFAULT_PARTITIONS);
    }

    /** The SQL template exactly as shipped in the jar, with its {@code ${...}} placeholders. */
    public static String template() {
        return SchemaTemplate.template();
    }

    /**
     * The complete, idempotent SQL script for these names and this partition count, for a migration tool.
     *
     * @param partitions 1 to {@value #MAX_PARTITIONS}
     * @throws IllegalArgumentException when the partition count is out of range
     */
    public static String sql(OutboxTables tables, int partitions) {
        Objects.requireNonNull(tables, "tables");
        Checks.range(partitions, 1, MAX_PARTITIONS, "partitions");
        return SchemaTemplate.render(tables, partitions);
    }

    /**
     * Applies {@link #sql(OutboxTables, int)} in one transaction. Safe to call on every application start and from
     * several processes at once (an advisory lock serializes concurrent installs). On a schema installed by an
     * earlier release (version 1) it upgrades the wake-up trigger in place and records version 2; upgrade the
     * relays first (see {@code docs/decisions/outbox-wakeup.md}).
     *
     * @param partitions 1 to {@value #MAX_PARTITIONS}; fixed once installed
     * @throws IllegalArgumentException when the partition count is out of range
     * @throws SQLException when the database refuses a statement (for example, missing privileges)
     * @throws IllegalStateException when the outbox is already installed with a different partition count or a
     *     schema version this release cannot upgrade; the partition count cannot be changed in place
     */
    public static void install(DataSource dataSource, OutboxTables tables, int partitions) throws SQLException {
        Objects.requireNonNull(dataSource, "dataSource");
        String script = sql(tables, partitions);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "jscontract.outbox.install:" + tables.qualifiedTable());
                    lock.execute();
                }
                checkExisting(c, tables, partitions);
                try (Statement st = c.createStatement()) {
                    st.execute(script);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /**
     * The idempotent SQL that adds WAL mode ({@link WalSettings}) to an installed outbox schema: the parked table's
     * {@code lsn} column, the (empty) publication and the function {@code <table>_emit(subject, payload, headers,
     * message_id, ordering_key)} that emits an event for writers in other languages. Creating a publication needs
     * the {@code CREATE} privilege on the database.
     */
    public static String walSql(OutboxTables tables, WalSettings wal) {
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(wal, "wal");
        return WalSchemaTemplate.render(tables, wal.getPrefix(), wal.getPublication());
    }

    /**
     * Installs the schema for WAL mode in one transaction: {@link #install(DataSource, OutboxTables, int)} (the
     * metadata table with the install id that goes into derived message ids, and the parked table; the outbox table
     * is created but stays empty in WAL mode) with the installed partition count, or {@value #DEFAULT_PARTITIONS} on
     * a new database, then {@link #walSql(OutboxTables, WalSettings)}. Safe to call on every start. The replication
     * slot is not created here: the relay creates it when it first starts.
     *
     * @throws SQLException when the database refuses a statement (for example, missing privileges)
     * @throws IllegalStateException when the server is older than PostgreSQL 14 (no logical decoding messages in
     *     {@code pgoutput}), or an outbox is installed with another schema version
     */
    public static void installWal(DataSource dataSource, OutboxTables tables, WalSettings wal) throws SQLException {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(wal, "wal");
        int partitions = DEFAULT_PARTITIONS;
        try (Connection c = dataSource.getConnection()) {
            int version = c.getMetaData().getDatabaseMajorVersion();
            if (version < 14) {
                throw new IllegalStateException("the outbox's WAL mode needs PostgreSQL 14 or newer (pgoutput streams"
                        + " logical decoding messages from 14 on) but the server is " + version
                        + "; upgrade PostgreSQL or use the table mode (no wal(...) setting)");
            }
            try (PreparedStatement st = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                st.setString(1, tables.qualifiedMetaTable());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        try (Statement q = c.createStatement();
                                ResultSet p = q.executeQuery("SELECT partitions FROM " + tables.qualifiedMetaTable())) {
                            if (p.next()) {
                                partitions = p.getInt(1);
                            }
                        }
                    }
                }
            }
        }
        install(dataSource, tables, partitions);
        String script = walSql(tables, wal);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "jscontract.outbox.install:" + tables.qualifiedTable());
                    lock.execute();
                }
                try (Statement st = c.createStatement()) {
                    st.execute(script);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static void checkExisting(Connection c, OutboxTables tables, int partitions) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            st.setString(1, tables.qualifiedMetaTable());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT schema_version, partitions FROM " + tables.qualifiedMetaTable())) {
            if (!rs.next()) {
                return;
            }
            int version = rs.getInt(1);
            int existing = rs.getInt(2);
            if (version < SchemaTemplate.OLDEST_SUPPORTED || version > SchemaTemplate.VERSION) {
                throw new IllegalStateException(tables.qualifiedMetaTable() + " has schema_version " + version
                        + " but this jscontract-outbox-bridge installs version " + SchemaTemplate.VERSION
                        + " and upgrades versions " + SchemaTemplate.OLDEST_SUPPORTED + " to "
                        + SchemaTemplate.VERSION + "; use the release that installed it, or a newer one");
            }
            if (existing != partitions) {
                throw new IllegalStateException(tables.qualifiedTable() + " is installed with " + existing
                        + " partitions but partitions(" + partitions + ") was requested; the partition count is fixed"
                        + " at install time. Use partitions(" + existing + "), or drain the outbox and re-create it");
            }
        }
    }
}
