package dev.jscontract.outbox.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the outbox's notification channel on a session of its own and wakes the claim thread.
 *
 * <p>It has its own session and thread because pgjdbc's {@code getNotifications(timeout)} does not return while
 * notifications keep arriving: after the first one it keeps reading as long as more bytes are buffered. Measured with
 * 1,000 notifying commits per second, a call with a 1 ms timeout stayed inside the driver for 20 to 215 ms. Any
 * thread waiting there would be held that long, so no thread with other duties waits there; while rows flow, the
 * claim thread finds them by polling, and this thread matters only for waking it from idle.
 */
final class WakeUpListener implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(WakeUpListener.class);
    private static final int WAIT_MILLIS = 250;

    private final RelayConfig config;
    private final Runnable wake;
    private volatile boolean running = true;
    private @Nullable Connection conn;
    private long reconnectDelayMillis = 200;
    private boolean outageLogged;

    WakeUpListener(RelayConfig config, Runnable wake) {
        this.config = config;
        this.wake = wake;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    Connection c = conn;
                    if (c == null) {
                        c = connect();
                    }
                    PGNotification[] n = c.unwrap(PGConnection.class).getNotifications(WAIT_MILLIS);
                    if (n != null && n.length > 0) {
                        wake.run();
                    }
                } catch (SQLException e) {
                    closeQuietly();
                    if (!outageLogged) {
                        LOG.warn(
                                "outbox relay {}: the notification session failed ({}); reconnecting; until then"
                                        + " the relay finds new rows by polling",
                                config.name(),
                                e.getMessage());
                        outageLogged = true;
                    }
                    Thread.sleep(reconnectDelayMillis);
                    reconnectDelayMillis = Math.min(reconnectDelayMillis * 2, 5000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly();
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DbSession.open(config, "listen");
        try {
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + config.tables().notifyChannel());
            }
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException ce) {
                e.addSuppressed(ce);
            }
            throw e;
        }
        conn = c;
        reconnectDelayMillis = 200;
        if (outageLogged) {
            LOG.info("outbox relay {} listens for commits again", config.name());
            outageLogged = false;
        }
        wake.run(); // notifications sent while not listening are lost: claim once
        return c;
    }

    private void closeQuietly() {
        Connection c = conn;
        conn = null;
        if (c == null) {
            return;
        }
        try {
            if (!c.isClosed()) {
                try (Statement st = c.createStatement()) {
                    st.execute("UNLISTEN *");
                }
            }
        } catch (SQLException e) {
            LOG.debug("UNLISTEN on the notification session failed: {}", e.getMessage());
        }
        DbSession.reset(c, false);
        DbSession.closeQuietly(c);
    }
}
