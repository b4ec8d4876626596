package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.outbox.internal.PgOutput;
import dev.jscontract.outbox.internal.WalEventCodec;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithPrivatePostgres;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The WAL-mode writer on a private PostgreSQL with {@code wal_level=logical}: what a pgoutput slot decodes (read with
 * {@code pg_logical_slot_get_binary_changes}, the same protocol the relay streams) is exactly the committed events,
 * in commit order, in format version 1 — from {@link OutboxWriter} and from the SQL function alike.
 */
@WithPrivatePostgres
class WalWriterIT {

    @Test
    void onlyCommittedEventsAreDecodedInCommitOrder(PrivatePostgres pg) throws Exception {
        OutboxTables tables = OutboxTesting.tables("walw");
        WalSettings wal = WalSettings.builder()
                .slot(OutboxTesting.unique("s"))
                .prefix(tables.getTable())
                .build();
        OutboxSchema.installWal(pg.dataSource(), tables, wal);
        createSlot(pg, wal);
        OutboxWriter writer = OutboxWriter.builder().wal(wal).build();
        assertThat(writer.getWal()).isEqualTo(wal);
        try (Connection first = pg.connection();
                Connection second = pg.connection();
                Connection rolledBack = pg.connection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            rolledBack.setAutoCommit(false);
            long lsn = writer.write(first, message("first-1", "k1"));
            assertThat(lsn).isPositive();
            writer.write(rolledBack, message("rolled-back", "k1"));
            long[] lsns = writer.writeAll(second, List.of(message("second-1", "k1"), message("second-2", null)));
            assertThat(lsns).hasSize(2);
            assertThat(lsns[1]).isGreaterThan(lsns[0]);
            writer.write(first, message("first-2", "k2"));
            second.commit(); // commits before 'first', although it started writing later
            rolledBack.rollback();
            first.commit();
        }
        List<WalEventCodec.Event> events = decoded(pg, wal);
        assertThat(events)
                .extracting(WalEventCodec.Event::messageId)
                .containsExactly("second-1", "second-2", "first-1", "first-2");
        WalEventCodec.Event e = events.get(0);
        assertThat(e.subject()).isEqualTo("walw.created");
        assertThat(e.orderingKey()).isEqualTo("k1");
        assertThat(e.headersJson()).contains("Trace-Id").contains("t-second-1");
        assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("payload second-1");
        assertThat(events.get(1).orderingKey()).isNull();
    }

    @Test
    void theSqlFunctionWritesTheSameFormatAndChecksItsArguments(PrivatePostgres pg) throws Exception {
        OutboxTables tables = OutboxTesting.tables("walf");
        WalSettings wal = WalSettings.builder()
                .slot(OutboxTesting.unique("s"))
                .prefix(tables.getTable())
                .build();
        OutboxSchema.installWal(pg.dataSource(), tables, wal);
        OutboxSchema.installWal(pg.dataSource(), tables, wal); // idempotent
        createSlot(pg, wal);
        String fn = tables.getTable() + "_emit";
        try (Connection c = pg.connection()) {
            try (PreparedStatement st = c.prepareStatement("SELECT " + fn + "(?, ?, ?::jsonb, ?, ?)")) {
                st.setString(1, "walf.created");
                st.setBytes(2, "{\"id\": 42}".getBytes(StandardCharsets.UTF_8));
                st.setString(3, "{\"Trace-Id\": [\"abc\"], \"Single\": \"x\"}");
                st.setString(4, "order-42-created");
                st.setString(5, "order-42");
                st.execute();
            }
            try (Statement st = c.createStatement()) {
                st.execute("SELECT " + fn + "('walf.plain', '\\x00ff'::bytea)");
                assertThatThrownBy(() -> st.execute("SELECT " + fn + "('walf.x', ''::bytea, '[1]'::jsonb)"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("outbox headers must be a JSON object of strings or string arrays");
                assertThatThrownBy(() -> st.execute("SELECT " + fn + "('', ''::bytea)"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("outbox subject must not be null or empty");
            }
        }
        List<WalEventCodec.Event> events = decoded(pg, wal);
        assertThat(events).hasSize(2);
        WalEventCodec.Event e = events.get(0);
        assertThat(e.subject()).isEqualTo("walf.created");
        assertThat(e.messageId()).isEqualTo("order-42-created");
        assertThat(e.orderingKey()).isEqualTo("order-42");
        assertThat(dev.jscontract.outbox.internal.HeadersJson.readMap(e.headersJson()))
                .isEqualTo(Map.of("Trace-Id", List.of("abc"), "Single", List.of("x")));
        assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"id\": 42}");
        assertThat(events.get(1).payload()).containsExactly(0, 0xff);
        assertThat(events.get(1).messageId()).isNull();
        assertThat(events.get(1).headersJson()).isNull();
    }

    @Test
    void orderingLockWithWalIsRefused() {
        assertThatThrownBy(() -> OutboxWriter.builder()
                        .wal(WalSettings.defaults())
                        .orderingLock(true)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("orderingLock has no effect with wal(...): in WAL mode events reach the stream in commit"
                        + " order and the writer takes no lock; remove orderingLock(...)");
    }

    private static OutboxMessage message(String id, String key) {
        OutboxMessage.Builder b = OutboxMessage.builder()
                .subject("walw.created")
                .payload(("payload " + id).getBytes(StandardCharsets.UTF_8))
                .messageId(id)
                .header("Trace-Id", "t-" + id);
        if (key != null) {
            b.orderingKey(key);
        }
        return b.build();
    }

    private static void createSlot(PrivatePostgres pg, WalSettings wal) throws SQLException {
        try (Connection c = pg.connection();
                PreparedStatement st = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            st.setString(1, wal.getSlot());
            st.execute();
        }
    }

    /** Consumes the slot's changes through pgoutput and decodes the events with the writer's prefix. */
    private static List<WalEventCodec.Event> decoded(PrivatePostgres pg, WalSettings wal) throws SQLException {
        List<WalEventCodec.Event> out = new ArrayList<>();
        try (Connection c = pg.connection();
                PreparedStatement st = c.prepareStatement("SELECT data FROM pg_logical_slot_get_binary_changes(?, NULL,"
                        + " NULL, 'proto_version', '1', 'publication_names', ?, 'messages', 'true')")) {
            st.setString(1, wal.getSlot());
            st.setString(2, wal.getPublication());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    PgOutput.Msg m = PgOutput.parse(ByteBuffer.wrap(rs.getBytes(1)));
                    if (m instanceof PgOutput.Message msg && msg.prefix().equals(wal.getPrefix())) {
                        assertThat(msg.transactional()).isTrue();
                        out.add(WalEventCodec.decode(msg.content()));
                    }
                }
            }
        }
        return out;
    }
}
