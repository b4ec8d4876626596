package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writers for the failure tests that check per-key commit order: each transaction writes one outbox row for a random
 * key, pauses, then takes the next number of that key's counter and records it with the row's message id. The counter
 * update is serialized per key by its row lock, so the recorded numbers are the keys' commit order (a rolled-back
 * transaction records nothing). {@link #verify} then checks the stream: every committed row once, none of the
 * rolled-back ones, and per key in commit order.
 */
final class KeyedWriters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyedWriters.class);

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final int keys;
    private final long pauseMillis;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final ExecutorService pool;
    private final List<Future<?>> writers = new ArrayList<>();

    /** Creates the counter and record tables and starts {@code threads} writers over {@code keys} keys. */
    KeyedWriters(DataSource dataSource, OutboxTables tables, int keys, int threads) throws SQLException {
        this(dataSource, tables, keys, threads, Duration.ZERO);
    }

    /** As {@link #KeyedWriters(DataSource, OutboxTables, int, int)}, each writer pausing {@code pause} per transaction. */
    KeyedWriters(DataSource dataSource, OutboxTables tables, int keys, int threads, Duration pause)
            throws SQLException {
        this.dataSource = dataSource;
        this.pauseMillis = pause.toMillis();
        this.tables = tables;
        this.keys = keys;
        String t = tables.getTable();
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + t + "_seq (k text PRIMARY KEY, n int NOT NULL)");
            st.execute("CREATE TABLE " + t + "_order (msg_id text PRIMARY KEY, k text NOT NULL, n int NOT NULL)");
            st.execute(
                    "INSERT INTO " + t + "_seq SELECT 'key-' || i, 0 FROM generate_series(0, " + (keys - 1) + ") AS i");
        }
        this.pool = Executors.newFixedThreadPool(threads);
        for (int w = 0; w < threads; w++) {
            int id = w;
            writers.add(pool.submit(() -> {
                write(id);
                return null;
            }));
        }
    }

    /** Rows committed so far. */
    long committed() throws SQLException {
        return OutboxTesting.count(dataSource, tables.getTable() + "_order");
    }

    /** Stops the writers and waits for them. */
    void stop() throws Exception {
        writing.set(false);
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        writing.set(false);
        pool.shutdownNow();
    }

    /** One writer: survives a database that goes away for a while by reconnecting. */
    private void write(int writerId) throws InterruptedException {
        String t = tables.getTable();
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = 0;
        while (writing.get()) {
            try (java.sql.Connection c = dataSource.getConnection();
                    PreparedStatement next =
                            c.prepareStatement("UPDATE " + t + "_seq SET n = n + 1 WHERE k = ? RETURNING n");
                    PreparedStatement record = c.prepareStatement("INSERT INTO " + t + "_order VALUES (?, ?, ?)")) {
                c.setAutoCommit(false);
                for (; writing.get(); i++) {
                    String key = "key-" + random.nextInt(keys);
                    String id = "w" + writerId + "-" + i;
                    writer.write(
                            c,
                            OutboxMessage.builder()
                                    .subject(t + ".e")
                                    .payload(id.getBytes(StandardCharsets.UTF_8))
                                    .messageId(id)
                                    .orderingKey(key)
                                    .build());
                    Thread.sleep(random.nextInt(3));
                    next.setString(1, key);
                    int n;
                    try (ResultSet rs = next.executeQuery()) {
                        rs.next();
                        n = rs.getInt(1);
                    }
                    record.setString(1, id);
                    record.setString(2, key);
                    record.setInt(3, n);
                    record.executeUpdate();
                    if (random.nextInt(10) == 0) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                    if (pauseMillis > 0) {
                        Thread.sleep(pauseMillis);
                    }
                }
            } catch (SQLException e) {
                LOG.debug("writer {}: {}; reconnecting", writerId, e.getMessage());
                Thread.sleep(200);
                i++;
            }
        }
    }

    /** The message ids of the rows committed so far. */
    Set<String> committedIds() throws SQLException {
        Set<String> ids = new HashSet<>();
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT msg_id FROM " + tables.getTable() + "_order")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /**
     * Checks the stream against what committed: each committed row exactly once, nothing else, and for every key
     * the rows in commit order.
     *
     * @return the number of rows checked
     */
    int verify(Connection nc, String stream) throws Exception {
        return verify(nc, stream, Set.of());
    }

    /**
     * As {@link #verify(Connection, String)}, except that a row may be stored after later-committed rows of its key
     * when the latest of them is in {@code mayOvertake} (rows the relay may have published before it saw an outage).
     *
     * @return the number of rows checked
     */
    int verify(Connection nc, String stream, Set<String> mayOvertake) throws Exception {
        Map<String, Integer> orderOf = new HashMap<>();
        Map<String, String> keyOf = new HashMap<>();
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT msg_id, k, n FROM " + tables.getTable() + "_order")) {
            while (rs.next()) {
                orderOf.put(rs.getString(1), rs.getInt(3));
                keyOf.put(rs.getString(1), rs.getString(2));
            }
        }
        List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
        OutboxTesting.assertEachIdOnce(stored);
        assertThat(stored.stream().map(OutboxTesting.Stored::messageId).toList())
                .as("the stream holds exactly the committed rows")
                .containsExactlyInAnyOrderElementsOf(orderOf.keySet());
        Map<String, Integer> last = new HashMap<>();
        Map<String, String> lastId = new HashMap<>();
        int outOfOrder = 0;
        int tolerated = 0;
        String first = null;
        for (OutboxTesting.Stored s : stored) {
            String key = keyOf.get(s.messageId());
            int n = orderOf.get(s.messageId());
            Integer previous = last.get(key);
            if (previous == null || previous < n) {
                last.put(key, n);
                lastId.put(key, s.messageId());
            } else if (mayOvertake.contains(lastId.get(key))) {
                tolerated++;
            } else {
                outOfOrder++; // stored after a row of its key that committed later
                if (first == null) {
                    first = "key " + key + ": commit #" + n + " stored after commit #" + previous;
                }
            }
        }
        if (tolerated > 0) {
            LOG.info(
                    "{} rows stored after a later-committed row of their key that was published before the outage",
                    tolerated);
        }
        assertThat(outOfOrder)
                .as(
                        "rows stored after a later-committed row of their key (%d rows checked); the first: %s",
                        stored.size(), first)
                .isZero();
        return stored.size();
    }
}
