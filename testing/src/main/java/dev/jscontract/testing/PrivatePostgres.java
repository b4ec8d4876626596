package dev.jscontract.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A PostgreSQL server of the test's own, for fault tests: the installed {@code initdb}/{@code pg_ctl} create a
 * cluster in a temporary data directory on a random port, so a test can stop, kill and restart it without touching
 * the machine's shared server.
 *
 * <p>PostgreSQL refuses to run as root, so when the JVM runs as root the server runs as another OS user: {@code
 * JSC_PG_OS_USER}, else {@code postgres}. Binaries come from {@code JSC_PG_BIN} (a directory), else {@code PATH},
 * else the newest {@code /usr/lib/postgresql/<n>/bin}. The cluster has trust authentication on 127.0.0.1 only, a
 * superuser {@code jsc} and a database {@code jsc}.
 *
 * <p><b>Logical decoding</b>: the cluster runs with {@code wal_level=logical}, {@code max_replication_slots=10} and
 * {@code max_wal_senders=10}, and {@code initdb}'s trust rules admit replication connections from 127.0.0.1, so a
 * test can create logical replication slots and stream from them (pgjdbc's replication API with {@code
 * replication=database}) without reconfiguring a shared server, whose {@code wal_level} usually is {@code replica}.
 *
 * <pre>{@code
 * @WithPrivatePostgres
 * class RelayRestartIT {
 *   @Test
 *   void survives(PrivatePostgres pg) throws Exception {
 *     pg.kill();     // SIGKILL the postmaster
 *     pg.start();    // crash recovery, same port and data
 *   }
 * }
 * }</pre>
 *
 * <p><b>Ownership</b>: the caller closes it, which stops the server and deletes its data directory. Restarts and
 * stops must not race each other; reading {@code dataSource()} and {@code jdbcUrl()} is thread-safe.
 */
public interface PrivatePostgres extends AutoCloseable {

    /** The JDBC URL of database {@code jsc} as user {@code jsc}. */
    String jdbcUrl();

    /** The TCP port on 127.0.0.1. */
    int port();

    /** The data directory. */
    Path dataDir();

    /** A non-pooling data source for {@link #jdbcUrl()}. */
    DataSource dataSource();

    /** A new connection; the caller closes it. */
    Connection connection() throws SQLException;

    /** Whether the postmaster is running. */
    boolean isRunning();

    /** Fast shutdown ({@code pg_ctl stop -m fast}): open sessions are terminated, data is flushed. */
    void stop();

    /** Starts the server (after {@link #stop()} or {@link #kill()}) and waits until it accepts connections. */
    void start();

    /** {@link #stop()} then {@link #start()}. */
    void restart();

    /** SIGKILLs the postmaster; the next {@link #start()} runs crash recovery. */
    void kill();

    /** Kills the server and deletes its data directory. */
    @Override
    void close();
}
