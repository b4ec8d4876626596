package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.outbox.internal.HeadersJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Operations on an outbox for operators and tools (the {@code jscontract outbox} CLI commands use it): its status,
 * the parked rows, and re-queueing them once the cause is fixed.
 *
 * <pre>{@code
 * OutboxAdmin admin = OutboxAdmin.create(dataSource);
 * for (ParkedRow row : admin.parked(100)) {
 *   log.info("{} parked: {} {}", row.getId(), row.getReason(), row.getError());
 * }
 * admin.requeueAll();       // after creating the missing stream, say
 * }</pre>
 *
 * <p>A re-queued row goes back into the outbox with its original id and message id and zero attempts, so a relay
 * publishes it at once (before newer rows of its partition) and the stream still recognizes it if an earlier attempt
 * was in fact stored. Its key's later rows were published while it was parked, so it now follows them: re-queueing
 * gives up per-key order for that row, by necessity. Thread-safe; every call uses one connection of the data source.
 */
public final class OutboxAdmin {
    private final DataSource dataSource;
    private final OutboxTables tables;

    private OutboxAdmin(DataSource dataSource, OutboxTables tables) {
        this.dataSource = dataSource;
        this.tables = tables;
    }

    /** An admin for {@link OutboxTables#defaults()}. */
    public static OutboxAdmin create(DataSource dataSource) {
        return create(dataSource, OutboxTables.defaults());
    }

    /** An admin for the given tables. */
    public static OutboxAdmin create(DataSource dataSource, OutboxTables tables) {
        return new OutboxAdmin(
                Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(tables, "tables"));
    }

