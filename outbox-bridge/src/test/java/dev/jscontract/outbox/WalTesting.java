package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** Helpers of the WAL-mode integration tests. */
final class WalTesting {
    private WalTesting() {}

    /** Tables, slot and prefix named after a unique prefix; schema installed. */
    record Setup(OutboxTables tables, WalSettings wal, String stream) {}

    static Setup setup(DataSource ds, String prefix) throws SQLException {
        OutboxTables tables = OutboxTesting.tables(prefix);
        WalSettings wal = WalSettings.builder()
                .slot(tables.getTable())
                .prefix(tables.getTable())
                .publication(tables.getTable())
                .takeoverInterval(java.time.Duration.ofMillis(200))
                .statusInterval(java.time.Duration.ofMillis(100))
                .build();
        OutboxSchema.installWal(ds, tables, wal);
        return new Setup(tables, wal, OutboxTesting.streamName(tables.getTable()));
    }

    static OutboxMessage event(Setup s, String id, int n) {
        return OutboxMessage.builder()
                .subject(s.tables().getTable() + ".e")
                .payload(("payload " + n).getBytes(StandardCharsets.UTF_8))
                .messageId(id)
                .orderingKey("k" + (n % 7))
                .build();
    }

    /**
     * Writes events {@code e<from>} .. {@code e<to - 1>} sequentially, {@code perTx} per transaction, and one
     * rolled-back transaction ({@code rb<n>}) every 10 transactions; stops early when {@code writing} turns false.
     *
     * @return the number of events committed
     */
    static int write(DataSource ds, Setup s, int from, int to, int perTx, AtomicBoolean writing) {
        return write(ds, s, from, to, perTx, writing, 0);
    }

    /** As {@link #write(DataSource, Setup, int, int, int, AtomicBoolean)}, pausing after each transaction. */
    static int write(DataSource ds, Setup s, int from, int to, int perTx, AtomicBoolean writing, long pauseMillis) {
        return write(ds, s, from, to, perTx, writing, pauseMillis, new AtomicInteger());
    }

    /**
     * As {@link #write(DataSource, Setup, int, int, int, AtomicBoolean, long)}, counting the committed events in
     * {@code committed} as it goes, so that a test can tell which events were committed before some moment.
     */
    static int write(
            DataSource ds,
            Setup s,
            int from,
            int to,
            int perTx,
            AtomicBoolean writing,
            long pauseMillis,
            AtomicInteger committed) {
        OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
        int n = from;
        int tx = 0;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            while (n < to && writing.get()) {
                List<OutboxMessage> batch = new ArrayList<>();
                for (int i = 0; i < perTx && n + i < to; i++) {
                    batch.add(event(s, "e" + (n + i), n + i));
                }
                writer.writeAll(c, batch);
                c.commit();
                n += batch.size();
                committed.addAndGet(batch.size());
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
                if (++tx % 10 == 0) {
                    writer.write(c, event(s, "rb" + n, n));
                    c.rollback();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return n - from;
    }

    /** Asserts that the stream holds e<0> .. e<count - 1> once each, in that (commit) order, and nothing else. */
    static void assertExactlyInOrder(List<OutboxTesting.Stored> stored, int count) {
        assertThat(stored).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(stored.get(i).messageId()).as("stream position %d", i).isEqualTo("e" + i);
        }
    }

    /**
     * Asserts that the stream holds e<0> .. e<count - 1> once each, and that none is further than {@code window}
     * positions from its commit-order place.
     *
     * @return the largest displacement seen
     */
    static int assertOnceWithin(List<OutboxTesting.Stored> stored, int count, int window) {
        assertThat(stored).hasSize(count);
        OutboxTesting.assertEachIdOnce(stored);
        int worst = 0;
        for (int p = 0; p < count; p++) {
            int n = Integer.parseInt(stored.get(p).messageId().substring(1));
            assertThat(n).isBetween(0, count - 1);
            worst = Math.max(worst, Math.abs(n - p));
        }
        assertThat(worst).as("largest distance from the commit-order position").isLessThanOrEqualTo(window);
        return worst;
    }

    /** The pid of the session streaming from the slot, or 0. */
    static int activePid(DataSource ds, String slot) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** The application name of the session streaming from the slot, or null. */
    static String activeRelay(DataSource ds, String slot) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT a.application_name FROM pg_replication_slots s"
                        + " JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Terminates the session streaming from the slot; true when there was one. */
    static boolean terminateStreamer(DataSource ds, String slot) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM"
                        + " pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
