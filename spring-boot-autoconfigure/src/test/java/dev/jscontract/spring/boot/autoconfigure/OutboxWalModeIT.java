package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.WalSettings;
import dev.jscontract.spring.boot.OutboxRelayCustomizer;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code jscontract.outbox.mode=wal} against a real nats-server and a PostgreSQL of the class's own with {@code
 * wal_level=logical} (the shared server usually runs with {@code replica}): the schema install, the writer and the
 * relay all switch to the WAL, a committed transaction reaches JetStream, and a rolled-back one leaves nothing.
 */
@WithNatsServer
@WithPrivatePostgres
class OutboxWalModeIT {
    private static NatsServer nats;
    private static PrivatePostgres pg;
    private static Connection admin;
    private static String stream;

    @BeforeAll
    static void setUp(NatsServer server, PrivatePostgres postgres) throws Exception {
        nats = server;
        pg = postgres;
        admin = server.connect();
        stream = Streams.unique("SB_WAL");
        Streams.create(admin, stream);
        new JdbcTemplate(pg.dataSource()).execute("create table wal_orders (id text primary key)");
    }

    @AfterAll
    static void tearDown() throws Exception {
        admin.close();
    }

    private static ApplicationContextRunner runner(String slot) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class, JsContractOutboxAutoConfiguration.class))
                .withBean(DataSource.class, () -> pg.dataSource())
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(pg.dataSource()))
                .withPropertyValues(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.outbox.mode=wal",
                        "jscontract.outbox.table=" + slot,
                        "jscontract.outbox.wal.slot=" + slot,
                        "jscontract.outbox.wal.publication=" + slot + "_pub",
                        "jscontract.outbox.wal.prefix=" + slot + ".events",
                        "jscontract.outbox.wal.takeover-interval=200ms",
                        "jscontract.outbox.wal.status-interval=100ms",
                        "jscontract.outbox.relay.enabled=true",
                        "jscontract.outbox.relay.streams=" + stream);
    }

    private static OutboxMessage event(String id) {
        return OutboxMessage.builder()
                .subject(stream + ".created")
                .payload(id.getBytes(StandardCharsets.UTF_8))
                .messageId(id)
                .orderingKey(id)
                .build();
    }

    @Test
    void aCommittedTransactionReachesJetStreamThroughTheWalAndARollbackLeavesNothing() {
        runner("spring_wal").run(context -> {
            assertThat(context).hasNotFailed();
            JdbcTemplate jdbc = new JdbcTemplate(pg.dataSource());
            TransactionalOutboxWriter writer = context.getBean(TransactionalOutboxWriter.class);
            OutboxRelay relay = context.getBean(OutboxRelayLifecycle.class).getRelay();
            WalSettings wal = relay.getWal();
            assertThat(wal).isNotNull();
            assertThat(writer.getWriter().getWal())
                    .as("writer and relay share the settings")
                    .isEqualTo(wal);
            assertThat(wal.getSlot()).isEqualTo("spring_wal");
            assertThat(wal.getPrefix()).isEqualTo("spring_wal.events");
            assertThat(wal.getStatusInterval()).isEqualTo(Duration.ofMillis(100));
            // the schema initializer ran installWal: publication and emit function
            assertThat(jdbc.queryForObject(
                            "select count(*) from pg_publication where pubname = 'spring_wal_pub'", Integer.class))
                    .isEqualTo(1);
            assertThat(jdbc.queryForObject(
                            "select count(*) from pg_proc where proname = 'spring_wal_emit'", Integer.class))
                    .isEqualTo(1);
            Await.until("the relay to stream from its slot", Duration.ofSeconds(20), () -> relay.getOwnedPartitions()
                    .equals(Set.of(0)));

            TransactionTemplate tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
            tx.executeWithoutResult(status -> {
                jdbc.update("insert into wal_orders (id) values ('o-1')");
                writer.write(event("o-1"));
            });
            assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
                        jdbc.update("insert into wal_orders (id) values ('o-2')");
                        writer.write(event("o-2"));
                        throw new IllegalStateException("payment refused");
                    }))
                    .hasMessage("payment refused");
            assertThatThrownBy(() -> writer.write(event("o-3")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outside a transaction");
            // events reach the stream in commit order: once this later one is in, nothing before it is on its way
            tx.executeWithoutResult(status -> writer.write(event("marker")));

            JetStreamManagement jsm = admin.jetStreamManagement();
            Await.until("the marker in the stream", Duration.ofSeconds(20), () -> messageIds(jsm)
                    .contains("marker"));
            assertThat(messageIds(jsm)).containsExactly("o-1", "marker");
            assertThat(jdbc.queryForList("select id from wal_orders", String.class))
                    .containsExactly("o-1");
            assertThat(jdbc.queryForObject("select count(*) from spring_wal", Integer.class))
                    .as("no outbox row in WAL mode")
                    .isZero();
            assertThat(jdbc.queryForObject(
                            "select count(*) from pg_replication_slots where slot_name = 'spring_wal'", Integer.class))
                    .isEqualTo(1);
        });
    }

    @Test
    void aCustomizerSettingATableModeOptionFailsTheStartNamingIt() {
        runner("spring_wal_custom")
                .withBean(OutboxRelayCustomizer.class, () -> builder -> builder.batchSize(100))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("OutboxRelayCustomizer")
                            .hasStackTraceContaining("batchSize belongs to the table mode");
                });
    }

    private static List<String> messageIds(JetStreamManagement jsm) {
        try {
            long last = jsm.getStreamInfo(stream).getStreamState().getLastSequence();
            List<String> ids = new ArrayList<>();
            for (long seq = 1; seq <= last; seq++) {
                MessageInfo m = jsm.getMessage(stream, seq);
                ids.add(m.getHeaders().getFirst("Nats-Msg-Id"));
            }
            return ids;
        } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }
}
