package dev.jscontract.outbox;

import static dev.jscontract.outbox.OutboxTesting.await;
import static dev.jscontract.outbox.OutboxTesting.awaitChecked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The writer-friendly wake-up: writers notify only when a relay sleeps on their row's partition, a relay falls asleep
 * only when no writer's transaction that saw it awake is still open, and schemas of version 1 are upgraded in place.
 */
@WithNatsServer
@WithPostgres
class WakeUpIT {
    /** Much longer than any await below: a row found within them was not found by the safety poll. */
    private static final Duration NO_POLL = Duration.ofMinutes(5);

    /**
     * How long to wait for what a relay does within milliseconds on an idle machine: generous, since the integration
     * tests run in parallel on two shared cores, and still ten times shorter than the safety poll.
     */
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @Test
    void aWriterNotifiesOnlyWhenItsRowsPartitionHasASleepingRelay(PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("notify");
        OutboxSchema.install(db.dataSource(), tables, 2);
        try (java.sql.Connection listener = db.connection();
                java.sql.Connection sleeper = db.connection();
                java.sql.Connection writer = db.connection()) {
            try (Statement st = listener.createStatement()) {
                st.execute("LISTEN " + tables.notifyChannel());
            }
            // stand in for a relay sleeping on partition 0: its idle lock, exclusive, on a session of its own
            try (PreparedStatement st =
                    sleeper.prepareStatement("SELECT pg_advisory_lock((?::regclass::oid::bigint" + " << 32) | 0)")) {
                st.setString(1, tables.qualifiedTable());
                st.execute();
            }
            writer.setAutoCommit(false);
            int inSleepingPartition = 0;
            for (int i = 0; i < 10; i++) {
                try (Statement st = writer.createStatement();
                        ResultSet rs = st.executeQuery("INSERT INTO " + tables.qualifiedTable()
                                + " (subject, payload) VALUES ('n.x', '\\x01') RETURNING partition")) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        inSleepingPartition++;
                    }
                }
                writer.commit();
            }
            try (Statement st = writer.createStatement()) {
                st.execute("NOTIFY " + tables.notifyChannel() + ", 'end'");
            }
            writer.commit();
            assertThat(inSleepingPartition).isEqualTo(5); // ids alternate between the two partitions
            // notifications arrive in commit order: once 'end' is here, every earlier one is too
            List<String> payloads = new ArrayList<>();
            await(AWAIT, "the closing notification", () -> {
                try {
                    PGNotification[] n = listener.unwrap(PGConnection.class).getNotifications(100);
                    if (n != null) {
                        for (PGNotification x : n) {
                            payloads.add(x.getParameter());
                        }
                    }
                    return payloads.contains("end");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(payloads)
                    .as("one notification per commit of a row in the sleeping partition, then 'end'")
                    .containsExactly("", "", "", "", "", "end");
        }
    }

    @Test
    void aRelayDoesNotFallAsleepWhileAWritersTransactionIsOpenAndPublishesItsRowAtCommit(
            NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("asleep");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String stream = OutboxTesting.streamName(tables.getTable());
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        try (Connection nc = server.connect();
                java.sql.Connection open = db.connection()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            // a transaction that wrote its row while no relay slept (none ran), and stays open
            open.setAutoCommit(false);
            writer.write(
                    open,
                    OutboxMessage.builder()
                            .subject(tables.getTable() + ".a")
                            .payload(new byte[] {1})
                            .messageId("open-1")
                            .build());
            int partition;
            try (Statement st = open.createStatement();
                    ResultSet rs = st.executeQuery("SELECT partition FROM " + tables.qualifiedTable())) {
                rs.next();
                partition = rs.getInt(1);
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .idlePollInterval(NO_POLL)
                    .build()) {
                relay.start();
                Set<Integer> others = new TreeSet<>(Set.of(0, 1, 2, 3));
                others.remove(partition);
                // it sleeps on the other partitions, but cannot take the open transaction's partition
                awaitChecked(AWAIT, "idle locks on the other partitions", () -> idleLocks(db, tables)
                        .equals(others));
                assertThat(idleLocks(db, tables)).doesNotContain(partition);
                open.commit();
                // a sleeping relay would find the row only at its safety poll, minutes away
                try {
                    awaitChecked(AWAIT, "the open transaction's row published", () -> messages(nc, stream) == 1);
                } catch (AssertionError e) {
                    throw new AssertionError(
                            e.getMessage() + "; relay health " + relay.getHealth() + ", idle locks "
                                    + idleLocks(db, tables) + ", rows left "
                                    + OutboxTesting.count(db.dataSource(), tables.qualifiedTable()),
                            e);
                }
                awaitChecked(AWAIT, "asleep on every partition", () -> idleLocks(db, tables)
                        .equals(Set.of(0, 1, 2, 3)));
                // asleep: the next commit notifies and wakes it
                try (java.sql.Connection c = db.connection()) {
                    c.setAutoCommit(false);
                    writer.write(
                            c,
                            OutboxMessage.builder()
                                    .subject(tables.getTable() + ".a")
                                    .payload(new byte[] {2})
                                    .messageId("later-1")
                                    .build());
                    c.commit();
                }
                awaitChecked(AWAIT, "the later row published", () -> messages(nc, stream) == 2);
            }
            awaitChecked(AWAIT, "no idle lock after close", () -> idleLocks(db, tables)
                    .isEmpty());
        }
    }

    @Test
    void aVersionOneSchemaIsUpgradedInPlaceAndRelaysRunOnBoth(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("upgrade");
        OutboxSchema.install(db.dataSource(), tables, 2);
        String t = tables.qualifiedTable();
        String name = tables.getTable();
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement()) {
            // what release 1 installed: a statement-level trigger that always notifies, and schema_version 1
            st.execute("DROP TRIGGER " + name + "_notify ON " + t);
            st.execute("CREATE OR REPLACE FUNCTION " + name + "_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN PERFORM pg_notify('" + tables.notifyChannel() + "', ''); RETURN NULL; END $$");
            st.execute("CREATE TRIGGER " + name + "_notify AFTER INSERT ON " + t + " FOR EACH STATEMENT EXECUTE"
                    + " FUNCTION " + name + "_notify()");
            st.execute("UPDATE " + tables.qualifiedMetaTable() + " SET schema_version = 1");
            st.execute("INSERT INTO " + t + " (subject, payload) VALUES ('" + name + ".v1', '\\x01')");
        }
        String stream = OutboxTesting.streamName(name);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, name, Duration.ofMinutes(2));
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .build()) {
                relay.start();
                awaitChecked(AWAIT, "the row published on schema 1", () -> messages(nc, stream) == 1);
            }
            try (java.sql.Connection c = db.connection();
                    Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + t + " (subject, payload) VALUES ('" + name + ".v1', '\\x02')");
            }
            OutboxSchema.install(db.dataSource(), tables, 2);
            try (java.sql.Connection c = db.connection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT (SELECT schema_version FROM " + tables.qualifiedMetaTable()
                            + "), (SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + t + "'::regclass AND tgname = '"
                            + name + "_notify' AND (tgtype & 1) = 1), (SELECT count(*) FROM pg_trigger WHERE tgrelid"
                            + " = '" + t + "'::regclass AND NOT tgisinternal), (SELECT count(*) FROM " + t + ")")) {
                rs.next();
                assertThat(rs.getInt(1)).as("schema_version").isEqualTo(2);
                assertThat(rs.getInt(2)).as("row-level wake-up trigger").isEqualTo(1);
                assertThat(rs.getInt(3)).as("triggers on the outbox").isEqualTo(1);
                assertThat(rs.getInt(4)).as("rows kept").isEqualTo(1);
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .idlePollInterval(NO_POLL)
                    .build()) {
                relay.start();
                awaitChecked(AWAIT, "the kept row published", () -> messages(nc, stream) == 2);
                awaitChecked(AWAIT, "asleep", () -> idleLocks(db, tables).size() == 2);
                try (java.sql.Connection c = db.connection();
                        Statement st = c.createStatement()) {
                    st.execute("INSERT INTO " + t + " (subject, payload) VALUES ('" + name + ".v2', '\\x03')");
                }
                awaitChecked(AWAIT, "a new row published", () -> messages(nc, stream) == 3);
            }
        }
    }

    @Test
    void aSchemaVersionFromANewerReleaseIsRefusedByInstallAndRelay(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("future");
        OutboxSchema.install(db.dataSource(), tables, 2);
        try (java.sql.Connection c = db.connection();
                Statement st = c.createStatement()) {
            st.execute("UPDATE " + tables.qualifiedMetaTable() + " SET schema_version = 3");
        }
        assertThatThrownBy(() -> OutboxSchema.install(db.dataSource(), tables, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(tables.qualifiedMetaTable() + " has schema_version 3 but this jscontract-outbox-bridge"
                        + " installs version 2 and upgrades versions 1 to 2; use the release that installed it, or a"
                        + " newer one");
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(db.dataSource())
                        .tables(tables)
                        .build()) {
            assertThatThrownBy(relay::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage(tables.qualifiedMetaTable() + " has schema_version 3 but this relay runs on versions"
                            + " 1 to 2; use the jscontract-outbox-bridge release that matches the schema");
        }
    }

    /** The partitions whose idle lock some session holds exclusively. */
    private static Set<Integer> idleLocks(PostgresDatabase db, OutboxTables tables) throws SQLException {
        Set<Integer> out = new TreeSet<>();
        try (java.sql.Connection c = db.connection();
                PreparedStatement st = c.prepareStatement("SELECT l.objid::int FROM pg_locks l WHERE l.locktype ="
                        + " 'advisory' AND l.objsubid = 1 AND l.mode = 'ExclusiveLock' AND l.granted"
                        + " AND l.classid = ?::regclass::oid")) {
            st.setString(1, tables.qualifiedTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    private static long messages(Connection nc, String stream) throws Exception {
        return nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
    }
}
