package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.inbox.Inbox;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.outbox.JacksonPayloadCodec;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.spring.boot.ContractListener;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.api.ConsumerInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.annotation.Transactional;

/**
 * The orders story as a whole Spring Boot application against a real nats-server and a real PostgreSQL: an order and
 * its outbox row commit in one transaction, the relay publishes the row, and the {@code @ContractListener} charges
 * each order exactly once through the inbox; a rollback leaves no row; a graceful stop leaves nothing to redeliver.
 */
@WithNatsServer
@WithPostgres
class OrdersApplicationIT {
    private static NatsServer nats;
    private static PostgresDatabase db;
    private static Connection admin;
    private static String stream;

    /** The order event. */
    public record Order(String id, int amount) {}

    /** Creates orders with their outbox rows, in one transaction. */
    public static class OrderService {
        private final JdbcTemplate jdbc;
        private final TransactionalOutboxWriter outbox;

        public OrderService(JdbcTemplate jdbc, TransactionalOutboxWriter outbox) {
            this.jdbc = jdbc;
            this.outbox = outbox;
        }

        @Transactional
        public void create(String id, int amount, boolean failAfterWrite) {
            jdbc.update("insert into orders (id, amount) values (?, ?)", id, amount);
            outbox.write(OutboxMessage.builder()
                    .subject(stream + ".created")
                    .payload(new Order(id, amount), JacksonPayloadCodec.defaults())
                    .messageId("order-" + id)
                    .orderingKey(id)
                    .build());
            if (failAfterWrite) {
                throw new IllegalStateException("payment provider refused " + id);
            }
        }
    }

    /** Charges each order once: the inbox row and the charge commit in the listener's transaction. */
    public static class Billing {
        static final AtomicInteger DUPLICATES = new AtomicInteger();
        static volatile long delayMillis;
        private final JdbcTemplate jdbc;
        private final DataSource dataSource;
        private final Inbox inbox = Inbox.create();

        public Billing(JdbcTemplate jdbc, DataSource dataSource) {
            this.jdbc = jdbc;
            this.dataSource = dataSource;
        }

        @ContractListener("billing")
        @Transactional
        public void charge(Order order, Message message) throws SQLException, InterruptedException {
            if (!inbox.record(DataSourceUtils.getConnection(dataSource), "billing", message)) {
                DUPLICATES.incrementAndGet();
                return;
            }
            jdbc.update("insert into charges (order_id, amount) values (?, ?)", order.id(), order.amount());
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OrdersApp {
        @Bean
        DataSource dataSource() {
            return db.dataSource();
        }

        @Bean
        ConsumerContract billing() {
            return Streams.contract(stream, "billing");
        }

        @Bean
        OrderService orderService(JdbcTemplate jdbc, TransactionalOutboxWriter outbox) {
            return new OrderService(jdbc, outbox);
        }

        @Bean
        Billing billingListener(JdbcTemplate jdbc, DataSource dataSource) {
            return new Billing(jdbc, dataSource);
        }
    }

    @BeforeAll
    static void setUp(NatsServer server, PostgresDatabase database) throws Exception {
        nats = server;
        db = database;
        admin = server.connect();
        stream = Streams.unique("ORDERS");
        Streams.create(admin, stream);
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        jdbc.execute("create table orders (id text primary key, amount int not null)");
        jdbc.execute("create table charges (order_id text primary key, amount int not null)");
        Inbox.create().install(db.dataSource());
    }

    @AfterAll
    static void tearDown() throws Exception {
        admin.close();
    }

    private static ConfigurableApplicationContext start(String... extra) {
        return new SpringApplicationBuilder(OrdersApp.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.consumer.pull-expiry=1s",
                        "jscontract.outbox.relay.enabled=true",
                        "jscontract.outbox.relay.streams=" + stream,
                        "spring.lifecycle.timeout-per-shutdown-phase=20s")
                .properties(extra)
                .run();
    }

    private static long count(String sql, Object... args) {
        Long n = new JdbcTemplate(db.dataSource()).queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    @Test
    void aTransactionThatRollsBackLeavesNoOutboxRowAndAWriteOutsideOneIsRefused() throws InterruptedException {
        try (ConfigurableApplicationContext context = start()) {
            OrderService orders = context.getBean(OrderService.class);
            assertThatThrownBy(() -> orders.create("rb-1", 10, true)).hasMessageContaining("refused rb-1");
            assertThat(count("select count(*) from orders where id = 'rb-1'")).isZero();
            assertThat(count("select count(*) from outbox where message_id = 'order-rb-1'"))
                    .as("the outbox row rolled back with the order")
                    .isZero();

            TransactionalOutboxWriter outbox = context.getBean(TransactionalOutboxWriter.class);
            assertThatThrownBy(() -> outbox.write(OutboxMessage.builder()
                            .subject(stream + ".created")
                            .payload(new byte[] {1})
                            .messageId("outside")
                            .build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outbox write outside a transaction")
                    .hasMessageContaining("never written in autocommit")
                    .hasMessageContaining("@Transactional");
            assertThat(count("select count(*) from outbox where message_id = 'outside'"))
                    .isZero();
            assertThat(context.getBean(OutboxRelayLifecycle.class).isRunning()).isTrue();

            // the auto-configurations the jars list (not picked by the test): exactly one health line applies
            Await.until(
                    "the consumers' and the relay's health UP",
                    Duration.ofSeconds(15),
                    () -> HealthProbe.of(context, "jscontractConsumersHealthIndicator")
                                    .status()
                                    .equals("UP")
                            && HealthProbe.of(context, "jscontractOutboxRelayHealthIndicator")
                                    .status()
                                    .equals("UP"));
        }
    }

    @Test
    void everyOrderIsChargedExactlyOnceAndAGracefulStopLeavesNothingToRedeliver() throws Exception {
        int total = 200;
        Billing.delayMillis = 50;
        int duplicatesBefore = Billing.DUPLICATES.get();
        try (ConfigurableApplicationContext context = start()) {
            OrderService orders = context.getBean(OrderService.class);
            for (int i = 0; i < total; i++) {
                orders.create("o-" + i, i, false);
            }
            Await.until(
                    "some orders charged",
                    Duration.ofSeconds(20),
                    () -> count("select count(*) from charges where order_id like 'o-%'") >= 10);
            assertThat(context.getBean(ContractConsumers.class)
                            .get("billing")
                            .orElseThrow()
                            .getInFlight())
                    .as("work is in flight when the application stops")
                    .isPositive();
        }
        ConsumerInfo afterStop = Streams.info(admin, stream, "billing");
        assertThat(afterStop.getNumAckPending())
                .as("the stop settled everything it had taken")
                .isZero();
        assertThat(afterStop.getRedelivered()).as("nothing was redelivered").isZero();

        Billing.delayMillis = 0;
        try (ConfigurableApplicationContext context = start()) {
            Await.until(
                    "all orders charged after the restart",
                    Duration.ofSeconds(30),
                    () -> count("select count(*) from charges where order_id like 'o-%'") == total);
        }
        assertThat(Billing.DUPLICATES.get() - duplicatesBefore)
                .as("no message reached the handler twice")
                .isZero();
        assertThat(count("select count(*) from outbox"))
                .as("every row published and removed")
                .isZero();
        assertThat(Streams.info(admin, stream, "billing").getRedelivered()).isZero();
    }
}
