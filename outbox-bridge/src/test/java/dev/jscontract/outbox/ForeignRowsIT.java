package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.api.MessageInfo;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Rows written by something other than {@link OutboxWriter}: a service in another language, or an operator with psql.
 * The schema's {@code <outbox>_write} function writes correct rows (ordering-key lock included), and a row with
 * headers no NATS message can carry is parked at once (retrying cannot fix it), listed by {@link OutboxAdmin} with
 * its headers as text, and can be re-queued after it is repaired.
 */
@WithNatsServer
@WithPostgres
class ForeignRowsIT {

    @Test
    void theSqlWriteFunctionWritesRowsTheRelayPublishesWithHeadersAndKeyOrder(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("foreign");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String t = tables.getTable();
        String stream = OutboxTesting.streamName(t);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, t, Duration.ofMinutes(2));
            try (java.sql.Connection c = db.connection();
                    PreparedStatement write =
                            c.prepareStatement("SELECT " + tables.qualifiedTable() + "_write(?, ?, ?::jsonb, ?, ?)")) {
                c.setAutoCommit(false);
                for (int i = 1; i <= 3; i++) {
                    write.setString(1, t + ".e");
                    write.setBytes(2, ("payload-" + i).getBytes(StandardCharsets.UTF_8));
                    write.setString(3, "{\"Trace-Id\": [\"t-" + i + "\"], \"Tenant\": \"acme\"}");
                    write.setString(4, i == 1 ? "foreign-1" : null);
                    write.setString(5, "order-42");
                    try (ResultSet rs = write.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getLong(1)).as("the new row's id").isPositive();
                    }
                }
                c.commit();
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
                        "three rows published",
                        () -> OutboxTesting.readStream(nc, stream).size() == 3);
            }
            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
            assertThat(stored)
                    .extracting(OutboxTesting.Stored::payload)
                    .containsExactly("payload-1", "payload-2", "payload-3");
            assertThat(stored.get(0).messageId()).isEqualTo("foreign-1");
            assertThat(stored.get(1).messageId()).as("derived from the row id").isNotBlank();
            MessageInfo first =
                    nc.jetStreamManagement().getMessage(stream, stored.get(0).sequence());
            assertThat(first.getHeaders().getFirst("Trace-Id")).isEqualTo("t-1");
            assertThat(first.getHeaders().getFirst("Tenant")).isEqualTo("acme");
        }
    }

    @Test
    void aRowWithMalformedHeadersIsParkedAtOnceListedAsTextAndRequeuedOnceRepaired(
            NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("badhdr");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String t = tables.getTable();
        String stream = OutboxTesting.streamName(t);
        List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, t, Duration.ofMinutes(2));
            try (java.sql.Connection c = db.connection();
                    Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + tables.qualifiedTable() + " (subject, message_id, headers, payload)"
                        + " VALUES ('" + t + ".e', 'bad-headers', '{\"X-Bad\": 42}', 'x'),"
                        + " ('" + t + ".e', 'good', NULL, 'y')");
            }
            OutboxAdmin admin = OutboxAdmin.create(db.dataSource(), tables);
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .listener(events::add)
                    .build()) {
                relay.start();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(10),
                        "the bad row parked",
                        () -> admin.status().getParked() == 1);
                List<ParkedRow> parked = admin.parked(10);
                assertThat(parked).singleElement().satisfies(p -> {
                    assertThat(p.getMessageId()).isEqualTo("bad-headers");
                    assertThat(p.getAttempts())
                            .as("parked at its first attempt")
                            .isEqualTo(1);
                    assertThat(p.getReason()).isEqualTo("invalid");
                    assertThat(p.getError()).contains("headers").contains("{\"Name\": [\"value\"]}");
                    assertThat(p.getHeadersJson()).contains("{\"X-Bad\": 42}");
                    assertThat(p.hasValidHeaders()).isFalse();
                    assertThat(p.getHeaders()).isEmpty();
                });
                assertThat(events)
                        .filteredOn(e -> e instanceof OutboxRelayEvent.RowRetryScheduled)
                        .as("no retry for a row that cannot succeed")
                        .isEmpty();

                try (java.sql.Connection c = db.connection();
                        Statement st = c.createStatement()) {
                    st.execute("UPDATE " + tables.qualifiedParkedTable()
                            + " SET headers = '{\"X-Bad\": [\"42\"]}' WHERE message_id = 'bad-headers'");
                }
                assertThat(admin.parked(10).get(0).getHeaders()).isEqualTo(Map.of("X-Bad", List.of("42")));
                assertThat(admin.requeueAll()).isEqualTo(1);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(10),
                        "both rows published",
                        () -> OutboxTesting.readStream(nc, stream).size() == 2);
            }
        }
    }
}
