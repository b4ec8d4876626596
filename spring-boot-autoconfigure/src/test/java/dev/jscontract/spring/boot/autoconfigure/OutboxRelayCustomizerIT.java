package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.spring.boot.OutboxRelayCustomizer;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link OutboxRelayCustomizer} beans against a real nats-server and PostgreSQL (table mode). */
@WithNatsServer
@WithPostgres
class OutboxRelayCustomizerIT {
    private static final List<String> CALLS = new CopyOnWriteArrayList<>();
    private static final List<String> PUBLISHED = new CopyOnWriteArrayList<>();

    private static NatsServer nats;
    private static PostgresDatabase db;
    private static Connection admin;
    private static String stream;

    @BeforeAll
    static void setUp(NatsServer server, PostgresDatabase database) throws Exception {
        nats = server;
        db = database;
        admin = server.connect();
        stream = Streams.unique("SB_RELAY_CUSTOM");
        Streams.create(admin, stream);
    }

    @AfterAll
    static void tearDown() throws Exception {
        admin.close();
    }

    /** Declared in the opposite of their order, so that the order can only come from {@code @Order}. */
    @Configuration(proxyBeanMethods = false)
    static class Customizers {
        @Bean
        @Order(2)
        OutboxRelayCustomizer listening() {
            return builder -> {
                CALLS.add("listening");
                builder.listener(event -> {
                    if (event instanceof OutboxRelayEvent.BatchPublished batch) {
                        batch.rows().forEach(r -> PUBLISHED.add(r.messageId()));
                    }
                });
            };
        }

        @Bean
        @Order(1)
        OutboxRelayCustomizer tuning() {
            return builder -> {
                CALLS.add("tuning");
                builder.publishTimeout(Duration.ofSeconds(2)).retryHorizon(Duration.ofMinutes(7));
            };
        }
    }

    private static ApplicationContextRunner runner(String table) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class, JsContractOutboxAutoConfiguration.class))
                .withBean(DataSource.class, () -> db.dataSource())
                .withPropertyValues(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.outbox.table=" + table,
                        "jscontract.outbox.relay.enabled=true",
                        "jscontract.outbox.relay.streams=" + stream);
    }

    @Test
    void customizersTuneTheRelayInTheirOrderBeforeItIsBuilt() {
        CALLS.clear();
        PUBLISHED.clear();
        runner("custom_outbox")
                .withUserConfiguration(Customizers.class)
                .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(db.dataSource()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(CALLS).containsExactly("tuning", "listening");
                    OutboxRelay relay =
                            context.getBean(OutboxRelayLifecycle.class).getRelay();
                    assertThat(relay.getRetryHorizon()).isEqualTo(Duration.ofMinutes(7));
                    assertThat(relay.getTables()).isEqualTo(context.getBean(OutboxTables.class));

                    TransactionalOutboxWriter writer = context.getBean(TransactionalOutboxWriter.class);
                    new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
                            .executeWithoutResult(status -> writer.write(OutboxMessage.builder()
                                    .subject(stream + ".created")
                                    .payload(new byte[] {1})
                                    .messageId("custom-1")
                                    .build()));
                    Await.until(
                            "the customizer's listener to see the row published",
                            Duration.ofSeconds(10),
                            () -> PUBLISHED.contains("custom-1"));
                    assertThat(PUBLISHED).containsExactly("custom-1");
                });
    }

    @Test
    void aCustomizerSettingWhatTheStarterSetFailsTheStartNamingIt() {
        runner("custom_twice_outbox")
                .withBean(OutboxRelayCustomizer.class, () -> builder -> builder.tables(OutboxTables.defaults()))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("OutboxRelayCustomizer " + OutboxRelayCustomizerIT.class.getName())
                            .hasStackTraceContaining("tables")
                            .hasStackTraceContaining("each may be set once");
                });
    }
}
