package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a crash between PubAck and delete leaves behind, on every server version: rows the stream already stored are
 * published again with the same message id; each server answers "duplicate" (B-22, PUB-003) and the relay deletes the
 * row and counts a duplicate ack, so the stream keeps one copy.
 */
@NatsServerMatrix
@WithNatsServer
@WithPostgres
class DuplicateAcksIT {

    @Test
    void rowsStoredBeforeACrashBecomeDuplicateAcks(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("dups");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String stream = OutboxTesting.streamName(tables.getTable());
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            List<OutboxMessage> messages = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                messages.add(OutboxMessage.builder()
                        .subject(tables.getTable() + ".e")
                        .payload(("p" + i).getBytes(StandardCharsets.UTF_8))
                        .orderingKey("k" + (i % 5))
                        .build());
            }
            long[] ids;
            try (java.sql.Connection c = db.connection()) {
                c.setAutoCommit(false);
                ids = writer.writeAll(c, messages);
                c.commit();
            }
            // A relay that died after publishing the first 40 rows and before deleting them: same ids it derives.
            String installId;
            try (java.sql.Connection c = db.connection();
                    java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT install_id FROM " + tables.qualifiedMetaTable())) {
                rs.next();
                installId = rs.getString(1);
            }
            JetStream js = nc.jetStream();
            for (int i = 0; i < 40; i++) {
                Headers h = new Headers();
                h.put(NatsJetStreamConstants.MSG_ID_HDR, tables.getTable() + ":" + installId + ":" + ids[i]);
                PublishAck ack =
                        js.publish(tables.getTable() + ".e", h, messages.get(i).getPayload());
                assertThat(ack.isDuplicate()).isFalse();
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .meterRegistry(registry)
                    .build()) {
                relay.start();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "the outbox to drain",
                        () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
                // read before close(): the relay removes its meters from the registry when it closes
                assertThat(registry.get("jscontract.outbox.published")
                                .tag("outcome", "duplicate")
                                .counter()
                                .count())
                        .isEqualTo(40.0);
                assertThat(registry.get("jscontract.outbox.published")
                                .tag("outcome", "stored")
                                .counter()
                                .count())
                        .isEqualTo(60.0);
            }
            assertThat(registry.getMeters()).isEmpty();
            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
            assertThat(stored).hasSize(100);
            OutboxTesting.assertEachIdOnce(stored);
            assertThat(stored.stream().map(OutboxTesting.Stored::payload).toList())
                    .as("stored once each, in row order")
                    .containsExactlyElementsOf(messages.stream()
                            .map(m -> new String(m.getPayload(), StandardCharsets.UTF_8))
                            .toList());
        }
    }
}
