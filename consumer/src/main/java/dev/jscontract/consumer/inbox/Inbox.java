package dev.jscontract.consumer.inbox;

import dev.jscontract.contract.internal.Checks;
import io.nats.client.Message;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Effectively-once side effects for an at-least-once consumer: a table keyed by (consumer, message identity) that
 * the handler writes in the <em>same transaction</em> as its side effects. The first delivery inserts the row and
 * does the work; a redelivery (late ack, crash before the ack, server restart: B-06, B-17) finds the row, does
 * nothing, and is acked. Identity is the stream sequence (default) or the publisher's {@code Nats-Msg-Id}; never
 * the consumer sequence, which changes on every redelivery (IDEM-001, B-26).
 *
 * <pre>{@code
 * Inbox inbox = Inbox.create();                 // table jsc_inbox, keyed by stream sequence
 * inbox.install(dataSource);                    // or ship inbox-schema.sql with your migrations
 *
 * ContractConsumer.builder(connection, contract)
 *     .handler(Order.class, (order, msg) ->
 *         inbox.runOnce(dataSource, "billing", msg, tx -> {
 *             try (PreparedStatement ps = tx.prepareStatement("insert into charges(order_id, cents) values (?, ?)")) {
 *                 ps.setString(1, order.id()); ps.setLong(2, order.cents()); ps.executeUpdate();
 *             }
 *         }))
 *     .build();
 * }</pre>
 *
 * <p>The schema ships in the jar as {@value #SCHEMA_RESOURCE} (PostgreSQL: {@code insert ... on conflict do
 * nothing}). Two deliveries of one message racing in two transactions are safe: the second insert waits for the first
 * transaction and then finds the row. Rows only need to outlive redelivery; {@link #deleteProcessedBefore} trims them.
 * Immutable and thread-safe; it holds no connection.
 */
public final class Inbox {
    /** The default table name. */
    public static final String DEFAULT_TABLE = "jsc_inbox";
    /** The class-path resource with the schema (for the default table name). */
    public static final String SCHEMA_RESOURCE = "/dev/jscontract/consumer/inbox/inbox-schema.sql";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final String MSG_ID_HEADER = "Nats-Msg-Id";

    /** What identifies a message in the inbox. */
    public enum Key {
        /**
         * {@code seq:<stream>:<stream sequence>:<stored at, epoch nanoseconds>}: every stored message once (the
         * default). The time the server stored the message is part of the key because sequences restart when a
         * stream is deleted and re-created: the new stream's message 1 is not the old one's.
         */
        STREAM_SEQUENCE,
        /**
         * {@code id:<Nats-Msg-Id>} when the message has one, else the stream sequence: the same business event
         * published twice (outside the stream's duplicate window) is also processed once.
         */
        MESSAGE_ID
    }

    /** The work done in the inbox's transaction. */
    @FunctionalInterface
    public interface Work {
        /**
         * Performs the side effects on {@code tx} (do not commit or roll back).
         *
         * @throws Exception to roll everything back (the message is then retried or dead-lettered as usual)
         */
        void run(Connection tx) throws Exception;
    }

    private final String table;
    private final Key key;
    private final String insertSql;
    private final String deleteSql;

    private Inbox(String table, Key key) {
        this.table = table;
        this.key = key;
        this.insertSql = "insert into " + table
                + " (consumer, message_key, stream, stream_sequence) values (?, ?, ?, ?)" + " on conflict do nothing";
        this.deleteSql = "delete from " + table + " where processed_at < ?";
    }

    /** An inbox on table {@value #DEFAULT_TABLE} keyed by stream sequence. */
    public static Inbox create() {
        return new Inbox(DEFAULT_TABLE, Key.STREAM_SEQUENCE);
    }

    /** A builder for another table name or key. */
    public static Builder builder() {
        return new Builder();
    }

    /** The table name. */
    public String getTable() {
        return table;
    }

    /** The key kind. */
    public Key getKey() {
        return key;
    }

    /** The schema text shipped in the jar, for the default table name. */
    public static String defaultSchema() {
        try (InputStream in = Inbox.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the inbox schema " + SCHEMA_RESOURCE + " is missing from the class"
                        + " path; the jscontract-consumer jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not read the inbox schema " + SCHEMA_RESOURCE + ": " + e, e);
        }
    }

    /** The schema for this inbox's table name. */
    public String schema() {
        String base = table.substring(table.lastIndexOf('.') + 1);
        return defaultSchema()
                .replace(DEFAULT_TABLE + "_processed_at", "\u0000idx")
                .replace(DEFAULT_TABLE, table)
                .replace("\u0000idx", base + "_processed_at");
    }

    /**
     * Creates the table and index if they do not exist (idempotent).
     *
     * @throws SQLException when the database refuses
     */
    public void install(DataSource dataSource) throws SQLException {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            for (String sql : statements(schema())) {
                st.execute(sql);
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    static List<String> statements(String script) {
        StringBuilder sb = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            if (!line.strip().startsWith("--")) {
                sb.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : sb.toString().split(";")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** The key {@code message} is recorded under. */
    public String keyOf(Message message) {
        Objects.requireNonNull(message, "message");
        if (key == Key.MESSAGE_ID && message.getHeaders() != null) {
            String id = message.getHeaders().getFirst(MSG_ID_HEADER);
            if (id != null && !id.isEmpty()) {
                return "id:" + id;
            }
        }
        var meta = message.metaData();
        java.time.ZonedDateTime storedAt = meta.timestamp();
        long nanos = storedAt.toEpochSecond() * 1_000_000_000L + storedAt.getNano();
        return "seq:" + meta.getStream() + ":" + meta.streamSequence() + ":" + nanos;
    }

    /**
     * Records {@code message} as processed by {@code consumer}, on the caller's transaction {@code tx}.
     *
     * @return true the first time (do the side effects, then commit), false when it was already recorded (skip
     *     them)
     * @throws SQLException when the insert fails
     * @throws IllegalArgumentException when {@code consumer} is blank
     */
    public boolean record(Connection tx, String consumer, Message message) throws SQLException {
        Objects.requireNonNull(tx, "tx");
        requireConsumer(consumer);
        var meta = message.metaData();
        try (PreparedStatement ps = tx.prepareStatement(insertSql)) {
            ps.setString(1, consumer);
            ps.setString(2, keyOf(message));
            ps.setString(3, meta.getStream());
            ps.setLong(4, meta.streamSequence());
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Runs {@code work} once per message: opens a connection, records the message and runs the work in one
     * transaction, and commits; a message already recorded commits nothing and returns false.
     *
     * @return true when the work ran and was committed
     * @throws Exception what the work threw (after rolling back), or an {@link SQLException}
     */
    public boolean runOnce(DataSource dataSource, String consumer, Message message, Work work) throws Exception {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection c = dataSource.getConnection()) {
            return runOnce(c, consumer, message, work);
        }
    }

    /**
     * Like {@link #runOnce(DataSource, String, Message, Work)} on the caller's connection: turns auto-commit off for
     * the transaction and restores it afterwards.
     *
     * @return true when the work ran and was committed
     * @throws Exception what the work threw (after rolling back), or an {@link SQLException}
     */
    public boolean runOnce(Connection connection, String consumer, Message message, Work work) throws Exception {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(work, "work");
        requireConsumer(consumer);
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            if (!record(connection, consumer, message)) {
                connection.rollback();
                return false;
            }
            work.run(connection);
            connection.commit();
            return true;
        } catch (Exception | Error e) {
            try {
                connection.rollback();
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * Deletes rows recorded before {@code cutoff}. Keep rows longer than the stream can redeliver a message (its
     * max age, or the consumer's maxDeliver × (ack deadline + backoff)).
     *
     * @return the number of rows deleted
     * @throws SQLException when the delete fails
     */
    public int deleteProcessedBefore(Connection connection, Instant cutoff) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(cutoff, "cutoff");
        try (PreparedStatement ps = connection.prepareStatement(deleteSql)) {
            ps.setTimestamp(1, Timestamp.from(cutoff));
            return ps.executeUpdate();
        }
    }

    private static void requireConsumer(String consumer) {
        Objects.requireNonNull(consumer, "consumer");
        if (consumer.isBlank()) {
            throw new IllegalArgumentException("consumer must not be blank; use the durable consumer's name");
        }
    }

    @Override
    public String toString() {
        return "Inbox{table=" + table + ", key=" + key + "}";
    }

    /** Builds an {@link Inbox}; each option may be set once. */
    public static final class Builder {
        private String table = DEFAULT_TABLE;
        private Key key = Key.STREAM_SEQUENCE;
        private boolean tableSet;
        private boolean keySet;

        private Builder() {}

        /**
         * The table name, optionally schema-qualified ({@code app.inbox}); plain identifiers only.
         *
         * @throws IllegalArgumentException when not {@code [schema.]name} of letters, digits and underscores
         * @throws IllegalStateException when already set
         */
        public Builder table(String table) {
            Objects.requireNonNull(table, "table");
            String[] parts = table.split("\\.", -1);
            boolean ok = parts.length <= 2;
            for (String p : parts) {
                ok &= IDENTIFIER.matcher(p).matches();
            }
            if (!ok) {
                throw new IllegalArgumentException("table must be an identifier or schema.identifier of letters,"
                        + " digits and underscores (at most 63 each) but was '" + table + "'");
            }
            if (tableSet) {
                Checks.once(true, "table", this.table);
            }
            tableSet = true;
            this.table = table;
            return this;
        }

        /**
         * What identifies a message (default {@link Key#STREAM_SEQUENCE}).
         *
         * @throws IllegalStateException when already set
         */
        public Builder key(Key key) {
            Objects.requireNonNull(key, "key");
            if (keySet) {
                Checks.once(true, "key", this.key);
            }
            keySet = true;
            this.key = key;
            return this;
        }

        /** Builds the inbox. */
        public Inbox build() {
            return new Inbox(table, key);
        }
    }
}
