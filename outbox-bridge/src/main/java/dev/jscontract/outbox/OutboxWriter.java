package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.outbox.internal.HeadersJson;
import dev.jscontract.outbox.internal.WalEventCodec;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Writes outbox rows inside the caller's transaction. There is no network call and no NATS dependency here: the row
 * commits or rolls back with the business data, and {@link OutboxRelay} publishes it after the commit.
 *
 * <pre>{@code
 * OutboxWriter outbox = OutboxWriter.create();
 * try (Connection c = dataSource.getConnection()) {
 *   c.setAutoCommit(false);
 *   orders.insert(c, order);
 *   outbox.write(c, OutboxMessage.builder()
 *       .subject("orders.created").payload(order, json).orderingKey("order-" + order.id()).build());
 *   c.commit();                                   // the row becomes visible to the relay, atomically
 * }
 * }</pre>
 *
 * <h2>Per-key order</h2>
 *
 * Rows with the same ordering key must reach the stream in the order their transactions commit. Identity values are
 * handed out at insert time, not at commit, so two transactions writing the same key could commit in the opposite
 * order of their row ids. To rule that out, the writer takes a transaction-scoped advisory lock on the key (two-int
 * form: the oid of the {@code <table>_meta} table and {@code hashtext(key)}) <em>before</em> it inserts: a second
 * transaction writing the same key waits until the first has committed or rolled back, so ids of one key are
 * assigned in commit order and the relay publishes in id order. Transactions writing different keys do not wait for
 * each other (distinct keys collide on a 32-bit hash only rarely, which costs a wait, never correctness). Lock the
 * same keys in the same order across transactions, as with any row lock, to avoid deadlocks; {@link
 * #writeAll(Connection, List)} locks its keys in hash order. {@link Builder#orderingLock(boolean) orderingLock(false)}
 * turns the lock off when the application already serializes writers per key.
 *
 * <h2>WAL mode</h2>
 *
 * With {@link Builder#wal(WalSettings)} the writer inserts no row: it emits each message with {@code
 * pg_logical_emit_message(true, prefix, bytes)} in the caller's transaction (format: {@code
 * docs/wal-event-format.md}). The message is decoded, and relayed by an {@link OutboxRelay} in WAL mode, only if the
 * transaction commits; events reach the stream in commit order, so no per-key lock is taken. {@link #write} then
 * returns the message's LSN instead of a row id.
 *
 * <p>Thread-safe; the {@link Connection} is the caller's and is neither committed nor closed here.
 */
public final class OutboxWriter {
    private final OutboxTables tables;
    private final boolean orderingLock;
    private final String insertKeyed;
    private final String insertPlain;
    private final String lockKeys;
    private final String insertBatch;
    private final @Nullable WalSettings wal;

    private OutboxWriter(OutboxTables tables, boolean orderingLock, @Nullable WalSettings wal) {
        this.tables = tables;
        this.orderingLock = orderingLock;
        this.wal = wal;
        String t = tables.qualifiedTable();
        String ns = "'" + tables.qualifiedMetaTable() + "'::regclass::oid::int";
        String columns = " (subject, message_id, headers, payload, ordering_key) ";
        this.insertKeyed = "WITH jsc_lock AS (SELECT pg_advisory_xact_lock(" + ns + ", hashtext(?)))" + " INSERT INTO "
                + t + columns + "SELECT ?, ?, ?::jsonb, ?, ? FROM jsc_lock RETURNING id";
        this.insertPlain = "INSERT INTO " + t + columns + "VALUES (?, ?, ?::jsonb, ?, ?) RETURNING id";
        this.lockKeys = "SELECT pg_advisory_xact_lock(" + ns + ", h) FROM (SELECT DISTINCT hashtext(k) AS h"
                + " FROM unnest(?::text[]) AS k WHERE k IS NOT NULL ORDER BY 1) AS s";
        this.insertBatch = "INSERT INTO " + t + columns + "SELECT s, m, h::jsonb, p, k FROM unnest(?::text[],"
                + " ?::text[], ?::text[], ?::bytea[], ?::text[]) WITH ORDINALITY AS u(s, m, h, p, k, n) ORDER BY n"
                + " RETURNING id";
    }

    /** A writer for {@link OutboxTables#defaults()} with the per-key ordering lock on. */
    public static OutboxWriter create() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The table names this writer inserts into. */
    public OutboxTables getTables() {
        return tables;
    }

    /** The WAL mode's settings, or {@code null} in table mode (see the class documentation). */
    public @Nullable WalSettings getWal() {
        return wal;
    }

    /** Whether the per-key advisory lock is taken (see the class documentation). */
    public boolean isOrderingLock() {
        return orderingLock;
    }

    /**
     * Inserts one row in the connection's current transaction.
     *
     * @param connection the caller's connection, normally with auto-commit off; with auto-commit on the row commits
     *     at once, on its own
     * @return the row's id; in WAL mode the LSN of the emitted message (as a {@code long}, pgjdbc's {@code LogSequenceNumber.asLong()})
     * @throws SQLException when the insert fails (for example, the schema is not installed); the caller's
     *     transaction is then aborted, as with any failed statement
     */
    public long write(Connection connection, OutboxMessage message) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(message, "message");
        if (wal != null) {
            return emit(connection, List.of(message))[0];
        }
        String key = message.getOrderingKey();
        boolean lock = orderingLock && key != null;
        try (PreparedStatement st = connection.prepareStatement(lock ? insertKeyed : insertPlain)) {
            int i = 1;
            if (lock) {
                st.setString(i++, key);
            }
            st.setString(i++, message.getSubject());
            st.setString(i++, message.getMessageId());
            st.setString(i++, HeadersJson.write(message.getHeaders()));
            st.setBytes(i++, message.payloadUnsafe());
            st.setString(i, key);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Inserts several rows with one statement (plus one for the key locks), in list order, in the connection's
     * current transaction.
     *
     * @return the rows' ids, in list order; in WAL mode the messages' LSNs
     * @throws SQLException when the insert fails; the caller's transaction is then aborted
     */
    public long[] writeAll(Connection connection, List<OutboxMessage> messages) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(messages, "messages");
        int n = messages.size();
        if (n == 0) {
            return new long[0];
        }
        if (wal != null) {
            return emit(connection, messages);
        }
        if (n == 1) {
            return new long[] {write(connection, messages.get(0))};
        }
        String[] subjects = new String[n];
        String[] ids = new String[n];
        String[] headers = new String[n];
        byte[][] payloads = new byte[n][];
        String[] keys = new String[n];
        boolean anyKey = false;
        for (int i = 0; i < n; i++) {
            OutboxMessage m = Objects.requireNonNull(messages.get(i), "messages[" + i + "]");
            subjects[i] = m.getSubject();
            ids[i] = m.getMessageId();
            headers[i] = HeadersJson.write(m.getHeaders());
            payloads[i] = m.payloadUnsafe();
            keys[i] = m.getOrderingKey();
            anyKey |= keys[i] != null;
        }
        Array keyArray = connection.createArrayOf("text", keys);
        if (orderingLock && anyKey) {
            try (PreparedStatement st = connection.prepareStatement(lockKeys)) {
                st.setArray(1, keyArray);
                st.execute();
            }
        }
        try (PreparedStatement st = connection.prepareStatement(insertBatch)) {
            st.setArray(1, connection.createArrayOf("text", subjects));
            st.setArray(2, connection.createArrayOf("text", ids));
            st.setArray(3, connection.createArrayOf("text", headers));
            st.setArray(4, connection.createArrayOf("bytea", payloads));
            st.setArray(5, keyArray);
            long[] result = new long[n];
            int count = 0;
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result[count++] = rs.getLong(1);
                }
            }
            if (count != n) {
                throw new SQLException("inserted " + count + " outbox rows for " + n + " messages");
            }
            // Identity values of one statement increase in insertion order, which is list order.
            Arrays.sort(result);
            return result;
        }
    }

    /** WAL mode: one {@code pg_logical_emit_message} per message, in list order, with one statement. */
    private long[] emit(Connection connection, List<OutboxMessage> messages) throws SQLException {
        WalSettings w = Objects.requireNonNull(wal);
        int n = messages.size();
        byte[][] contents = new byte[n][];
        for (int i = 0; i < n; i++) {
            OutboxMessage m = Objects.requireNonNull(messages.get(i), "messages[" + i + "]");
            contents[i] = WalEventCodec.encode(
                    m.getSubject(),
                    m.getMessageId(),
                    m.getOrderingKey(),
                    HeadersJson.write(m.getHeaders()),
                    m.payloadUnsafe());
        }
        long[] lsns = new long[n];
        if (n == 1) {
            try (PreparedStatement st = connection.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
                st.setString(1, w.getPrefix());
                st.setBytes(2, contents[0]);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    lsns[0] = LogSequenceNumber.valueOf(rs.getString(1)).asLong();
                }
            }
            return lsns;
        }
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_logical_emit_message(true, ?, c)::text"
                + " FROM unnest(?::bytea[]) WITH ORDINALITY AS u(c, n) ORDER BY n")) {
            st.setString(1, w.getPrefix());
            st.setArray(2, connection.createArrayOf("bytea", contents));
            int count = 0;
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    lsns[count++] = LogSequenceNumber.valueOf(rs.getString(1)).asLong();
                }
            }
            if (count != n) {
                throw new SQLException("emitted " + count + " outbox events for " + n + " messages");
            }
            return lsns;
        }
    }

    @Override
    public String toString() {
        return "OutboxWriter{" + (wal != null ? "wal prefix " + wal.getPrefix() : tables.qualifiedTable())
                + ", orderingLock=" + orderingLock + "}";
    }

    /** Builds an {@link OutboxWriter}; each option may be set once. */
    public static final class Builder {
        private OutboxTables tables = OutboxTables.defaults();
        private boolean tablesSet;
        private boolean orderingLock = true;
        private boolean orderingLockSet;
        private @Nullable WalSettings wal;

        private Builder() {}

        /**
         * Switches the writer to WAL mode (see the class documentation): events are emitted as logical decoding
         * messages with the settings' prefix instead of inserted as rows.
         *
         * @throws IllegalStateException when set twice
         */
        public Builder wal(WalSettings wal) {
            Checks.once(this.wal != null, "wal", this.wal);
            this.wal = Objects.requireNonNull(wal, "wal");
            return this;
        }

        /**
         * The table names (default {@link OutboxTables#defaults()}).
         *
         * @throws IllegalStateException when set twice
         */
        public Builder tables(OutboxTables tables) {
            Checks.once(tablesSet, "tables", this.tables);
            this.tables = Objects.requireNonNull(tables, "tables");
            tablesSet = true;
            return this;
        }

        /**
         * Whether to take the per-key advisory lock that makes id order equal commit order for rows of one key
         * (default {@code true}). Turn it off only when every transaction that writes a key already holds a lock
         * that serializes it with the others before it inserts the row.
         *
         * @throws IllegalStateException when set twice
         */
        public Builder orderingLock(boolean orderingLock) {
            Checks.once(orderingLockSet, "orderingLock", this.orderingLock);
            this.orderingLock = orderingLock;
            orderingLockSet = true;
            return this;
        }

        /**
         * The writer.
         *
         * @throws IllegalStateException when {@code orderingLock} is set together with {@code wal} (in WAL mode
         *     events are relayed in commit order and no lock is taken)
         */
        public OutboxWriter build() {
            if (wal != null && orderingLockSet) {
                throw new IllegalStateException("orderingLock has no effect with wal(...): in WAL mode events reach"
                        + " the stream in commit order and the writer takes no lock; remove orderingLock(...)");
            }
            return new OutboxWriter(tables, wal == null && orderingLock, wal);
        }
    }
}
