package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.TcpProxy;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash safety: during a 50,000-row run the relay is killed abruptly ten times (a child JVM, SIGKILL) and once more by
 * dropping its database connections. Nothing may be lost, nothing stored twice, and the rows that were published but
 * not yet deleted at a kill come back as duplicate acks, which the next relay counts.
 */
@WithNatsServer
@WithPostgres
class RelayCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(RelayCrashIT.class);
    private static final int ROWS = 50_000;
    private static final int KILLS = 10;

    @Test
    void killedRelaysLoseNothingAndStoreNothingTwice(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("crash");
        OutboxSchema.install(db.dataSource(), tables, 8);
        String stream = OutboxTesting.streamName(tables.getTable());
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicBoolean reading = new AtomicBoolean(true);
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> readForever(nc, stream, seen, reading));
            // 45,000 rows while the children are killed, the last 5,000 before the connections are dropped, so that
            // relay has a backlog to be caught in the middle of
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(db, tables, 0, ROWS - 5000, 5));
            long republished = 0;
            try {
                for (int k = 1; k <= KILLS; k++) {
                    Process child = startChild(server, db, tables, stream);
                    try {
                        awaitLine(child, "owns partitions", Duration.ofSeconds(60));
                        Thread.sleep(300 + ThreadLocalRandom.current().nextInt(600));
                    } finally {
                        child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                        child.waitFor(10, TimeUnit.SECONDS);
                    }
                    long d = publishedButNotDeleted(nc, db, tables, stream, seen);
                    LOG.info("kill {}: {} rows in the stream, {} published but not deleted", k, seen.size(), d);
                    republished += d;
                }
                writer.get(120, TimeUnit.SECONDS);
                write(db, tables, ROWS - 5000, ROWS, 0);
                dropConnections(nc, db, tables, stream);

                long pending = publishedButNotDeleted(nc, db, tables, stream, seen);
                LOG.info("connections dropped: {} rows published but not deleted", pending);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                try (OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(db.dataSource())
                        .tables(tables)
                        .streams(stream)
                        .meterRegistry(registry)
                        .build()) {
                    relay.start();
                    OutboxTesting.awaitChecked(
                            Duration.ofSeconds(60),
                            "the outbox to drain",
                            () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
                    // The rows a dead relay had published but not deleted come back as duplicates, each counted once.
                    assertThat(registry.get("jscontract.outbox.published")
                                    .tag("outcome", "duplicate")
                                    .counter()
                                    .count())
                            .isEqualTo((double) pending);
                }
                assertThat(republished + pending)
                        .as("rows re-published after a kill over the whole run")
                        .isPositive();
            } finally {
                reading.set(false);
            }
            reader.get(30, TimeUnit.SECONDS);
            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
            assertThat(stored).hasSize(ROWS);
            OutboxTesting.assertEachIdOnce(stored);
            OutboxTesting.assertPerKeyOrder(stored, "c-", 64);
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < ROWS; i++) {
                expected.add("c-" + i);
            }
            assertThat(new HashSet<>(
                            stored.stream().map(OutboxTesting.Stored::messageId).toList()))
                    .isEqualTo(expected);
        }
    }

    /** Writes rows {@code from} to {@code to} (exclusive) in transactions of 25, pausing between them. */
    private static void write(PostgresDatabase db, OutboxTables tables, int from, int to, long pauseMillis) {
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            for (int i = from; i < to; ) {
                List<OutboxMessage> batch = new ArrayList<>();
                for (int r = 0; r < 25 && i < to; r++, i++) {
                    batch.add(OutboxMessage.builder()
                            .subject(tables.getTable() + ".e")
                            .payload(("c-" + i).getBytes(StandardCharsets.UTF_8))
                            .messageId("c-" + i)
                            .orderingKey("k" + (i % 64))
                            .build());
                }
                writer.writeAll(c, batch);
                c.commit();
                Thread.sleep(pauseMillis);
            }
        } catch (Exception e) {
            throw new IllegalStateException("writer failed", e);
        }
    }

    private static Process startChild(NatsServer server, PostgresDatabase db, OutboxTables tables, String stream)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                childClassPath(),
                RelayChild.class.getName(),
                server.url(),
                db.jdbcUrl(),
                tables.getTable(),
                stream);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    /**
     * The child's class path: this JVM's class path and module path (the tests run on the module path, patched into
     * the module) and the test classes, where {@link RelayChild} is; the child runs it all on the class path.
     */
    private static String childClassPath() throws Exception {
        return String.join(
                java.io.File.pathSeparator,
                System.getProperty("java.class.path"),
                System.getProperty("jdk.module.path", ""),
                Path.of(RelayChild.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI())
                        .toString());
    }

    /** Reads the child's output until a line contains the text; keeps draining it afterwards. */
    private static void awaitLine(Process child, String text, Duration timeout) throws Exception {
        CompletableFuture<Void> found = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    LOG.debug("child {}: {}", child.pid(), line);
                    if (line.contains(text)) {
                        found.complete(null);
                    }
                }
                found.completeExceptionally(new AssertionError("child exited before logging '" + text + "'"));
            } catch (java.io.IOException e) {
                found.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        found.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A relay whose database connections are cut off mid-run (reset, then black-holed): its PubAcks still arrive
     * but it can no longer delete the rows.
     */
    private static void dropConnections(Connection nc, PostgresDatabase db, OutboxTables tables, String stream)
            throws Exception {
        URI uri = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        try (TcpProxy proxy = TcpProxy.start(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort())) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(db.jdbcUrl()
                            .replace(
                                    uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort()),
                                    "127.0.0.1:" + proxy.port())
                    + (db.jdbcUrl().contains("?") ? "&" : "?") + "connectTimeout=2&loginTimeout=2");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(ds)
                    .tables(tables)
                    .streams(stream)
                    .meterRegistry(registry)
                    .dbNetworkTimeout(Duration.ofSeconds(2))
                    .build();
            relay.start();
            OutboxTesting.await(
                    Duration.ofSeconds(30),
                    "the in-process relay to publish",
                    () -> registry.get("jscontract.outbox.published").counters().stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            > 0);
            proxy.cut();
            proxy.reset();
            Thread.sleep(500);
            relay.close();
        }
    }

    /** Rows still in the outbox whose message id the stream already stored. */
    private static long publishedButNotDeleted(
            Connection nc, PostgresDatabase db, OutboxTables tables, String stream, Set<String> seen) throws Exception {
        OutboxTesting.awaitChecked(
                Duration.ofSeconds(30),
                "the stream reader to catch up",
                () -> seen.size()
                        >= nc.jetStreamManagement()
                                .getStreamInfo(stream)
                                .getStreamState()
                                .getMsgCount());
        long d = 0;
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT message_id FROM " + tables.qualifiedTable())) {
            while (rs.next()) {
                if (seen.contains(rs.getString(1))) {
                    d++;
                }
            }
        }
        return d;
    }

    private static void readForever(Connection nc, String stream, Set<String> seen, AtomicBoolean reading) {
        try (IterableConsumer it = nc.getStreamContext(stream)
                .createOrderedConsumer(new OrderedConsumerConfiguration())
                .iterate()) {
            while (reading.get()) {
                Message m = it.nextMessage(Duration.ofMillis(200));
                if (m != null) {
                    seen.add(m.getHeaders().getFirst(NatsJetStreamConstants.MSG_ID_HDR));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("stream reader failed", e);
        }
    }
}
