package dev.jscontract.benchmarks.outbox;

import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * The baseline the outbox relay is measured against: the relay most projects write first. In one transaction it
 * claims 500 rows with {@code FOR UPDATE SKIP LOCKED}, publishes them asynchronously with their message ids, waits
 * for every PubAck, deletes them and commits; then the next batch. Correct (rows are locked, deleted only after
 * their acks), but every batch pays the claim, the whole publish round trip, the delete and the commit in sequence,
 * and the transaction stays open for the whole publish.
 */
final class NaiveRelay {
    static final int BATCH = 500;

    private final DataSource dataSource;
    private final JetStream js;
    private final String table;
    private final String prefix;
    private long backendCpuNanos;

    NaiveRelay(DataSource dataSource, io.nats.client.Connection nc, String table, String prefix) throws IOException {
        this.dataSource = dataSource;
        this.js = nc.jetStream();
        this.table = table;
        this.prefix = prefix;
    }

    /** The CPU time of the database backend of the last {@link #drain()}, in nanoseconds. */
    long backendCpuNanos() {
        return backendCpuNanos;
    }

    /** Relays until the table is empty; returns the number of rows published. */
    long drain() throws SQLException, InterruptedException, ExecutionException, TimeoutException {
        long total = 0;
        try (Connection c = dataSource.getConnection()) {
            long pid;
            try (java.sql.Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            c.setAutoCommit(false);
            try (PreparedStatement claim = c.prepareStatement("SELECT id, subject, message_id, payload FROM " + table
                            + " ORDER BY id LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED");
                    PreparedStatement delete =
                            c.prepareStatement("DELETE FROM " + table + " WHERE id = ANY(?::bigint[])")) {
                while (true) {
                    List<Long> ids = new ArrayList<>(BATCH);
                    List<CompletableFuture<PublishAck>> futures = new ArrayList<>(BATCH);
                    try (ResultSet rs = claim.executeQuery()) {
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            String messageId = rs.getString(3);
                            Headers h = new Headers();
                            h.put(NatsJetStreamConstants.MSG_ID_HDR, messageId != null ? messageId : prefix + id);
                            ids.add(id);
                            futures.add(js.publishAsync(rs.getString(2), h, rs.getBytes(4)));
                        }
                    }
                    if (ids.isEmpty()) {
                        c.commit();
                        backendCpuNanos = CpuMeter.processNanos(pid);
                        return total;
                    }
                    for (CompletableFuture<PublishAck> f : futures) {
                        f.get(10, TimeUnit.SECONDS);
                    }
                    delete.setArray(1, c.createArrayOf("int8", ids.toArray(new Long[0])));
                    delete.executeUpdate();
                    c.commit();
                    total += ids.size();
                }
            }
        }
    }
}
