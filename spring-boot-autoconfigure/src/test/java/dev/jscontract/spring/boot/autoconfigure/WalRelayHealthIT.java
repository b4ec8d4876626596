package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.nats.client.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay's health indicator in WAL mode ({@code jscontract.outbox.mode=wal}) against a real nats-server and a
 * PostgreSQL of the class's own with {@code wal_level=logical}: the backlog waits in the replication slot, not in the
 * table, so the indicator reads the slot. Runs on Boot 4 here and on Boot 3.5 in {@code spring-boot-boot3-tests}.
 */
@WithNatsServer
@WithPrivatePostgres
class WalRelayHealthIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayHealthIT.class);
    private static final long ONE_MB = 1024 * 1024;

    private static NatsServer nats;
    private static PrivatePostgres pg;
    private static Connection admin;
    private static String stream;

    @BeforeAll
    static void setUp(NatsServer server, PrivatePostgres postgres) throws Exception {
        nats = server;
        pg = postgres;
        admin = server.connect();
        stream = Streams.unique("SB_WAL_HEALTH");
        Streams.create(admin, stream);
    }

    @AfterAll
    static void tearDown() throws Exception {
        admin.close();
    }

    private static ApplicationContextRunner runner(String slot) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class,
                        JsContractOutboxAutoConfiguration.class,
                        HealthProbe.autoConfiguration()))
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
                        "jscontract.outbox.relay.streams=" + stream,
                        // the table mode's threshold must play no part: nothing waits in the table
                        "jscontract.outbox.relay.lag-threshold=1ms");
    }

    @Test
    void upWithTheSlotWhileRelayingAndDownWhenTheSlotLagsBeyondTheWalLagThreshold() {
        runner("health_wal_lag")
                .withPropertyValues("jscontract.outbox.relay.wal-lag-threshold=1MB")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HealthProbe health = HealthProbe.of(context, "jscontractOutboxRelayHealthIndicator");
                    TransactionalOutboxWriter writer = context.getBean(TransactionalOutboxWriter.class);
                    TransactionTemplate tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
                    tx.executeWithoutResult(status -> writer.write(event("first", 16)));
                    Await.until("the first event in the stream", Duration.ofSeconds(20), () -> streamCount() == 1);
                    Await.until("relay UP with an active slot", Duration.ofSeconds(10), () -> {
                        HealthProbe.Reading r = health.read();
                        return r.status().equals("UP")
                                && Boolean.TRUE.equals(r.details().get("active"));
                    });
                    Map<String, Object> up = health.details();
                    LOG.info("relaying: {}", up);
                    assertThat(up)
                            .containsEntry("state", "running")
                            .containsEntry("slot", "health_wal_lag")
                            .containsEntry("walStatus", "reserved")
                            .containsEntry("walLagThreshold", "1MB")
                            .containsEntry("parked", 0L)
                            .containsKeys("retainedBytes", "confirmedLsn")
                            .as("the table's backlog and age say nothing in WAL mode")
                            .doesNotContainKeys("backlog", "lag", "lagThreshold", "lagExceeded");
                    assertThat((Long) up.get("lagBytes")).isBetween(0L, ONE_MB);

                    // no relay confirms: every event written now stays behind the slot's confirmed position
                    context.getBean(OutboxRelayLifecycle.class).stop();
                    for (int i = 0; i < 24; i++) {
                        String id = "late-" + i;
                        tx.executeWithoutResult(status -> writer.write(event(id, 64 * 1024)));
                    }
                    Await.until("relay DOWN for the slot's lag", Duration.ofSeconds(10), () -> health.status()
                            .equals("DOWN"));
                    Map<String, Object> down = health.details();
                    LOG.info("not relaying: {}", down);
                    assertThat(down)
                            .containsEntry("state", "closed")
                            .containsEntry("active", false)
                            .containsEntry("walStatus", "reserved");
                    assertThat((Long) down.get("lagBytes"))
                            .as("24 events of 64 KiB")
                            .isGreaterThan(ONE_MB);
                    assertThat((String) down.get("lagExceeded"))
                            .startsWith("replication slot health_wal_lag lags " + down.get("lagBytes") + " bytes")
                            .contains("over jscontract.outbox.relay.wal-lag-threshold=1MB");
                    assertThat(streamCount())
                            .as("nothing relayed after the stop")
                            .isEqualTo(1);
                });
    }

    @Test
    void downWhenTheSlotLostItsWalAndWhenTheSlotIsMissing() {
        runner("health_wal_lost").run(context -> {
            assertThat(context).hasNotFailed();
            HealthProbe health = HealthProbe.of(context, "jscontractOutboxRelayHealthIndicator");
            Await.until(
                    "relay UP", Duration.ofSeconds(20), () -> health.status().equals("UP"));
            assertThat(health.details()).as("the default threshold").containsEntry("walLagThreshold", "1GB");
            // stopped, the relay is OUT_OF_SERVICE: only the slot can make it DOWN
            context.getBean(OutboxRelayLifecycle.class).stop();
            assertThat(health.status()).isEqualTo("OUT_OF_SERVICE");
            try {
                setSystem("max_slot_wal_keep_size", "'1MB'");
                invalidate("health_wal_lost");
            } finally {
                setSystem("max_slot_wal_keep_size", "DEFAULT");
            }
            HealthProbe.Reading lost = health.read();
            LOG.info("WAL lost: {}", lost);
            assertThat(lost.status()).isEqualTo("DOWN");
            assertThat(lost.details()).containsEntry("walStatus", "lost").doesNotContainKey("lagExceeded");
            assertThat((String) lost.details().get("walLost"))
                    .startsWith("replication slot health_wal_lost lost WAL to max_slot_wal_keep_size")
                    .contains("events written after its confirmed position were not relayed");

            new JdbcTemplate(pg.dataSource()).execute("SELECT pg_drop_replication_slot('health_wal_lost')");
            HealthProbe.Reading missing = health.read();
            LOG.info("slot missing: {}", missing);
            assertThat(missing.status()).isEqualTo("DOWN");
            assertThat(missing.details())
                    .containsEntry("slot", "health_wal_lost")
                    .doesNotContainKeys("active", "lagBytes", "walStatus");
            assertThat((String) missing.details().get("slotMissing"))
                    .startsWith("replication slot health_wal_lost does not exist");
        });
    }

    @Test
    void aWalLagThresholdThatIsNotPositiveFailsTheStartNamingTheProperty() {
        runner("health_wal_zero")
                .withPropertyValues("jscontract.outbox.relay.wal-lag-threshold=0B")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("jscontract.outbox.relay.wal-lag-threshold")
                            .hasStackTraceContaining("must be a positive size, e.g. 1GB");
                });
    }

    private static OutboxMessage event(String id, int size) {
        byte[] payload = new byte[size];
        new Random(id.hashCode()).nextBytes(payload);
        return OutboxMessage.builder()
                .subject(stream + ".created")
                .payload(payload)
                .messageId(id)
                .orderingKey(id)
                .build();
    }

    private static long streamCount() {
        try {
            return admin.jetStreamManagement()
                    .getStreamInfo(stream)
                    .getStreamState()
                    .getMsgCount();
        } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void setSystem(String name, String value) throws Exception {
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET " + name + " = " + value);
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /** Writes WAL past {@code max_slot_wal_keep_size} and checkpoints until PostgreSQL invalidates the slot. */
    private static void invalidate(String slot) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(pg.dataSource());
        jdbc.execute("CREATE TABLE " + slot + "_filler (id int, filler text)");
        for (int round = 0; round < 20; round++) {
            jdbc.execute("INSERT INTO " + slot + "_filler SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g");
            jdbc.execute("SELECT pg_switch_wal()");
            jdbc.execute("CHECKPOINT");
            String status = jdbc.queryForObject(
                    "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?", String.class, slot);
            LOG.info("round {}: slot {} wal_status {}", round, slot, status);
            if ("lost".equals(status)) {
                return;
            }
        }
        throw new AssertionError("slot " + slot + " was not invalidated after 20 rounds of WAL");
    }
}
