package dev.jscontract.outbox.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the relay's PostgreSQL sessions, for one thread: opened lazily, autocommit, with the relay's socket timeout
 * and an {@code application_name} of {@code jscontract-outbox <relay> <role>} (so operators see the relay's sessions
 * in {@code pg_stat_activity}), and re-opened with a backoff from 100 ms to 5 s after a failure. Its availability
 * feeds the relay's health ({@code DATABASE_UNREACHABLE}).
 */
final class DbSession {
    private static final Logger LOG = LoggerFactory.getLogger(DbSession.class);

    /** Settings for a session that claims in id order (see {@link #claiming}). */
    private static final String[] CLAIM_SETTINGS = {
        // Claims pass the unsettled ids as an array: with a custom plan the array is a constant, which PostgreSQL
        // probes through a hash table instead of comparing every element. The table's statistics swing between empty
        // and a large backlog, so pin the plan to the primary-key scan.
        "SET plan_cache_mode = force_custom_plan",
        "SET enable_seqscan = off",
        "SET enable_bitmapscan = off",
        "SET jit = off",
        "SET max_parallel_workers_per_gather = 0"
    };

    private final RelayConfig config;
    private final String role;
    private final boolean claiming;
    private final RelayHealthTracker health;
    private @Nullable Connection connection;
    private volatile long retryAtNanos = System.nanoTime();
    private long delayMillis = 100;
    private boolean down;

    /**
     * @param role {@code claim}, {@code settle}, {@code control} or {@code listen}
     * @param claiming whether to pin the plans of claims and deletes (see {@link #CLAIM_SETTINGS})
     */
    DbSession(RelayConfig config, String role, boolean claiming, RelayHealthTracker health) {
        this.config = config;
        this.role = role;
        this.claiming = claiming;
        this.health = health;
    }

    /** The application name the relay's sessions carry: {@code jscontract-outbox <relay> <role>}. */
    static String applicationName(String relay, String role) {
        return "jscontract-outbox " + relay + " " + role;
    }

    /** Whether a re-open may be tried now. */
    boolean available(long nowNanos) {
        return nowNanos - retryAtNanos >= 0;
    }

    /** When the next re-open may be tried. */
    long retryAtNanos() {
        return retryAtNanos;
    }

    /**
     * The open session, opening it first if needed.
     *
     * @throws SQLException when it cannot be opened
     */
    Connection get() throws SQLException {
        Connection c = connection;
        if (c != null) {
            return c;
        }
        c = open(config, role);
        if (claiming) {
            try (Statement st = c.createStatement()) {
                for (String s : CLAIM_SETTINGS) {
                    st.execute(s);
                }
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
        }
        connection = c;
        return c;
    }

    /**
     * Opens a session of the relay's data source with its settings (autocommit, socket timeout, application name).
     *
     * @throws SQLException when it cannot be opened
     */
    static Connection open(RelayConfig config, String role) throws SQLException {
        Connection c = config.dataSource().getConnection();
        try {
            c.setAutoCommit(true);
            c.setNetworkTimeout(Runnable::run, (int) config.dbNetworkTimeout().toMillis());
            c.setClientInfo("ApplicationName", applicationName(config.name(), role));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    /** The session failed: it is closed and re-opened after the backoff. */
    void failed(String what, SQLException e) {
        close();
        retryAtNanos = System.nanoTime() + delayMillis * 1_000_000L;
        delayMillis = Math.min(delayMillis * 2, 5000);
        if (!down) {
            down = true;
            health.databaseDown(role, what + " failed: " + e.getMessage());
        } else {
            LOG.debug("outbox relay {}: {} failed again: {}", config.name(), what, e.getMessage());
        }
    }

    /** A statement succeeded. */
    void recovered() {
        delayMillis = 100;
        if (down) {
            down = false;
            health.databaseUp(role);
        }
    }

    /**
     * Closes the session (it is re-opened on the next {@link #get()}). The settings it changed are reset first, since
     * a pooled data source hands the connection to the application next.
     */
    void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            reset(c, claiming);
            closeQuietly(c);
        }
    }

    /** Resets what {@link #open} and the claim settings changed, on a connection that is still open. */
    static void reset(Connection c, boolean claiming) {
        try {
            if (c.isClosed()) {
                return;
            }
            try (Statement st = c.createStatement()) {
                st.execute("RESET application_name");
                if (claiming) {
                    st.execute("SELECT pg_advisory_unlock_all()"); // the idle locks (Claimer)
                    for (String s : CLAIM_SETTINGS) {
                        st.execute("RESET " + s.substring("SET ".length(), s.indexOf(" =")));
                    }
                }
            }
        } catch (SQLException e) {
            LOG.debug("resetting session settings failed: {}", e.getMessage());
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a PostgreSQL session failed: {}", e.getMessage());
        }
    }
}
