package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Operations: the xmin-horizon warning, the idle query rate, lifecycle, schema installation and the writer's lock. */
@WithNatsServer
@WithPostgres
class RelayOperationsIT {

    @Test
    void warnsWhenALongTransactionHoldsBackTheXminHorizon(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("xmin");
        OutboxSchema.install(db.dataSource(), tables, 2);
        List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection nc = server.connect();
                java.sql.Connection holder = db.connection()) {
            holder.setAutoCommit(false);
            int pid;
            try (Statement st = holder.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .statsInterval(Duration.ofMillis(200))
                    .longTransactionThreshold(Duration.ofSeconds(1))
                    .meterRegistry(registry)
                    .listener(events::add)
                    .build()) {
                relay.start();
                OutboxTesting.await(Duration.ofSeconds(15), "the xmin warning", () -> events.stream()
                        .anyMatch(e -> e instanceof OutboxRelayEvent.XminHorizonHeldBack));
                OutboxRelayEvent.XminHorizonHeldBack warning = events.stream()
                        .filter(e -> e instanceof OutboxRelayEvent.XminHorizonHeldBack)
                        .map(e -> (OutboxRelayEvent.XminHorizonHeldBack) e)
                        .findFirst()
                        .orElseThrow();
                assertThat(warning.pid()).isEqualTo(pid);
                assertThat(warning.transactionAge()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
                assertThat(warning.state()).isEqualTo("idle in transaction");
                assertThat(registry.get("jscontract.outbox.xmin.age")
                                .timeGauge()
                                .value(TimeUnit.SECONDS))
                        .isGreaterThanOrEqualTo(1.0);
                Thread.sleep(600);
                assertThat(events)
                        .as("one warning per transaction, not one per stats query")
                        .filteredOn(e -> e instanceof OutboxRelayEvent.XminHorizonHeldBack)
                        .hasSize(1);
            }
            holder.rollback();
        }
    }

