package dev.jscontract.spring.boot;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes outbox rows in the current Spring transaction: the row commits or rolls back with the business data, and
 * the relay publishes it after the commit. Created by the auto-configuration on the application's {@code DataSource}.
 *
 * <pre>{@code
 * @Transactional
 * public Order create(NewOrder request) {
 *     Order order = orders.save(request);
 *     outbox.write(OutboxMessage.builder().subject("orders.created")
 *             .payload(order, JacksonPayloadCodec.create()).orderingKey(order.id()).build());
 *     return order;
 * }
 * }</pre>
 *
 * <p>The JDBC connection is the one Spring bound to the transaction ({@link DataSourceUtils#getConnection(DataSource)}),
 * so it works with {@code @Transactional}, {@code TransactionTemplate}, and JPA or jOOQ sharing the same {@code
 * DataSource} through {@code JpaTransactionManager}/{@code DataSourceTransactionManager}.
 *
 * <p><b>Never in autocommit</b>: without an active transaction on this {@code DataSource}, {@link #write} throws
 * {@link IllegalStateException} and writes nothing, because a row written in autocommit would be published even if
 * the business change it announces rolls back. Database errors are translated to Spring's {@link DataAccessException}
 * (unchecked, so the transaction rolls back). Thread-safe.
 *
 * <p><b>WAL mode</b> ({@code jscontract.outbox.mode=wal}): the same calls emit each message into the write-ahead log
 * with {@code pg_logical_emit_message} in the current transaction instead of inserting a row, and return its LSN
 * instead of a row id; the rules above hold unchanged, since an event emitted in autocommit would be relayed even if
 * the business change rolled back.
 */
public final class TransactionalOutboxWriter {
    private final DataSource dataSource;
    private final OutboxWriter writer;
    private final SQLExceptionTranslator translator;

    /**
     * A writer joining transactions on {@code dataSource}.
     *
     * @throws NullPointerException when either is null
     */
    public TransactionalOutboxWriter(DataSource dataSource, OutboxWriter writer) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
    }

    /** The underlying writer (tables, ordering lock, WAL settings). */
    public OutboxWriter getWriter() {
        return writer;
    }

    /**
     * Inserts one row (in WAL mode: emits one message) in the current transaction.
     *
     * @return the row id; in WAL mode the message's LSN
     * @throws IllegalStateException when no Spring transaction is active on this {@code DataSource}, or its
     *     connection is in autocommit; nothing is written
     * @throws DataAccessException when the database refuses the insert
     */
    public long write(OutboxMessage message) {
        Objects.requireNonNull(message, "message");
        Connection connection = transactionalConnection();
        try {
            return writer.write(connection, message);
        } catch (SQLException e) {
            throw translate(e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Inserts rows in the current transaction, locking their ordering keys in hash order.
     *
     * @return the row ids (in WAL mode the messages' LSNs), in the order of {@code messages}
     * @throws IllegalStateException when no Spring transaction is active on this {@code DataSource}; nothing is
     *     written
     * @throws DataAccessException when the database refuses an insert
     */
    public long[] writeAll(List<OutboxMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        Connection connection = transactionalConnection();
        try {
            return writer.writeAll(connection, messages);
        } catch (SQLException e) {
            throw translate(e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    private Connection transactionalConnection() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("outbox write outside a transaction: no Spring transaction is active, and"
                    + " an outbox row is never written in autocommit (it would be published even if your change rolls"
                    + " back); call it from a @Transactional method or inside TransactionTemplate.execute(...)");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            if (!DataSourceUtils.isConnectionTransactional(connection, dataSource)) {
                throw new IllegalStateException("outbox write outside a transaction on the outbox's DataSource: a"
                        + " transaction is active, but not on " + dataSource + " (another DataSource or transaction"
                        + " manager?); run the write in a transaction of the DataSource the outbox table lives in");
            }
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("outbox write on a connection in autocommit: the transaction's"
                        + " connection has autocommit on, so the row would commit on its own; use a transaction"
                        + " manager that turns autocommit off (DataSourceTransactionManager, JpaTransactionManager)");
            }
            return connection;
        } catch (SQLException e) {
            DataSourceUtils.releaseConnection(connection, dataSource);
            throw translate(e);
        } catch (RuntimeException e) {
            DataSourceUtils.releaseConnection(connection, dataSource);
            throw e;
        }
    }

    private DataAccessException translate(SQLException e) {
        DataAccessException translated = translator.translate("outbox write", null, e);
        return translated != null ? translated : new UncategorizedSQLException("outbox write", null, e);
    }

    @Override
    public String toString() {
        return "TransactionalOutboxWriter{" + writer.getTables().qualifiedTable() + "}";
    }
}
