package dev.jscontract.testing;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A fresh PostgreSQL database for one test class: created when the class starts, dropped (with {@code FORCE}) when
 * it ends.
 *
 * <pre>{@code
 * @WithPostgres
 * class OutboxIT {
 *   @Test
 *   void writes(PostgresDatabase db) throws Exception {
 *     try (Connection c = db.connection()) {
 *       c.createStatement().execute("create table t (id int)");
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The server is found as documented in {@code README.md} ("How the harness finds servers"): {@code JSC_JDBC_URL},
 * then a local PostgreSQL on 127.0.0.1:5432, then Docker.
 *
 * <p><b>Ownership</b>: the creator closes it, which drops the database. Thread-safe; its {@link #dataSource()} may
 * be shared by many threads.
 */
public interface PostgresDatabase extends AutoCloseable {

    /** A JDBC URL for this database, including the user (and password, if one is needed). */
    String jdbcUrl();

    /** The database name (unique per test class). */
    String name();

    /** The role the URL connects as. */
    String user();

    /** A non-pooling data source for this database. */
    DataSource dataSource();

    /** A new connection to this database (auto-commit on); the caller closes it. */
    Connection connection() throws SQLException;

    /** Drops the database, terminating connections that are still open. */
    @Override
    void close();
}
