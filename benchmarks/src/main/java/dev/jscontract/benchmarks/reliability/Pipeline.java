package dev.jscontract.benchmarks.reliability;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.ContractHandler;
import dev.jscontract.consumer.inbox.Inbox;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system the reliability scenarios break: writers commit business rows with their outbox rows, an {@link
 * OutboxRelay} publishes them into a stream, and a {@link ContractConsumer} applies each message's side effect once
 * through an {@link Inbox}. Everything that happened is recorded in PostgreSQL, so that it survives killed processes:
 *
 * <ul>
 *   <li>{@code <name>_expected}: every committed row's message id (written in the writer's transaction: the truth of
 *       what must arrive);
 *   <li>{@code <name>_effects}: one row per side effect, with the time it committed (in the inbox's transaction);
 *   <li>{@code <name>_attempts}: one row per handler run (autocommit, before the inbox transaction), so redeliveries
 *       are counted across processes.
 * </ul>
 *
 * <p>The stream keeps every message (Limits retention), so stored duplicates can be counted at the end. The relay and
 * the consumer run in this process or in child processes ({@link PipelineChild}); both are built by the static
 * factories here so the two forms are the same.
 */
final class Pipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    static final String DURABLE = "effects";

    final String name;
    final String stream;
    final OutboxTables tables;
    private final DataSource dataSource;
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicLong written = new AtomicLong();
    private final List<AutoCloseable> owned = new CopyOnWriteArrayList<>();
    private final List<Instant> faultEnds = new CopyOnWriteArrayList<>();
    private volatile Thread writer;
    private volatile Connection admin;
    private volatile OutboxRelay relay;
    private volatile ContractConsumer consumer;

    Pipeline(String name, DataSource dataSource) {
        this.name = name.toLowerCase(Locale.ROOT);
        this.stream = name.toUpperCase(Locale.ROOT);
        this.tables = OutboxTables.builder().table(this.name).build();
        this.dataSource = dataSource;
    }

    /** Installs the outbox, the record tables and the inbox, and creates the stream (R{@code replicas}). */
    void setUp(Connection nc, int replicas) throws SQLException, IOException, JetStreamApiException {
        admin = nc;
        OutboxSchema.install(dataSource, tables, 4);
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + name
                    + "_expected (msg_id text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
            st.execute("CREATE TABLE " + name
                    + "_effects (msg_id text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
            st.execute("CREATE TABLE " + name + "_attempts (msg_id text NOT NULL)");
        }
        inbox(name).install(dataSource);
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(stream)
                        .subjects(name + ".>")
                        .retentionPolicy(RetentionPolicy.Limits)
                        .storageType(StorageType.File)
                        .duplicateWindow(Duration.ofMinutes(5))
                        .replicas(replicas)
                        .build());
    }

    static Inbox inbox(String name) {
        return Inbox.builder().table(name + "_inbox").build();
    }

    /** The contract of the pipeline's consumer: short timers, so faults recover within seconds. */
    static ConsumerContract contract(String stream) {
        return ConsumerContract.builder().stream(stream)
                .durable(DURABLE)
                .ackWait(Duration.ofSeconds(3))
                .maxDeliver(20)
                .backoff(Backoff.fixed(Duration.ofMillis(200)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .concurrency(4)
                .maxAckPending(64)
                .maxProcessingTime(Duration.ofSeconds(30))
                .build();
    }

    /** The relay of the pipeline (not started). */
    static OutboxRelay relay(Connection nc, DataSource ds, String name, String relayName) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(ds)
                .tables(OutboxTables.builder().table(name).build())
                .streams(name.toUpperCase(Locale.ROOT))
                .name(relayName)
                .rebalanceInterval(Duration.ofMillis(500))
                .dbNetworkTimeout(Duration.ofSeconds(5))
                .retryHorizon(Duration.ofMinutes(4))
                .build();
    }

    /** The consumer of the pipeline (not started): an inbox handler that records attempts and effects. */
    static ContractConsumer consumer(Connection nc, DataSource ds, String name, String instance) {
        return ContractConsumer.builder(nc, contract(name.toUpperCase(Locale.ROOT)))
                .handler(handler(ds, name))
                .instance(instance)
                .build();
    }

    /** Records the attempt, then the side effect once through the inbox; a failing session is replaced. */
    static ContractHandler handler(DataSource ds, String name) {
        Inbox inbox = inbox(name);
        ThreadLocal<java.sql.Connection> session = new ThreadLocal<>();
        String attempt = "INSERT INTO " + name + "_attempts (msg_id) VALUES (?)";
        String effect = "INSERT INTO " + name + "_effects (msg_id) VALUES (?)";
        return m -> {
            String id = m.getHeaders().getFirst(NatsJetStreamConstants.MSG_ID_HDR);
            java.sql.Connection c = session.get();
            try {
                if (c == null || c.isClosed()) {
                    c = ds.getConnection();
                    session.set(c);
                }
                c.setAutoCommit(true);
                try (PreparedStatement ps = c.prepareStatement(attempt)) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                inbox.runOnce(c, DURABLE, m, tx -> {
                    try (PreparedStatement ps = tx.prepareStatement(effect)) {
                        ps.setString(1, id);
                        ps.executeUpdate();
                    }
                });
            } catch (SQLException e) {
                session.remove();
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException ce) {
                        e.addSuppressed(ce);
                    }
                }
                throw e; // retried with the contract's backoff
            }
        };
    }

    /** Starts an in-process relay on {@code nc}; it is closed with the pipeline. */
    OutboxRelay startRelay(Connection nc, String relayName) throws SQLException, IOException {
        OutboxRelay r = relay(nc, dataSource, name, relayName);
        r.start();
        owned.add(r);
        relay = r;
        return r;
    }

    /** Starts an in-process consumer on {@code nc}; it is closed with the pipeline. */
    ContractConsumer startConsumer(Connection nc, String instance) {
        ContractConsumer c = consumer(nc, dataSource, name, instance);
        c.start();
        owned.add(c);
        consumer = c;
        return c;
    }

    /** Writes {@code rows} rows at about {@code perSecond} rows per second, in transactions of 10, on a thread. */
    void startWriters(int rows, int perSecond) {
        writing.set(true);
        Thread t = new Thread(() -> write(rows, perSecond), "reliability-writer");
        t.setDaemon(true);
        writer = t;
        t.start();
    }

    private void write(int rows, int perSecond) {
        OutboxWriter w = OutboxWriter.builder().tables(tables).build();
        long start = System.nanoTime();
        int n = 0;
        while (n < rows && writing.get()) {
            try (java.sql.Connection c = dataSource.getConnection();
                    PreparedStatement expect =
                            c.prepareStatement("INSERT INTO " + name + "_expected (msg_id) SELECT unnest(?::text[])")) {
                c.setAutoCommit(false);
                while (n < rows && writing.get()) {
                    List<OutboxMessage> batch = new ArrayList<>(10);
                    String[] ids = new String[Math.min(10, rows - n)];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = "m-" + (n + i);
                        batch.add(OutboxMessage.builder()
                                .subject(name + ".e")
                                .payload(ids[i].getBytes(StandardCharsets.UTF_8))
                                .messageId(ids[i])
                                .orderingKey("k" + ((n + i) % 32))
                                .build());
                    }
                    w.writeAll(c, batch);
                    expect.setArray(1, c.createArrayOf("text", ids));
                    expect.executeUpdate();
                    c.commit();
                    n += ids.length;
                    written.set(n);
                    long due = start + (long) (n * 1e9 / perSecond);
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                    }
                }
            } catch (SQLException e) {
                // the database restarts: the batch rolled back (or its commit is unknown: the ground truth table
                // committed with it or not at all); go on with new ids
                LOG.debug("writer: {}; reconnecting", e.getMessage());
                n += 10;
                sleepQuietly(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        writing.set(false);
    }

    /** Rows the writer has handled so far (committed or lost to a database restart). */
    long written() {
        return written.get();
    }

    /** Waits for the writer to finish its rows. */
    void awaitWriters(Duration timeout) throws InterruptedException {
        Thread t = writer;
        if (t != null) {
            t.join(timeout.toMillis());
            if (t.isAlive()) {
                throw new IllegalStateException("the writer did not finish in " + timeout);
            }
        }
    }

    /** Records the end of a fault, from which the time to recover is measured. */
    void faultEnded() {
        faultEnds.add(Instant.now());
    }

    /** Waits until every committed row's side effect happened and the outbox is empty. */
    void awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try {
                if (count("SELECT count(*) FROM " + name + "_expected e WHERE NOT EXISTS (SELECT 1 FROM " + name
                                        + "_effects f WHERE f.msg_id = e.msg_id)")
                                == 0
                        && count("SELECT count(*) FROM " + tables.qualifiedTable()) == 0) {
                    return;
                }
            } catch (SQLException e) {
                LOG.debug("drain check: {}", e.getMessage());
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("not drained in {}: {}", timeout, progress());
                return; // measured as lost
            }
            if (System.nanoTime() > nextReport) {
                LOG.info("draining: {}", progress());
                nextReport = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            }
            Thread.sleep(200);
        }
    }

    /** Where the pipeline stands: for the log of a run that does not drain. */
    private String progress() {
        StringBuilder b = new StringBuilder();
        try {
            b.append("effects ").append(count("SELECT count(DISTINCT msg_id) FROM " + name + "_effects"));
            b.append(" of ").append(count("SELECT count(*) FROM " + name + "_expected"));
            b.append(", outbox rows ").append(count("SELECT count(*) FROM " + tables.qualifiedTable()));
        } catch (SQLException e) {
            b.append("database: ").append(e.getMessage());
        }
        Connection nc = admin;
        if (nc != null) {
            try {
                b.append(", stream messages ")
                        .append(nc.jetStreamManagement()
                                .getStreamInfo(stream)
                                .getStreamState()
                                .getMsgCount());
                io.nats.client.api.ConsumerInfo ci = nc.jetStreamManagement().getConsumerInfo(stream, DURABLE);
                b.append(", consumer pending ").append(ci.getNumPending());
                b.append(" ack pending ").append(ci.getNumAckPending());
                b.append(" waiting pulls ").append(ci.getNumWaiting());
                b.append(" redelivered ").append(ci.getRedelivered());
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                b.append(", nats: ").append(e.getMessage());
            }
        }
        OutboxRelay r = relay;
        if (r != null) {
            b.append(", relay ").append(r.getHealth());
        }
        ContractConsumer c = consumer;
        if (c != null) {
            b.append(", consumer ").append(c.getHealth());
        }
        return b.toString();
    }

    /** What the run produced, measured from the record tables and the stream. */
    Figures measure(Connection nc, String fault) throws Exception {
        long expected = count("SELECT count(*) FROM " + name + "_expected");
        long lost = count("SELECT count(*) FROM " + name + "_expected e WHERE NOT EXISTS (SELECT 1 FROM " + name
                + "_effects f WHERE f.msg_id = e.msg_id)");
        long effects = count("SELECT count(*) FROM " + name + "_effects");
        long distinctEffects = count("SELECT count(DISTINCT msg_id) FROM " + name + "_effects");
        long attempts = count("SELECT count(*) FROM " + name + "_attempts");
        long parked = count("SELECT count(*) FROM " + tables.qualifiedParkedTable()) + deadLetters(nc);
        long storedTwice = storedDuplicates(nc);
        Duration recovery = Duration.ZERO;
        for (Instant end : faultEnds) {
            Instant first = firstEffectAfter(end);
            Duration d;
            if (first != null) {
                d = Duration.between(end, first);
            } else if (remainingAt(end) == 0) {
                d = Duration.ZERO; // the fault ended after the last side effect: nothing was left to recover
            } else {
                d = Duration.ofDays(1); // never recovered
            }
            if (d.compareTo(recovery) > 0) {
                recovery = d;
            }
        }
        return new Figures(
                fault,
                expected,
                lost,
                effects - distinctEffects,
                storedTwice,
                parked,
                Math.max(0, attempts - distinctEffects),
                recovery,
                "");
    }

    private long deadLetters(Connection nc) throws IOException {
        try {
            return nc.jetStreamManagement()
                    .getStreamInfo("DLQ_" + stream)
                    .getStreamState()
                    .getMsgCount();
        } catch (JetStreamApiException e) {
            return 0; // no dead-letter stream: nothing was dead-lettered
        }
    }

    /** Messages in the stream whose message id an earlier message already had. */
    private long storedDuplicates(Connection nc) throws Exception {
        long count =
                nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
        Set<String> ids = new HashSet<>();
        long read = 0;
        try (IterableConsumer it = nc.getStreamContext(stream)
                .createOrderedConsumer(new OrderedConsumerConfiguration().headersOnly(true))
                .iterate()) {
            while (read < count) {
                Message m = it.nextMessage(Duration.ofSeconds(10));
                if (m == null) {
                    throw new IllegalStateException(
                            "the stream has " + count + " messages but " + read + " could be read");
                }
                ids.add(m.getHeaders().getFirst(NatsJetStreamConstants.MSG_ID_HDR));
                read++;
            }
        }
        return count - ids.size();
    }

    /**
     * When the first message written after {@code t} had its side effect: the whole path (commit, relay, stream,
     * consumer) works again. Messages written before the fault may still be in flight and prove nothing. When the
     * writers had finished by then, the first side effect after {@code t} counts.
     */
    private Instant firstEffectAfter(Instant t) throws SQLException {
        Instant first = instant(
                "SELECT min(f.at) FROM " + name + "_effects f JOIN " + name + "_expected e ON e.msg_id = f.msg_id"
                        + " WHERE e.at > ?",
                t);
        return first != null ? first : instant("SELECT min(at) FROM " + name + "_effects WHERE at > ?", t);
    }

    /** Messages committed so far whose side effect had not happened by {@code t}. */
    private long remainingAt(Instant t) throws SQLException {
        try (java.sql.Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT count(*) FROM " + name + "_expected e"
                        + " WHERE NOT EXISTS (SELECT 1 FROM " + name + "_effects f"
                        + " WHERE f.msg_id = e.msg_id AND f.at <= ?)")) {
            st.setTimestamp(1, Timestamp.from(t));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private Instant instant(String sql, Instant t) throws SQLException {
        try (java.sql.Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            st.setTimestamp(1, Timestamp.from(t));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                Timestamp ts = rs.getTimestamp(1);
                return ts == null ? null : ts.toInstant();
            }
        }
    }

    long count(String sql) throws SQLException {
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Side effects so far. */
    long effects() {
        try {
            return count("SELECT count(*) FROM " + name + "_effects");
        } catch (SQLException e) {
            return -1;
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the in-process relay and consumer. */
    @Override
    public void close() {
        writing.set(false);
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {}: {}", c, e.toString());
            }
        }
    }
}
