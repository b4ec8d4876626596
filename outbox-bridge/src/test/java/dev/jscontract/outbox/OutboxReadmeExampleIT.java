package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The "Publish through the outbox" example of the README, compiled and run; the README copies the marked lines. */
@WithNatsServer
@WithPostgres
class OutboxReadmeExampleIT {

    /** The event of the example. */
    record OrderCreated(String orderId, long amountCents) {}

    @Test
    void theReadmeExamplePublishesTheEvent(NatsServer server, PostgresDatabase db) throws Exception {
        DataSource dataSource = db.dataSource();
        MeterRegistry meterRegistry = new SimpleMeterRegistry();
        try (Connection natsConnection = server.connect()) {
            OutboxTesting.createStream(natsConnection, "ORDERS", "orders", Duration.ofMinutes(2));

            // --- README example: begin
            OutboxSchema.install(dataSource); // once; or run OutboxSchema.sql(tables, partitions) as a migration

            OutboxWriter outbox = OutboxWriter.create();
            PayloadCodec json = JacksonPayloadCodec.of(new ObjectMapper());
            try (java.sql.Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                // ... the business writes of this transaction, on c ...
                outbox.write(
                        c,
                        OutboxMessage.builder()
                                .subject("orders.created")
                                .payload(new OrderCreated("o-42", 1999), json)
                                .messageId("order-o-42-created") // optional; else derived from the row id
                                .orderingKey("order-o-42") // optional; rows of one key keep commit order
                                .build());
                c.commit(); // the event commits with the order, or not at all
            }

            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(natsConnection) // yours; the relay never closes it
                    .dataSource(dataSource)
                    .streams("ORDERS") // checked at start: duplicate window vs retry horizon (PUB-002)
                    .meterRegistry(meterRegistry)
                    .build()) {
                relay.start(); // publishes on its own threads until close()
                // --- README example: end
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(20),
                        "the event in the stream",
                        () -> natsConnection
                                        .jetStreamManagement()
                                        .getStreamInfo("ORDERS")
                                        .getStreamState()
                                        .getMsgCount()
                                == 1);
            }
            OutboxTesting.Stored stored =
                    OutboxTesting.readStream(natsConnection, "ORDERS").get(0);
            assertThat(stored.subject()).isEqualTo("orders.created");
            assertThat(stored.messageId()).isEqualTo("order-o-42-created");
            assertThat(stored.payload()).isEqualTo("{\"orderId\":\"o-42\",\"amountCents\":1999}");
        }
    }
}
