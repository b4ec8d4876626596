package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.outbox.WalSettings;
import dev.jscontract.outbox.WalSlot;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.nats.client.Connection;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code jscontract outbox status} shows a WAL-mode relay's replication slot: streaming while a relay reads it, and
 * the WAL it keeps once no relay does (a private PostgreSQL with {@code wal_level=logical}).
 */
@WithNatsServer
@WithPrivatePostgres
class OutboxWalStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void statusShowsTheSlotActiveThenTheWalItKeeps(NatsServer server, PrivatePostgres pg) throws Exception {
        String t = "cli_wal_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        OutboxTables tables = OutboxTables.builder().table(t).build();
        WalSettings wal = WalSettings.builder()
                .slot(t)
                .publication(t)
                .prefix(t)
                .takeoverInterval(Duration.ofMillis(200))
                .statusInterval(Duration.ofMillis(100))
                .build();
        OutboxSchema.installWal(pg.dataSource(), tables, wal);
        OutboxAdmin admin = OutboxAdmin.create(pg.dataSource(), tables);
        CliRun cli = CliRun.isolated().env("JSCONTRACT_JDBC_URL", pg.jdbcUrl());
        assertThat(admin.walSlot(t)).isEmpty();
        assertThat(cli.run("outbox", "status", "--table", t, "--slot", t).out())
                .contains("WAL slot " + t + ": no such replication slot (a WAL-mode relay creates it at start)\n");
        assertThat(cli.run("outbox", "status", "--table", t).out())
                .as("the default slot is shown only when it exists")
                .doesNotContain("WAL slot");

        try (Connection nc = server.connect()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(t.toUpperCase(Locale.ROOT))
                            .subjects(t + ".>")
                            .storageType(StorageType.Memory)
                            .build());
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(pg.dataSource())
                    .tables(tables)
                    .wal(wal)
                    .streams(t.toUpperCase(Locale.ROOT))
                    .build()) {
                relay.start();
                DeadLetters.await("the relay streams from its slot", Duration.ofSeconds(20), () -> slot(admin, t)
                        .map(WalSlot::isActive)
                        .orElse(false));
                CliRun.Result active = cli.run("outbox", "status", "--table", t, "--slot", t);
                assertThat(active.code()).as(active.toString()).isZero();
                assertThat(active.out()).containsPattern("WAL slot " + t + ": streaming to a relay \\(pid \\d+\\)\n");
            }
        }
        DeadLetters.await("the slot is released", Duration.ofSeconds(20), () -> slot(admin, t)
                .map(s -> !s.isActive())
                .orElse(false));
        try (java.sql.Connection c = pg.connection()) {
            c.setAutoCommit(false);
            OutboxWriter.builder()
                    .wal(wal)
                    .build()
                    .write(
                            c,
                            OutboxMessage.builder()
                                    .subject(t + ".created")
                                    .payload("{}".getBytes(StandardCharsets.UTF_8))
                                    .build());
            c.commit();
        }
        WalSlot idle = admin.walSlot(t).orElseThrow();
        assertThat(idle.getLagBytes())
                .as("an event written while no relay reads")
                .isPositive();
        assertThat(idle.getRetainedBytes()).isGreaterThanOrEqualTo(idle.getLagBytes());
        CliRun.Result text = cli.run("outbox", "status", "--table", t, "--slot", t);
        assertThat(text.out())
                .contains("WAL slot " + t + ": no relay reads it: it keeps WAL until one does\n")
                .containsPattern("  confirmed  [0-9A-F]+/[0-9A-F]+\n")
                .containsPattern("  lag        [0-9.]+ (B|KiB|MiB) of WAL not yet published\n")
                .containsPattern("  retained   [0-9.]+ (B|KiB|MiB) of WAL kept for the slot\n");
        JsonNode json = JSON.readTree(
                cli.run("outbox", "status", "--table", t, "--slot", t, "--json").out());
        assertThat(json.get("walSlot").get("name").asText()).isEqualTo(t);
        assertThat(json.get("walSlot").get("active").asBoolean()).isFalse();
        assertThat(json.get("walSlot").get("lagBytes").asLong()).isPositive();
    }

    private static Optional<WalSlot> slot(OutboxAdmin admin, String name) {
        try {
            return admin.walSlot(name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
