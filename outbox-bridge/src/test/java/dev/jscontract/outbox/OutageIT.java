package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.TcpProxy;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outages during a run: nats-server down for 30 s while PostgreSQL restarts, and a silent network cut between relay
 * and nats-server. The backlog grows while publishing is impossible and drains afterwards; every committed row is in
 * the stream once, and none is parked (an outage never counts as an attempt).
 */
@WithNatsServer
@WithPrivatePostgres
class OutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(OutageIT.class);

    @Test
    void natsDownThirtySecondsAndPostgresRestartedLoseNothing(NatsServer server, PrivatePostgres pg) throws Exception {
        OutboxTables tables = OutboxTesting.tables("outage");
        String stream = OutboxTesting.streamName(tables.getTable());
        prepare(pg.dataSource(), tables);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            try (OutboxRelay relay = relay(nc, pg.dataSource(), tables, stream, registry)) {
                relay.start();
                CompletableFuture<Void> writer =
                        CompletableFuture.runAsync(() -> write(pg.dataSource(), tables, writing));
                Thread.sleep(2000);
                long before = backlog(pg.dataSource(), tables);

                server.stop();
                LOG.info("nats-server stopped; backlog {}", before);
                Thread.sleep(8000);
                pg.restart();
                LOG.info("PostgreSQL restarted");
                Thread.sleep(8000);
                long during = backlog(pg.dataSource(), tables);
                assertThat(during).as("the backlog grows while NATS is down").isGreaterThan(before + 500);
                Thread.sleep(14_000);
                server.start();
                LOG.info("nats-server started after 30 s; backlog {}", backlog(pg.dataSource(), tables));

                Thread.sleep(2000);
                writing.set(false);
                writer.get(30, TimeUnit.SECONDS);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(60), "the backlog to drain", () -> backlog(pg.dataSource(), tables) == 0);
                assertThat(registry.get("jscontract.outbox.ownership.changes")
                                .tag("cause", "connection-lost")
                                .counter()
                                .count())
                        .as("the PostgreSQL restart took the relay's partitions, and it took them back")
                        .isGreaterThanOrEqualTo(1.0);
                assertThat(registry.get("jscontract.outbox.parks").counters()).allMatch(c -> c.count() == 0);
            }
            verify(nc, pg.dataSource(), tables, stream);
        } finally {
            writing.set(false);
        }
    }

    @Test
    void aSilentNetworkCutToNatsLosesNothing(NatsServer server, PrivatePostgres pg) throws Exception {
        OutboxTables tables = OutboxTesting.tables("cut");
        String stream = OutboxTesting.streamName(tables.getTable());
        prepare(pg.dataSource(), tables);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Connection admin = server.connect();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
                Connection nc = Nats.connect(Options.builder()
                        .server(proxy.url())
                        .maxReconnects(-1)
                        .reconnectWait(Duration.ofMillis(250))
                        .connectionTimeout(Duration.ofSeconds(2))
                        .pingInterval(Duration.ofSeconds(1))
                        .maxPingsOut(2)
                        .build())) {
            OutboxTesting.createStream(admin, stream, tables.getTable(), Duration.ofMinutes(2));
            try (OutboxRelay relay = relay(nc, pg.dataSource(), tables, stream, registry)) {
                relay.start();
                CompletableFuture<Void> writer =
                        CompletableFuture.runAsync(() -> write(pg.dataSource(), tables, writing));
                Thread.sleep(2000);
                long before = backlog(pg.dataSource(), tables);
                proxy.cut(); // no FIN, no RST: packets just stop
                Thread.sleep(10_000);
                long during = backlog(pg.dataSource(), tables);
                assertThat(during).as("the backlog grows during the cut").isGreaterThan(before + 500);
                proxy.restore();
                Thread.sleep(2000);
                writing.set(false);
                writer.get(30, TimeUnit.SECONDS);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(60), "the backlog to drain", () -> backlog(pg.dataSource(), tables) == 0);
            }
            verify(admin, pg.dataSource(), tables, stream);
        } finally {
            writing.set(false);
        }
    }

    /**
     * A connection reset with rows on the wire: a {@link TcpProxy} with 20 ms latency holds published rows in its
     * socket buffers when it resets, so they are lost, while jnats reconnects at once. Rows of the same keys committed
     * after the reset must not reach the stream ahead of the lost ones, which the relay learns of only when their
     * publish timeout passes.
     */
    @Test
    void aConnectionResetWithRowsOnTheWireKeepsPerKeyOrder(NatsServer server, PrivatePostgres pg) throws Exception {
        OutboxTables tables = OutboxTesting.tables("reset");
        String stream = OutboxTesting.streamName(tables.getTable());
        OutboxSchema.install(pg.dataSource(), tables, 4);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection admin = server.connect();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
                Connection nc = Nats.connect(Options.builder()
                        .server(proxy.url())
                        .maxReconnects(-1)
                        .reconnectWait(Duration.ofMillis(250))
                        .connectionTimeout(Duration.ofSeconds(2))
                        .build())) {
            OutboxTesting.createStream(admin, stream, tables.getTable(), Duration.ofMinutes(2));
            // A deep pipeline and a moderate rate (about 150 rows/s): with every slot taken by batches lost with the
            // socket, nothing could be claimed until their timeout, which would hide a relay that publishes later
            // rows of a key ahead of lost ones; under moderate load slots are free when jnats reconnects.
            try (OutboxRelay relay = OutboxRelay.builder()
                            .connection(nc)
                            .dataSource(pg.dataSource())
                            .tables(tables)
                            .streams(stream)
                            .pipelineDepth(16)
                            .meterRegistry(registry)
                            .build();
                    KeyedWriters writers = new KeyedWriters(pg.dataSource(), tables, 4, 2, Duration.ofMillis(10))) {
                relay.start();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30), "500 rows in the stream", () -> stored(admin, stream) >= 500);
                // with latency on the way, published rows pile up in the socket buffers; the reset discards them
                proxy.delay(Duration.ofMillis(20));
                long delayed = stored(admin, stream);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "rows stored through the slow proxy",
                        () -> stored(admin, stream) > delayed + 100);
                proxy.reset();
                proxy.delay(Duration.ZERO);
                LOG.info("connection reset after {} rows stored", stored(admin, stream));
                OutboxTesting.await(
                        Duration.ofSeconds(20),
                        "jnats to reconnect",
                        () -> nc.getStatistics().getReconnects() >= 1);
                // the relay may have published these before it saw the reset (jnats sends what it still held
                // unwritten after the reconnect, ahead of the lost rows); none committed later may overtake
                Set<String> beforeReconnect = writers.committedIds();
                long atReconnect = beforeReconnect.size();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "500 rows committed after the reconnect",
                        () -> writers.committed() >= atReconnect + 500);
                writers.stop();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(60),
                        "the outbox to drain",
                        () -> OutboxTesting.count(pg.dataSource(), tables.qualifiedTable()) == 0);
                assertThat(registry.get("jscontract.outbox.parks").counters()).allMatch(c -> c.count() == 0);
                assertThat(writers.verify(admin, stream, beforeReconnect)).isGreaterThan(1000);
            }
            assertThat(OutboxTesting.count(pg.dataSource(), tables.qualifiedParkedTable()))
                    .as("an outage never parks rows")
                    .isZero();
        }
    }

    private static long stored(Connection nc, String stream) throws Exception {
        return nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
    }

    private static OutboxRelay relay(
            Connection nc, DataSource ds, OutboxTables tables, String stream, SimpleMeterRegistry registry) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(ds)
                .tables(tables)
                .streams(stream)
                .rebalanceInterval(Duration.ofMillis(500))
                .dbNetworkTimeout(Duration.ofSeconds(3))
                .meterRegistry(registry)
                .build();
    }

    private static void prepare(DataSource ds, OutboxTables tables) throws SQLException {
        OutboxSchema.install(ds, tables, 4);
        try (java.sql.Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            // Ground truth: a row here commits exactly when its outbox row commits, even if the commit's answer is
            // lost to a restart.
            st.execute("CREATE TABLE " + tables.getTable() + "_expected (msg_id text PRIMARY KEY)");
        }
    }

    /** Ten rows every 20 ms; survives a restarting database by reconnecting. */
    private static void write(DataSource ds, OutboxTables tables, AtomicBoolean writing) {
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        int n = 0;
        while (writing.get()) {
            try (java.sql.Connection c = ds.getConnection();
                    PreparedStatement expect = c.prepareStatement(
                            "INSERT INTO " + tables.getTable() + "_expected SELECT unnest(?::text[])")) {
                c.setAutoCommit(false);
                while (writing.get()) {
                    List<OutboxMessage> batch = new ArrayList<>();
                    String[] ids = new String[10];
                    for (int i = 0; i < 10; i++, n++) {
                        ids[i] = "o-" + n;
                        batch.add(OutboxMessage.builder()
                                .subject(tables.getTable() + ".e")
                                .payload(ids[i].getBytes(StandardCharsets.UTF_8))
                                .messageId(ids[i])
                                .orderingKey("k" + (n % 16))
                                .build());
                    }
                    writer.writeAll(c, batch);
                    expect.setArray(1, c.createArrayOf("text", ids));
                    expect.executeUpdate();
                    c.commit();
                    Thread.sleep(20);
                }
            } catch (SQLException e) {
                LOG.debug("writer: {}; reconnecting", e.getMessage());
                sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long backlog(DataSource ds, OutboxTables tables) throws SQLException {
        for (int i = 0; ; i++) {
            try {
                return OutboxTesting.count(ds, tables.qualifiedTable());
            } catch (SQLException e) {
                if (i > 50) {
                    throw e;
                }
                sleep(200); // the database is restarting
            }
        }
    }

    private static void verify(Connection nc, DataSource ds, OutboxTables tables, String stream) throws Exception {
        Set<String> expected = new HashSet<>();
        try (java.sql.Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT msg_id FROM " + tables.getTable() + "_expected")) {
            while (rs.next()) {
                expected.add(rs.getString(1));
            }
        }
        List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
        OutboxTesting.assertEachIdOnce(stored);
        OutboxTesting.assertPerKeyOrder(stored, "o-", 16);
        assertThat(new HashSet<>(
                        stored.stream().map(OutboxTesting.Stored::messageId).toList()))
                .isEqualTo(expected);
        assertThat(expected).hasSizeGreaterThan(2000);
        assertThat(OutboxTesting.count(ds, tables.qualifiedParkedTable()))
                .as("an outage never parks rows")
                .isZero();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
