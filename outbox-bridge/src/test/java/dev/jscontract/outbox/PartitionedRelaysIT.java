package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.TcpProxy;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three relays share eight partitions. Writers commit rows for 100 keys out of id order; each transaction also takes
 * the next number of its key's counter, which records the commit order. Per key, the stream must hold the rows in
 * that order. Killing the owner of partitions (its database sessions reset) must hand them to the others within 5 s,
 * the killed relay must stop publishing, and the stream must hold each row once.
 */
@WithNatsServer
@WithPostgres
class PartitionedRelaysIT {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionedRelaysIT.class);
    private static final int KEYS = 100;

    private record Relay(OutboxRelay relay, TcpProxy proxy, Connection nats, SimpleMeterRegistry registry) {
        double published() {
            return registry.get("jscontract.outbox.published").counters().stream()
                    .mapToDouble(c -> c.count())
                    .sum();
        }
    }

    @Test
    void perKeyCommitOrderAndFailoverWithinFiveSeconds(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("parts");
        OutboxSchema.install(db.dataSource(), tables, 8);
        String stream = OutboxTesting.streamName(tables.getTable());
        List<Relay> relays = new ArrayList<>();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            for (int i = 0; i < 3; i++) {
                relays.add(startRelay(server, db, tables, stream, "r" + i));
            }
            OutboxTesting.await(
                    Duration.ofSeconds(20),
                    "three relays sharing 8 partitions",
                    () -> relays.stream()
                                    .allMatch(
                                            r -> r.relay().getOwnedPartitions().size() >= 2)
                            && relays.stream()
                                            .mapToInt(r -> r.relay()
                                                    .getOwnedPartitions()
                                                    .size())
                                            .sum()
                                    == 8);
            try (KeyedWriters writers = new KeyedWriters(db.dataSource(), tables, KEYS, 4)) {
                OutboxTesting.awaitChecked(Duration.ofSeconds(20), "rows flowing", () -> writers.committed() > 500);

                Relay victim = relays.stream()
                        .max((a, b) -> Integer.compare(
                                a.relay().getOwnedPartitions().size(),
                                b.relay().getOwnedPartitions().size()))
                        .orElseThrow();
                Set<Integer> orphaned = victim.relay().getOwnedPartitions();
                List<Relay> survivors = relays.stream().filter(r -> r != victim).toList();
                long killed = System.nanoTime();
                victim.proxy().cut();
                victim.proxy().reset(); // the sessions die at once, as when the process is killed
                OutboxTesting.await(
                        Duration.ofSeconds(5),
                        "the killed relay to drop its partitions",
                        () -> victim.relay().getOwnedPartitions().isEmpty());
                OutboxTesting.await(Duration.ofSeconds(5), "the survivors to take over " + orphaned, () -> {
                    Set<Integer> owned = new HashSet<>();
                    survivors.forEach(r -> owned.addAll(r.relay().getOwnedPartitions()));
                    return owned.size() == 8;
                });
                LOG.info("partitions {} handed over in {} ms", orphaned, (System.nanoTime() - killed) / 1_000_000);
                // Batches the victim had sent before the reset may still be acknowledged: wait until its count stands.
                OutboxTesting.await(
                        Duration.ofSeconds(10),
                        "the victim's count to stand still",
                        new StandsStill(victim::published, Duration.ofSeconds(1)));
                double victimPublished = victim.published();
                long more = writers.committed() + 1000;
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(20), "a thousand more rows", () -> writers.committed() > more);
                writers.stop();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(60),
                        "the outbox to drain",
                        () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
                assertThat(victim.published())
                        .as("a relay that lost its partitions publishes nothing more")
                        .isEqualTo(victimPublished);
                assertThat(writers.verify(nc, stream)).isGreaterThan(1000);
            }
        } finally {
            for (Relay r : relays) {
                r.relay().close();
                r.proxy().close();
                r.nats().close();
            }
        }
    }

    /** True once the value has not changed for {@code quiet}. */
    private static final class StandsStill implements java.util.function.BooleanSupplier {
        private final java.util.function.DoubleSupplier value;
        private final long quietNanos;
        private double last = Double.NaN;
        private long since;

        StandsStill(java.util.function.DoubleSupplier value, Duration quiet) {
            this.value = value;
            this.quietNanos = quiet.toNanos();
        }

        @Override
        public boolean getAsBoolean() {
            double v = value.getAsDouble();
            long now = System.nanoTime();
            if (v != last) {
                last = v;
                since = now;
                return false;
            }
            return now - since >= quietNanos;
        }
    }

    /**
     * The dangerous cut is the half-open one: PostgreSQL ended the relay's control session (and so released its
     * partition locks) but the relay cannot hear it, because the network path of that one session is silently cut,
     * while its claim and settle sessions still work. Another relay takes the partitions at once; until the victim's
     * socket times out, it still believes it owns them. Claims are fenced on the locks actually held by the victim's
     * control session, so it publishes nothing of those partitions from the moment its session was ended.
     */
    @Test
    void aRelayWhoseControlSessionIsEndedBehindAHalfOpenCutStopsPublishingAtOnce(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("halfopen");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String stream = OutboxTesting.streamName(tables.getTable());
        URI uri = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        try (Connection nc = server.connect();
                TcpProxy controlPath = TcpProxy.start(uri.getHost(), port);
                Connection victimNats = server.connect();
                Connection otherNats = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(5));
            PGSimpleDataSource direct = dataSource(db.jdbcUrl());
            PGSimpleDataSource viaProxy =
                    dataSource(db.jdbcUrl().replace(uri.getHost() + ":" + port, "127.0.0.1:" + controlPath.port()));
            // Only the control session goes through the proxy; claims and settles take the direct path.
            javax.sql.DataSource split = new ControlSessionDataSource(direct, viaProxy);
            SimpleMeterRegistry victimRegistry = new SimpleMeterRegistry();
            Relay victim;
            try (OutboxRelay v = OutboxRelay.builder()
                            .connection(victimNats)
                            .dataSource(split)
                            .tables(tables)
                            .streams(stream)
                            .name("victim")
                            .rebalanceInterval(Duration.ofMillis(300))
                            .dbNetworkTimeout(Duration.ofSeconds(20)) // a long blind spot, on purpose
                            .meterRegistry(victimRegistry)
                            .build();
                    KeyedWriters writers = new KeyedWriters(db.dataSource(), tables, 50, 3)) {
                v.start();
                victim = new Relay(v, controlPath, victimNats, victimRegistry);
                OutboxTesting.await(
                        Duration.ofSeconds(10),
                        "the victim to own every partition",
                        () -> v.getOwnedPartitions().size() == 4);
                try (OutboxRelay other = OutboxRelay.builder()
                        .connection(otherNats)
                        .dataSource(direct)
                        .tables(tables)
                        .streams(stream)
                        .name("other")
                        .rebalanceInterval(Duration.ofMillis(300))
                        .build()) {
                    other.start();
                    OutboxTesting.await(
                            Duration.ofSeconds(10), "the partitions shared", () -> !other.getOwnedPartitions()
                                    .isEmpty());
                    OutboxTesting.awaitChecked(Duration.ofSeconds(10), "rows flowing", () -> writers.committed() > 300);

                    controlPath.cut(); // half-open: the victim keeps its socket and hears nothing
                    int terminated = terminateControlSession(db);
                    assertThat(terminated).as("the victim's control session").isEqualTo(1);
                    long endedAt = System.nanoTime();
                    OutboxTesting.await(
                            Duration.ofSeconds(5),
                            "the other relay to own every partition",
                            () -> other.getOwnedPartitions().size() == 4);
                    assertThat(v.getOwnedPartitions())
                            .as("the victim cannot know yet: it still believes it owns partitions")
                            .isNotEmpty();
                    // batches claimed before the session ended may still be acknowledged: wait until the count stands
                    OutboxTesting.await(
                            Duration.ofSeconds(10),
                            "the victim's count to stand still",
                            new StandsStill(victim::published, Duration.ofSeconds(1)));
                    double publishedAfterGrace = victim.published();
                    Thread.sleep(4000); // the fault's window: the victim's blind spot lasts up to dbNetworkTimeout
                    assertThat(victim.published())
                            .as("published by the victim after its control session was ended")
                            .isEqualTo(publishedAfterGrace);
                    LOG.info(
                            "victim published {} rows, none in the {} ms after its session ended",
                            publishedAfterGrace,
                            (System.nanoTime() - endedAt) / 1_000_000);
                    writers.stop();
                    OutboxTesting.awaitChecked(
                            Duration.ofSeconds(60),
                            "the outbox to drain",
                            () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
                    writers.verify(nc, stream);
                }
                controlPath.restore();
            }
        }
    }

    /** Ends the control session of relay "victim" (the session holding its member lock), from the server side. */
    private static int terminateControlSession(PostgresDatabase db) throws Exception {
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid))"
                        + " FROM pg_stat_activity a WHERE a.datname = current_database()"
                        + " AND a.application_name = 'jscontract-outbox victim control'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static PGSimpleDataSource dataSource(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url + (url.contains("?") ? "&" : "?") + "connectTimeout=2&loginTimeout=2");
        return ds;
    }

    /** Hands the relay's control session (opened by the control loop) the proxied data source, every other one the direct. */
    private static final class ControlSessionDataSource extends org.postgresql.ds.PGSimpleDataSource {
        private static final long serialVersionUID = 1L;
        private final transient javax.sql.DataSource direct;
        private final transient javax.sql.DataSource control;

        ControlSessionDataSource(javax.sql.DataSource direct, javax.sql.DataSource control) {
            this.direct = direct;
            this.control = control;
        }

        @Override
        public java.sql.Connection getConnection() throws java.sql.SQLException {
            boolean fromControlLoop = StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(
                            f -> f.getClassName().equals("dev.jscontract.outbox.internal.ControlLoop")));
            return (fromControlLoop ? control : direct).getConnection();
        }
    }

    private static Relay startRelay(
            NatsServer server, PostgresDatabase db, OutboxTables tables, String stream, String name) throws Exception {
        URI uri = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        TcpProxy proxy = TcpProxy.start(uri.getHost(), port);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.jdbcUrl().replace(uri.getHost() + ":" + port, "127.0.0.1:" + proxy.port())
                + (db.jdbcUrl().contains("?") ? "&" : "?") + "connectTimeout=2&loginTimeout=2");
        Connection nats = server.connect();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OutboxRelay relay = OutboxRelay.builder()
                .connection(nats)
                .dataSource(ds)
                .tables(tables)
                .streams(stream)
                .name(name)
                .rebalanceInterval(Duration.ofMillis(300))
                .dbNetworkTimeout(Duration.ofSeconds(2))
                .meterRegistry(registry)
                .build();
        relay.start();
        return new Relay(relay, proxy, nats, registry);
    }
}
