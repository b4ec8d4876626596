package dev.jscontract.consumer.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The inbox against a real PostgreSQL and real JetStream messages (their metadata gives the key). */
@WithNatsServer
@WithPostgres
class InboxIT {

    private static List<Message> deliver(Connection nc, String stream, int n) throws Exception {
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(stream)
                        .subjects(stream.toLowerCase() + ".>")
                        .build());
        for (int i = 0; i < n; i++) {
            nc.jetStream()
                    .publish(
                            stream.toLowerCase() + ".x",
                            null,
                            ("m" + i).getBytes(StandardCharsets.UTF_8),
                            PublishOptions.builder().messageId("biz-" + i).build());
        }
        nc.jetStreamManagement()
                .addOrUpdateConsumer(
                        stream,
                        ConsumerConfiguration.builder()
                                .durable("C")
                                .ackPolicy(AckPolicy.Explicit)
                                .build());
        List<Message> out = new ArrayList<>();
        try (FetchConsumer f = nc.getStreamContext(stream)
                .getConsumerContext("C")
                .fetch(FetchConsumeOptions.builder()
                        .maxMessages(n)
                        .expiresIn(2000)
                        .build())) {
            Message m;
            while ((m = f.nextMessage()) != null) {
                out.add(m);
            }
        }
        return out;
    }

    private static long epochNanos(Message m) {
        java.time.ZonedDateTime t = m.metaData().timestamp();
        return t.toEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void recordsOncePerConsumerAndMessageAndRollsBackWithTheWork(NatsServer server, PostgresDatabase db)
            throws Exception {
        Inbox inbox = Inbox.builder().table("inbox_once").build();
        inbox.install(db.dataSource());
        inbox.install(db.dataSource()); // idempotent
        try (Connection nc = server.connect();
                java.sql.Connection c = db.connection()) {
            List<Message> msgs = deliver(nc, "INBOXA", 1);
            Message m = msgs.get(0);
            assertThat(inbox.keyOf(m)).isEqualTo("seq:INBOXA:1:" + epochNanos(m));

            assertThat(inbox.runOnce(c, "billing", m, tx -> {})).isTrue();
            assertThat(inbox.runOnce(c, "billing", m, tx -> {
                        throw new AssertionError("second run");
                    }))
                    .isFalse();
            assertThat(inbox.runOnce(c, "shipping", m, tx -> {}))
                    .as("another consumer")
                    .isTrue();
            assertThat(c.getAutoCommit()).as("restored").isTrue();

            Inbox failing = Inbox.builder().table("inbox_fail").build();
            failing.install(db.dataSource());
            assertThatThrownBy(() -> failing.runOnce(c, "billing", m, tx -> {
                        throw new IllegalStateException("work failed");
                    }))
                    .hasMessage("work failed");
            assertThat(failing.runOnce(c, "billing", m, tx -> {}))
                    .as("the failed run was rolled back, so the retry runs")
                    .isTrue();

            assertThat(inbox.deleteProcessedBefore(c, Instant.now().plusSeconds(60)))
                    .isEqualTo(2);
            assertThat(inbox.runOnce(c, "billing", m, tx -> {}))
                    .as("trimmed rows are forgotten")
                    .isTrue();
            assertThatThrownBy(() -> inbox.record(c, " ", m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("consumer must not be blank; use the durable consumer's name");
        }
    }

    @Test
    void messageIdKeysUseTheNatsMsgId(NatsServer server, PostgresDatabase db) throws Exception {
        Inbox inbox =
                Inbox.builder().table("inbox_ids").key(Inbox.Key.MESSAGE_ID).build();
        inbox.install(db.dataSource());
        try (Connection nc = server.connect();
                java.sql.Connection c = db.connection()) {
            Message m = deliver(nc, "INBOXB", 1).get(0);
            assertThat(inbox.keyOf(m)).isEqualTo("id:biz-0");
            assertThat(inbox.runOnce(c, "billing", m, tx -> {})).isTrue();
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("select consumer, message_key, stream, stream_sequence from inbox_ids")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("billing");
                assertThat(rs.getString(2)).isEqualTo("id:biz-0");
                assertThat(rs.getString(3)).isEqualTo("INBOXB");
                assertThat(rs.getLong(4))
                        .isEqualTo(Objects.requireNonNull(m.metaData()).streamSequence());
            }
        }
    }

    @Test
    void aMessageOfARecreatedStreamIsNotTakenForTheOldOneWithTheSameSequence(NatsServer server, PostgresDatabase db)
            throws Exception {
        Inbox inbox = Inbox.builder().table("inbox_recreated").build();
        inbox.install(db.dataSource());
        try (Connection nc = server.connect();
                java.sql.Connection c = db.connection()) {
            Message before = deliver(nc, "INBOXC", 1).get(0);
            assertThat(inbox.runOnce(c, "billing", before, tx -> {})).isTrue();

            nc.jetStreamManagement().deleteStream("INBOXC");
            Message after = deliver(nc, "INBOXC", 1).get(0);
            assertThat(after.metaData().streamSequence())
                    .as("sequences restart in the new stream")
                    .isEqualTo(before.metaData().streamSequence());
            assertThat(inbox.runOnce(c, "billing", after, tx -> {}))
                    .as("a new message, not a redelivery of the old one")
                    .isTrue();
            assertThat(inbox.runOnce(c, "billing", after, tx -> {}))
                    .as("and its own redelivery is still recognized")
                    .isFalse();
        }
    }
}
