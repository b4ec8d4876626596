package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The relay's health follows what happens to NATS: RECOVERING while the server is away (and RUNNING again after),
 * HALTED with the real cause when the connection is closed for good, with every relay thread ended rather than
 * spinning. The state is a gauge and an event too.
 */
@WithNatsServer
@WithPostgres
class RelayHealthIT {

    @Test
    void aServerOutageIsRecoveringAndAClosedConnectionHaltsTheRelay(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("health");
        OutboxSchema.install(db.dataSource(), tables, 2);
        String stream = OutboxTesting.streamName(tables.getTable());
        List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Connection nc = server.connect();
        OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
        try (OutboxRelay relay = OutboxRelay.builder()
                .connection(nc)
                .dataSource(db.dataSource())
                .tables(tables)
                .streams(stream)
                .name("health")
                .meterRegistry(registry)
                .listener(events::add)
                .idlePollInterval(Duration.ofSeconds(60))
                .build()) {
            assertThat(relay.getState()).isEqualTo(RelayState.NEW);
            relay.start();
            assertThat(relay.getState()).isEqualTo(RelayState.RUNNING);
            assertThat(gauge(registry, "running")).isEqualTo(1);
            // Not a synchronisation: the precondition. One second after its last rows the relay is idle and polls
            // only every idlePollInterval; an idle relay must notice the outage as fast as a busy one.
            Thread.sleep(1500);

            server.stop();
            OutboxTesting.await(
                    Duration.ofSeconds(10),
                    "RECOVERING while NATS is away",
                    () -> relay.getState() == RelayState.RECOVERING);
            assertThat(relay.getHealth().getCause()).contains(RelayHealth.Cause.NATS_DISCONNECTED);
            assertThat(gauge(registry, "recovering")).isEqualTo(1);
            write(db, tables, "during the outage");
            server.start();
            OutboxTesting.await(Duration.ofSeconds(20), "RUNNING again", () -> relay.getState() == RelayState.RUNNING);
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(10),
                    "the row written meanwhile published",
                    () -> OutboxTesting.readStream(nc, stream).size() == 1);

            nc.close();
            OutboxTesting.await(Duration.ofSeconds(10), "HALTED", () -> relay.getState() == RelayState.HALTED);
            RelayHealth health = relay.getHealth();
            assertThat(health.getCause()).contains(RelayHealth.Cause.NATS_CONNECTION_CLOSED);
            assertThat(health.getDetail()).contains("NATS connection is closed");
            assertThat(relay.getFailure()).isPresent();
            OutboxTesting.await(
                    Duration.ofSeconds(10),
                    "every relay thread ended",
                    () -> relay.isRunning() == false
                            && Thread.getAllStackTraces().keySet().stream()
                                    .noneMatch(t -> t.getName().startsWith("jsc-outbox-health-")));
            assertThat(gauge(registry, "halted")).isEqualTo(1);
            assertThat(events)
                    .filteredOn(OutboxRelayEvent.StateChanged.class::isInstance)
                    .extracting(e -> ((OutboxRelayEvent.StateChanged) e).to())
                    .containsSubsequence(
                            RelayState.RUNNING, RelayState.RECOVERING, RelayState.RUNNING, RelayState.HALTED);
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String state) {
        return registry.get("jscontract.outbox.state")
                .tag("state", state)
                .gauge()
                .value();
    }

    private static void write(PostgresDatabase db, OutboxTables tables, String payload) throws Exception {
        try (java.sql.Connection c = db.connection()) {
            OutboxWriter.builder()
                    .tables(tables)
                    .build()
                    .write(
                            c,
                            OutboxMessage.builder()
                                    .subject(tables.getTable() + ".e")
                                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                                    .build());
        }
    }
}