    /**
     * Counts the backlog, the rows waiting for a retry and the parked rows.
     *
     * @throws SQLException when the database fails or the schema is not installed
     */
    public OutboxStatus status() throws SQLException {
        String t = tables.qualifiedTable();
        String sql = "SELECT (SELECT count(*) FROM " + t + "), (SELECT count(*) FROM " + t
                + " WHERE next_attempt_at IS NOT NULL), (SELECT created_at FROM " + t + " ORDER BY id LIMIT 1),"
                + " (SELECT count(*) FROM " + tables.qualifiedParkedTable() + "), (SELECT partitions FROM "
                + tables.qualifiedMetaTable() + ")";
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            OffsetDateTime oldest = rs.getObject(3, OffsetDateTime.class);
            return new OutboxStatus(
                    rs.getLong(1),
                    rs.getLong(2),
                    oldest == null ? null : oldest.toInstant(),
                    rs.getLong(4),
                    rs.getInt(5));
        }
    }

    /**
     * The oldest parked rows, by id. Every parked row is listed, including one whose headers are not in the
     * documented format (then {@link ParkedRow#hasValidHeaders()} is false and {@link ParkedRow#getHeadersJson()}
     * shows them as stored).
     *
     * @param limit 1 to 10,000
     * @throws IllegalArgumentException when the limit is out of range
     * @throws SQLException when the database fails
     */
    public List<ParkedRow> parked(int limit) throws SQLException {
        Checks.range(limit, 1, 10_000, "limit");
        return readParked("", limit);
    }

    private List<ParkedRow> readParked(String where, int limit) throws SQLException {
        String sql = "SELECT id, subject, message_id, headers::text, payload, ordering_key, created_at, attempts,"
                + " reason, error, parked_at FROM " + tables.qualifiedParkedTable() + where + " ORDER BY id LIMIT "
                + limit;
        List<ParkedRow> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String headersJson = rs.getString(4);
                Map<String, List<String>> headers;
                boolean valid;
                try {
                    headers = HeadersJson.readMap(headersJson);
                    valid = true;
                } catch (IllegalArgumentException e) {
                    headers = Map.of(); // shown as text: the row is listed so that it can be repaired
                    valid = false;
                }
                rows.add(new ParkedRow(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        headers,
                        headersJson,
                        valid,
                        rs.getBytes(5),
                        rs.getString(6),
                        rs.getObject(7, OffsetDateTime.class).toInstant(),
                        rs.getInt(8),
                        rs.getString(9),
                        rs.getString(10),
                        rs.getObject(11, OffsetDateTime.class).toInstant()));
            }
        }
        return rows;
    }

    /**
     * One parked row by id, if it is parked.
     *
     * @throws SQLException when the database fails
     */
    public Optional<ParkedRow> parkedRow(long id) throws SQLException {
        return readParked(" WHERE id = " + id, 1).stream().findFirst();
    }

    /**
     * Who owns each partition now: the session holding the partition's advisory lock (the lock space is the outbox
     * table's oid, the key the partition number, as the relays take them), read from {@code pg_locks}; partitions no
     * relay holds are listed with no owner. Seeing other roles' application names and addresses needs {@code
     * pg_read_all_stats}.
     *
     * @throws SQLException when the database fails or the schema is not installed
     */
    public List<PartitionOwner> owners() throws SQLException {
        String sql = "SELECT p.n, l.pid, a.application_name, host(a.client_addr), a.backend_start"
                + " FROM generate_series(0, (SELECT partitions FROM " + tables.qualifiedMetaTable() + ") - 1) AS p(n)"
                + " LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
                + " AND l.classid = to_regclass(?)::oid AND l.objid::int = p.n"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " LEFT JOIN pg_stat_activity a ON a.pid = l.pid ORDER BY p.n";
        List<PartitionOwner> owners = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, tables.qualifiedTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int pid = rs.getInt(2);
                    boolean owned = !rs.wasNull();
                    OffsetDateTime since = rs.getObject(5, OffsetDateTime.class);
                    owners.add(new PartitionOwner(
                            rs.getInt(1),
                            owned ? pid : null,
                            owned ? rs.getString(3) : null,
                            owned ? rs.getString(4) : null,
                            since == null ? null : since.toInstant()));
                }
            }
        }
        return owners;
    }

    /**
     * The logical replication slot {@code name} of a WAL-mode relay ({@link WalSettings#getSlot()}), if it exists:
     * whether a relay streams from it, its confirmed position, the WAL it keeps and how far behind it is.
     *
     * @throws SQLException when the database fails
     */
    public Optional<WalSlot> walSlot(String name) throws SQLException {
        Objects.requireNonNull(name, "name");
        String sql = "SELECT active_pid, confirmed_flush_lsn::text,"
                + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint,"
                + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint,"
                + " wal_status FROM pg_replication_slots WHERE slot_name = ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int pid = rs.getInt(1);
                Integer activePid = rs.wasNull() ? null : pid;
                return Optional.of(
                        new WalSlot(name, activePid, rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
            }
        }
    }

    /**
     * The oldest open transactions of the outbox's database that hold back the xmin horizon (so vacuum cannot remove
     * the outbox's deleted rows), prepared transactions included, oldest first; the same ones the relay reports as
     * {@code jscontract.outbox.xmin.age}.
     *
     * @param limit 1 to 100
     * @throws IllegalArgumentException when the limit is out of range
     * @throws SQLException when the database fails
     */
    public List<XminBlocker> xminBlockers(int limit) throws SQLException {
        Checks.range(limit, 1, 100, "limit");
        String sql = "SELECT x.pid, x.state, x.app, x.since, (extract(epoch FROM clock_timestamp() - x.since)"
                + " * 1000)::bigint FROM (SELECT a.pid, a.state, a.application_name AS app, a.xact_start AS since"
                + " FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
                + " AND a.xact_start IS NOT NULL AND (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)"
                + " UNION ALL SELECT 0, 'prepared', p.gid, p.prepared FROM pg_prepared_xacts p"
                + " WHERE p.database = current_database()) AS x ORDER BY x.since LIMIT " + limit;
        List<XminBlocker> list = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                list.add(new XminBlocker(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(),
                        Duration.ofMillis(Math.max(0, rs.getLong(5)))));
            }
        }
        return list;
    }

    /**
     * Moves the given parked rows back into the outbox (same id, same message id, zero attempts), in one
     * transaction. Ids that are not parked are ignored.
     *
     * @return how many rows were re-queued
     * @throws SQLException when the database fails; nothing is moved then
     */
    public int requeue(Collection<Long> ids) throws SQLException {
        Objects.requireNonNull(ids, "ids");
        if (ids.isEmpty()) {
            return 0;
        }
        return move("WHERE id = ANY(?::bigint[])", ids.toArray(new Long[0]));
    }

    /**
     * Moves every parked row back into the outbox, in one transaction.
     *
     * @return how many rows were re-queued
     * @throws SQLException when the database fails; nothing is moved then
     */
    public int requeueAll() throws SQLException {
        return move("", null);
    }

    /**
     * Deletes parked rows for good (after deciding they must not be published).
     *
     * @return how many rows were deleted
     * @throws SQLException when the database fails
     */
    public int deleteParked(Collection<Long> ids) throws SQLException {
        Objects.requireNonNull(ids, "ids");
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "DELETE FROM " + tables.qualifiedParkedTable() + " WHERE id = ANY(?::bigint[])")) {
            st.setArray(1, c.createArrayOf("int8", ids.toArray(new Long[0])));
            return st.executeUpdate();
        }
    }

    private int move(String where, Long @Nullable [] ids) throws SQLException {
        String sql = "WITH moved AS (DELETE FROM " + tables.qualifiedParkedTable() + " " + where
                + " RETURNING id, subject, message_id, headers, payload, ordering_key, created_at)"
                + " INSERT INTO " + tables.qualifiedTable() + " (id, subject, message_id, headers, payload,"
                + " ordering_key, created_at) OVERRIDING SYSTEM VALUE SELECT * FROM moved";
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(true);
            try (PreparedStatement st = c.prepareStatement(sql)) {
                if (ids != null) {
                    st.setArray(1, c.createArrayOf("int8", ids));
                }
                return st.executeUpdate();
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    @Override
    public String toString() {
        return "OutboxAdmin{" + tables.qualifiedTable() + "}";
    }
}
