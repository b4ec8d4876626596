package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Poison rows (no stream for the subject, a payload over the server's max_payload, a payload the stream rejects) are
 * retried with backoff and parked with the reason after the configured attempts; rows of other keys flow meanwhile,
 * the poisoned key's later rows wait for it, and a parked row can be re-queued.
 */
@WithNatsServer(config = "max_payload: 65536")
@WithPostgres
class PoisonRowsIT {

    @Test
    void parksPoisonRowsWithoutStallingOtherKeysAndRequeues(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("poison");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String t = tables.getTable();
        String stream = OutboxTesting.streamName(t);
        String small = OutboxTesting.streamName(t + "_small");
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, t, Duration.ofMinutes(2));
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(small)
                            .subjects(t + "_small.>")
                            .storageType(StorageType.File)
                            .maximumMessageSize(1000)
                            .build());
            List<OutboxMessage> first = new ArrayList<>();
            first.add(message(t + "_missing.e", "poison", "bad")
                    .messageId("poison-no-stream")
                    .build());
            first.add(OutboxMessage.builder()
                    .subject(t + ".big")
                    .payload(new byte[100_000])
                    .messageId("poison-too-big")
                    .build());
            first.add(OutboxMessage.builder()
                    .subject(t + "_small.e")
                    .payload(new byte[2000])
                    .messageId("poison-rejected")
                    .build());
            for (int i = 0; i < 100; i++) {
                first.add(message(t + ".e", "good-" + i, "good-" + (i % 20)).build());
            }
            // Written after the poison row's first failure: its key's rows must wait for it, other keys must not.
            List<OutboxMessage> second = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                second.add(message(t + ".e", "bad-" + i, "bad").build());
            }
            for (int i = 100; i < 200; i++) {
                second.add(message(t + ".e", "good-" + i, "good-" + (i % 20)).build());
            }
            OutboxAdmin admin = OutboxAdmin.create(db.dataSource(), tables);
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream, small)
                    .maxAttempts(3)
                    .retryBackoff(RetryBackoff.fixed(Duration.ofSeconds(1)))
                    .meterRegistry(registry)
                    .listener(events::add)
                    .listener(e -> {
                        if (e instanceof OutboxRelayEvent.RowParked) {
                            throw new IllegalStateException("a listener that fails on every parked row");
                        }
                    })
                    .build()) {
                write(db, writer, first);
                relay.start();
                OutboxTesting.await(Duration.ofSeconds(30), "the poison row's first failure", () -> events.stream()
                        .anyMatch(e -> e instanceof OutboxRelayEvent.RowRetryScheduled
                                && ((OutboxRelayEvent.RowRetryScheduled) e)
                                        .messageId()
                                        .equals("poison-no-stream")));
                write(db, writer, second);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "three parked rows",
                        () -> admin.status().getParked() == 3);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "the outbox to drain",
                        () -> admin.status().getBacklog() == 0);

                List<ParkedRow> parked = admin.parked(10);
                Map<String, ParkedRow> byId =
                        parked.stream().collect(Collectors.toMap(ParkedRow::getMessageId, p -> p));
                assertThat(byId.keySet())
                        .containsExactlyInAnyOrder("poison-no-stream", "poison-too-big", "poison-rejected");
                assertThat(byId.get("poison-no-stream").getReason()).isEqualTo("no-stream");
                assertThat(byId.get("poison-no-stream").getError()).contains("no stream captures the subject");
                assertThat(byId.get("poison-no-stream").getAttempts()).isEqualTo(3);
                assertThat(byId.get("poison-no-stream").getOrderingKey()).isEqualTo("bad");
                assertThat(byId.get("poison-too-big").getReason()).isEqualTo("payload-too-large");
                assertThat(byId.get("poison-too-big").getError()).contains("exceed server configuration");
                assertThat(byId.get("poison-rejected").getReason()).isEqualTo("payload-too-large");
                assertThat(byId.get("poison-rejected").getError()).contains("10054");
                // counted right after the parking statement commits, which the admin query may see first
                OutboxTesting.await(
                        Duration.ofSeconds(5),
                        "the park to be counted",
                        () -> registry.get("jscontract.outbox.parks")
                                        .tag("reason", "no-stream")
                                        .counter()
                                        .count()
                                == 1.0);
                // the listener that throws is counted under the consumer's name for the same thing
                OutboxTesting.await(
                        Duration.ofSeconds(5),
                        "three listener failures to be counted",
                        () -> registry.get("jscontract.outbox.listener.failures")
                                        .counter()
                                        .count()
                                == 3.0);
                assertThat(registry.get("jscontract.outbox.failures")
                                .tag("reason", "no-stream")
                                .counter()
                                .count())
                        .isEqualTo(3.0);

                // Other keys flowed while the poison row was retried; its own key waited for it.
                Instant parkedAt = events.stream()
                        .filter(e -> e instanceof OutboxRelayEvent.RowParked
                                && ((OutboxRelayEvent.RowParked) e).messageId().equals("poison-no-stream"))
                        .findFirst()
                        .orElseThrow()
                        .at();
                List<OutboxRelayEvent.PublishedRow> published = events.stream()
                        .filter(e -> e instanceof OutboxRelayEvent.BatchPublished)
                        .flatMap(e -> ((OutboxRelayEvent.BatchPublished) e).rows().stream())
                        .toList();
                assertThat(published).hasSize(205);
                assertThat(published.stream()
                                .filter(r -> r.stream().equals(stream))
                                .filter(r -> !payloadOf(nc, r).startsWith("bad"))
                                .map(OutboxRelayEvent.PublishedRow::ackedAt))
                        .as("all 200 rows of other keys were published while the poison row was retried")
                        .hasSize(200)
                        .allMatch(at -> at.isBefore(parkedAt));
                List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
                List<String> badOrder = stored.stream()
                        .map(OutboxTesting.Stored::payload)
                        .filter(p -> p.startsWith("bad"))
                        .toList();
                assertThat(badOrder).containsExactly("bad-1", "bad-2", "bad-3", "bad-4", "bad-5");
                assertThat(published.stream()
                                .filter(r -> r.ackedAt().isBefore(parkedAt))
                                .map(r -> payloadOf(nc, r)))
                        .as("rows of the poisoned key written after its failure waited until it was parked")
                        .noneMatch(p -> p.startsWith("bad"));
                assertThat(events)
                        .filteredOn(e -> e instanceof OutboxRelayEvent.RowRetryScheduled
                                && ((OutboxRelayEvent.RowRetryScheduled) e)
                                        .messageId()
                                        .equals("poison-no-stream"))
                        .extracting(e -> ((OutboxRelayEvent.RowRetryScheduled) e).attempts())
                        .containsExactly(1, 2);

                // Fix the cause, re-queue: published with the message id it was parked with.
                OutboxTesting.createStream(
                        nc, OutboxTesting.streamName(t + "_missing"), t + "_missing", Duration.ofMinutes(2));
                assertThat(admin.requeue(List.of(byId.get("poison-no-stream").getId())))
                        .isEqualTo(1);
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(15),
                        "the re-queued row to be published",
                        () -> OutboxTesting.readStream(nc, OutboxTesting.streamName(t + "_missing"))
                                        .size()
                                == 1);
                assertThat(OutboxTesting.readStream(nc, OutboxTesting.streamName(t + "_missing")))
                        .extracting(OutboxTesting.Stored::messageId)
                        .containsExactly("poison-no-stream");
                OutboxStatus status = admin.status();
                assertThat(status.getParked()).isEqualTo(2);
                assertThat(status.getBacklog()).isZero();
                assertThat(admin.deleteParked(List.of(byId.get("poison-too-big").getId())))
                        .isEqualTo(1);
                assertThat(admin.requeueAll()).isEqualTo(1);
            }
        }
    }

    private static void write(PostgresDatabase db, OutboxWriter writer, List<OutboxMessage> rows)
            throws java.sql.SQLException {
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            writer.writeAll(c, rows);
            c.commit();
        }
    }

    private static OutboxMessage.Builder message(String subject, String payload, String key) {
        return OutboxMessage.builder()
                .subject(subject)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .orderingKey(key);
    }

    private static String payloadOf(Connection nc, OutboxRelayEvent.PublishedRow row) {
        try {
            return new String(
                    nc.jetStreamManagement()
                            .getMessage(row.stream(), row.sequence())
                            .getData(),
                    StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
