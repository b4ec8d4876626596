package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The relay's health indicator (Boot 4) against a real nats-server and PostgreSQL. */
@WithNatsServer
@WithPostgres
class RelayHealthIT {
    private static NatsServer nats;
    private static PostgresDatabase db;
    private static Connection admin;
    private static String stream;

    @BeforeAll
    static void setUp(NatsServer server, PostgresDatabase database) throws Exception {
        nats = server;
        db = database;
        admin = server.connect();
        stream = Streams.unique("SB_RELAY_HEALTH");
        Streams.create(admin, stream);
    }

    @AfterAll
    static void tearDown() throws Exception {
        admin.close();
    }

    @Test
    void upWhileRelayingAndDownWhenTheOldestRowOutwaitsTheLagThreshold() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class,
                        JsContractOutboxAutoConfiguration.class,
                        HealthProbe.autoConfiguration()))
                .withBean(DataSource.class, () -> db.dataSource())
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.outbox.table=health_outbox",
                        "jscontract.outbox.relay.enabled=true",
                        "jscontract.outbox.relay.streams=" + stream,
                        "jscontract.outbox.relay.lag-threshold=200ms")
                .run(context -> {
                    HealthProbe health = HealthProbe.of(context, "jscontractOutboxRelayHealthIndicator");
                    Await.until("relay UP", Duration.ofSeconds(10), () -> health.status()
                            .equals("UP"));
                    assertThat(health.details())
                            .containsEntry("state", "running")
                            .containsEntry("parked", 0L)
                            .containsEntry("backlog", 0L);

                    OutboxWriter writer = OutboxWriter.builder()
                            .tables(context.getBean(OutboxTables.class))
                            .build();
                    write(writer, stream + ".first");
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    Await.until(
                            "the relay's meters in the application's registry",
                            Duration.ofSeconds(10),
                            () -> meters.find("jscontract.outbox.published").counters().stream()
                                            .mapToDouble(Counter::count)
                                            .sum()
                                    == 1);

                    context.getBean(OutboxRelayLifecycle.class).stop();
                    write(writer, stream + ".late");
                    Await.until("relay DOWN for lag", Duration.ofSeconds(5), () -> health.status()
                            .equals("DOWN"));
                    assertThat(health.details()).containsEntry("backlog", 1L);
                    assertThat((String) health.details().get("lagExceeded"))
                            .contains("jscontract.outbox.relay.lag-threshold=PT0.2S");
                });
    }

    private static void write(OutboxWriter writer, String subject) throws java.sql.SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            writer.write(
                    c,
                    OutboxMessage.builder()
                            .subject(subject)
                            .payload(new byte[] {1})
                            .build());
            c.commit();
        }
    }
}