    @Test
    void anIdleRelayIssuesAtMostOneQueryPerSecond(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("idle");
        OutboxSchema.install(db.dataSource(), tables, 4);
        AtomicLong statements = new AtomicLong();
        DataSource counting = counting(db.dataSource(), statements);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(counting)
                        .tables(tables)
                        .build()) {
            relay.start();
            OutboxTesting.await(
                    Duration.ofSeconds(10),
                    "partitions owned",
                    () -> relay.getOwnedPartitions().size() == 4);
            Thread.sleep(1000);
            long before = statements.get();
            Thread.sleep(10_000);
            long issued = statements.get() - before;
            // defaults: a rebalance every 2 s, stats every 10 s, a safety poll every 30 s
            assertThat(issued).as("statements in 10 idle seconds").isBetween(4L, 10L);
        }
    }

    @Test
    void closeHandsThePartitionsToAnotherRelayAtOnce(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("handover");
        OutboxSchema.install(db.dataSource(), tables, 6);
        try (Connection nc = server.connect()) {
            OutboxRelay a = relay(nc, db, tables, "a");
            OutboxRelay b = relay(nc, db, tables, "b");
            try {
                a.start();
                OutboxTesting.await(
                        Duration.ofSeconds(10),
                        "a owns all",
                        () -> a.getOwnedPartitions().size() == 6);
                b.start();
                OutboxTesting.await(
                        Duration.ofSeconds(10),
                        "a and b share",
                        () -> a.getOwnedPartitions().size() == 3
                                && b.getOwnedPartitions().size() == 3);
                assertThat(a.getOwnedPartitions()).doesNotContainAnyElementsOf(b.getOwnedPartitions());
                assertThatThrownBy(a::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("relay a is running; start() may be called once, on a new relay");
                a.close();
                assertThat(a.getOwnedPartitions()).isEmpty();
                OutboxTesting.await(
                        Duration.ofSeconds(3),
                        "b owns all",
                        () -> b.getOwnedPartitions().size() == 6);
                assertThatThrownBy(a::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("relay a is closed; start() may be called once, on a new relay");
                a.close(); // idempotent
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void refusesToStartWithoutTheSchema(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("missing");
        try (Connection nc = server.connect();
                OutboxRelay relay = relay(nc, db, tables, "m")) {
            assertThatThrownBy(relay::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the outbox schema is not installed: " + tables.qualifiedTable() + " "
                            + tables.qualifiedParkedTable() + " " + tables.qualifiedMetaTable() + " missing in"
                            + " database " + db.name() + ". Run OutboxSchema.install(dataSource) (with the same"
                            + " OutboxTables), or apply OutboxSchema.sql(tables, partitions) with your migration tool");
        }
    }

    @Test
    void installIsIdempotentAndThePartitionCountIsFixed(PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("install");
        OutboxSchema.install(db.dataSource(), tables, 8);
        OutboxSchema.install(db.dataSource(), tables, 8);
        assertThatThrownBy(() -> OutboxSchema.install(db.dataSource(), tables, 4))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(tables.qualifiedTable() + " is installed with 8 partitions but partitions(4) was requested;"
                        + " the partition count is fixed at install time. Use partitions(8), or drain the outbox and"
                        + " re-create it");
        assertThat(OutboxAdmin.create(db.dataSource(), tables).status().getPartitions())
                .isEqualTo(8);
    }

    @Test
    void worksInItsOwnSchemaWithCustomNames(NatsServer server, PostgresDatabase db) throws Exception {
        String schema = OutboxTesting.unique("s");
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        OutboxTables tables = OutboxTables.builder()
                .schema(schema)
                .table("events")
                .parkedTable("events_dead")
                .build();
        OutboxSchema.install(db.dataSource(), tables, 2);
        String stream = OutboxTesting.streamName(schema);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, schema, Duration.ofMinutes(2));
            try (java.sql.Connection c = db.connection()) {
                OutboxWriter.builder()
                        .tables(tables)
                        .build()
                        .write(
                                c,
                                OutboxMessage.builder()
                                        .subject(schema + ".e")
                                        .payload("x".getBytes(StandardCharsets.UTF_8))
                                        .header("Trace-Id", "t-1")
                                        .build());
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .build()) {
                relay.start();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(15),
                        "the message",
                        () -> OutboxTesting.readStream(nc, stream).size() == 1);
            }
            io.nats.client.api.MessageInfo m = nc.jetStreamManagement().getMessage(stream, 1);
            assertThat(m.getHeaders().getFirst("Trace-Id")).isEqualTo("t-1");
            assertThat(m.getHeaders().getFirst("Nats-Msg-Id")).startsWith("events:");
        }
    }

    @Test
    void rolledBackWritesLeaveNothingAndBatchIdsFollowListOrder(PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("writer");
        OutboxSchema.install(db.dataSource(), tables, 4);
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            writer.write(c, message("k", "a"));
            c.rollback();
            assertThat(OutboxTesting.count(db.dataSource(), tables.qualifiedTable()))
                    .isZero();
            long[] ids = writer.writeAll(c, List.of(message("k", "1"), message(null, "2"), message("j", "3")));
            c.commit();
            assertThat(ids).hasSize(3).isSorted();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, convert_from(payload, 'UTF8'), ordering_key, partition"
                            + " FROM " + tables.qualifiedTable() + " ORDER BY id")) {
                for (int i = 0; i < 3; i++) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(ids[i]);
                    assertThat(rs.getString(2)).isEqualTo(String.valueOf(i + 1));
                    assertThat(rs.getInt(4)).isBetween(0, 3);
                }
            }
            c.commit();
            assertThat(writer.writeAll(c, List.of())).isEmpty();
        }
    }

    @Test
    void theWriterSerializesTransactionsOfOneKeyUntilCommit(PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("lock");
        OutboxSchema.install(db.dataSource(), tables, 4);
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        try (java.sql.Connection first = db.connection();
                java.sql.Connection second = db.connection();
                java.sql.Connection third = db.connection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            third.setAutoCommit(false);
            long firstId = writer.write(first, message("order-1", "first"));
            CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    long id = writer.write(second, message("order-1", "second"));
                    second.commit();
                    return id;
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            // another key does not wait
            writer.write(third, message("order-2", "other"));
            third.commit();
            Thread.sleep(300);
            assertThat(blocked)
                    .as("the second writer of order-1 waits for the first to commit")
                    .isNotDone();
            first.commit();
            long secondId = blocked.get(10, TimeUnit.SECONDS);
            assertThat(secondId).as("ids of one key follow commit order").isGreaterThan(firstId);
        }
    }

    private static OutboxMessage message(String key, String payload) {
        OutboxMessage.Builder b =
                OutboxMessage.builder().subject("a.b").payload(payload.getBytes(StandardCharsets.UTF_8));
        return key == null ? b.build() : b.orderingKey(key).build();
    }

    private static OutboxRelay relay(Connection nc, PostgresDatabase db, OutboxTables tables, String name) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(db.dataSource())
                .tables(tables)
                .name(name)
                .rebalanceInterval(Duration.ofMillis(200))
                .build();
    }

    /** A data source whose statements count their executions; everything else goes to the real objects. */
    private static DataSource counting(DataSource real, AtomicLong executions) {
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, args) -> {
                    Object result = invoke(real, m, args);
                    return m.getName().equals("getConnection")
                            ? wrap((java.sql.Connection) result, java.sql.Connection.class, executions)
                            : result;
                });
    }

    private static <T> T wrap(T real, Class<T> type, AtomicLong executions) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            Object result = invoke(real, m, args);
            String name = m.getName();
            if (name.startsWith("execute")) {
                executions.incrementAndGet();
            }
            if (result instanceof java.sql.PreparedStatement) {
                return wrap((java.sql.PreparedStatement) result, java.sql.PreparedStatement.class, executions);
            }
            if (result instanceof Statement) {
                return wrap((Statement) result, Statement.class, executions);
            }
            return result;
        }));
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
