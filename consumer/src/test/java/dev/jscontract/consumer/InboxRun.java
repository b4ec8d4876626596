package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.inbox.Inbox;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.PostgresDatabase;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A long run for the failure tests: {@code messages} messages through a consumer whose handler writes a side effect
 * and its inbox row in one PostgreSQL transaction, with a fault injected once a share of them is done. The side-effect
 * table has no unique key, so a second side effect for a message would show as a duplicate row.
 */
final class InboxRun implements AutoCloseable {
    private final PostgresDatabase db;
    private final String table;
    private final Inbox inbox;
    private final List<java.sql.Connection> connections = Collections.synchronizedList(new ArrayList<>());
    private final ThreadLocal<java.sql.Connection> perThread = new ThreadLocal<>();
    private final java.util.concurrent.atomic.AtomicLong invocations = new java.util.concurrent.atomic.AtomicLong();

    InboxRun(PostgresDatabase db, String name) throws SQLException {
        this.db = db;
        this.table = "effects_" + name.toLowerCase(java.util.Locale.ROOT);
        this.inbox = Inbox.builder()
                .table("inbox_" + name.toLowerCase(java.util.Locale.ROOT))
                .build();
        inbox.install(db.dataSource());
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement()) {
            st.execute("create table " + table + " (stream_sequence bigint not null, body text not null)");
        }
    }

    /** The contract for the run: concurrency 8, ack wait 2 s, retries every 200 ms, up to 20 deliveries. */
    static ConsumerContract contract(String stream, String durable) {
        return ConsumerContract.builder().stream(stream)
                .durable(durable)
                .ackWait(Duration.ofSeconds(2))
                .maxDeliver(20)
                .backoff(Backoff.fixed(Duration.ofMillis(200)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .concurrency(8)
                .maxAckPending(64)
                .build();
    }

    /** The handler: inbox row and side effect in one transaction, on a connection per handler thread. */
    ContractHandler handler(String consumer) {
        return m -> {
            invocations.incrementAndGet();
            java.sql.Connection c = perThread.get();
            if (c == null) {
                c = db.dataSource().getConnection();
                connections.add(c);
                perThread.set(c);
            }
            inbox.runOnce(c, consumer, m, tx -> {
                try (PreparedStatement ps =
                        tx.prepareStatement("insert into " + table + " (stream_sequence, body) values (?, ?)")) {
                    ps.setLong(1, m.metaData().streamSequence());
                    ps.setString(2, new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
                    ps.executeUpdate();
                }
            });
        };
    }

    /** Publishes {@code n} messages and waits for every PubAck. */
    static void publish(Connection nc, String subject, int n) throws Exception {
        JetStream js = nc.jetStream();
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            acks.add(js.publishAsync(subject, ("message " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (acks.size() == 500) {
                for (CompletableFuture<PublishAck> f : acks) {
                    f.get();
                }
                acks.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : acks) {
            f.get();
        }
    }

    long effects() throws SQLException {
        return count("select count(*) from " + table);
    }

    long distinctEffects() throws SQLException {
        return count("select count(distinct stream_sequence) from " + table);
    }

    long inboxRows() throws SQLException {
        return count("select count(*) from " + inbox.getTable());
    }

    private long count(String sql) throws SQLException {
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    long effectsOrZero() {
        try {
            return effects();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many times the handler ran (each redelivery runs it again; the inbox then skips the side effect). */
    long invocations() {
        return invocations.get();
    }

    /**
     * Waits until every message is acknowledged: the WorkQueue stream is empty and nothing is pending or in flight
     * for the consumer, so no redelivery can come any more.
     */
    static void awaitAllAcked(Connection nc, String stream, String durable, Duration timeout)
            throws InterruptedException {
        Fixtures.await("every message acknowledged", timeout, () -> {
            try {
                var ci = Fixtures.consumerInfo(nc, stream, durable);
                return Fixtures.messageCount(nc, stream) == 0 && ci.getNumAckPending() == 0 && ci.getNumPending() == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * Asserts the cost of the faults in duplicated work: handler invocations and settles at most {@code 1.05 x n}
     * (a consumer that processed everything twice would fail here, though the inbox kept the side effects once).
     */
    void assertBoundedRedeliveries(int n, long settles) {
        assertThat(invocations()).as("handler invocations for %d messages", n).isLessThanOrEqualTo((long) (n * 1.05));
        assertThat(settles).as("settles for %d messages", n).isLessThanOrEqualTo((long) (n * 1.05));
    }

    /** Asserts every one of {@code n} messages had exactly one side effect. */
    void assertExactlyOnce(int n) throws SQLException {
        assertThat(effects()).as("side effects").isEqualTo(n);
        assertThat(distinctEffects()).as("distinct messages with a side effect").isEqualTo(n);
        assertThat(inboxRows()).as("inbox rows").isEqualTo(n);
    }

    @Override
    public void close() {
        for (java.sql.Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                // the database is dropped after the class anyway
            }
        }
    }
}
