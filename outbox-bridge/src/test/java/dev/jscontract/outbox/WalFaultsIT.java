package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL relay against PostgreSQL faults on a private server: a restart while writers write, the slot dropped under
 * a running relay, WAL lost to {@code max_slot_wal_keep_size}, and a role without {@code REPLICATION}.
 */
@WithNatsServer
@WithPrivatePostgres
class WalFaultsIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalFaultsIT.class);

    private static OutboxRelay relay(
            Connection nc,
            DataSource ds,
            WalTesting.Setup s,
            SimpleMeterRegistry registry,
            List<OutboxRelayEvent> seen) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(ds)
                .tables(s.tables())
                .wal(s.wal())
                .streams(s.stream())
                .meterRegistry(registry)
                .statsInterval(Duration.ofMillis(200))
                .listener(seen::add)
                .build();
    }

    @Test
    void aPostgresRestartWhileWritersWriteLosesNothingStoresNothingTwiceAndKeepsOrder(
            NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walpgr");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<RetryingWriter> writers =
                List.of(new RetryingWriter(pg, s, "a", writing), new RetryingWriter(pg, s, "b", writing));
        try (Connection nc = server.connect();
                OutboxRelay relay = relay(nc, pg.dataSource(), s, registry, seen)) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            relay.start();
            awaitStreaming(pg, s);
            writers.forEach(RetryingWriter::start);
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(30), "500 events in the stream", () -> msgCount(nc, s) >= 500);

            pg.stop(); // fast shutdown: every session ends, the writers' and the relay's replication session
            LOG.info("PostgreSQL stopped");
            OutboxTesting.await(
                    Duration.ofSeconds(20),
                    "the relay to report the outage",
                    () -> relay.getState() == RelayState.RECOVERING);
            assertThat(relay.getHealth().getCause()).contains(RelayHealth.Cause.DATABASE_UNREACHABLE);
            pg.start();
            LOG.info("PostgreSQL started");
            int afterRestart = committed(writers);
            OutboxTesting.await(
                    Duration.ofSeconds(30),
                    "the writers to commit 500 more events after the restart",
                    () -> committed(writers) >= afterRestart + 500);
            OutboxTesting.await(
                    Duration.ofSeconds(30), "the relay to run again", () -> relay.getState() == RelayState.RUNNING);
            writing.set(false);
            for (RetryingWriter w : writers) {
                w.join();
            }
            int total = committed(writers);
            long lastLsn =
                    writers.stream().mapToLong(w -> w.lastLsn.get()).max().orElseThrow();
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(60), total + " events in the stream", () -> msgCount(nc, s) >= total);
            awaitConfirmedPast(pg, s, lastLsn); // nothing is in flight any more: the stream is final

            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, s.stream());
            assertThat(stored).as("each committed event once").hasSize(total);
            OutboxTesting.assertEachIdOnce(stored);
            for (RetryingWriter w : writers) {
                List<String> ids = stored.stream()
                        .map(OutboxTesting.Stored::messageId)
                        .filter(id -> id.startsWith(w.prefix))
                        .toList();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < w.committed.get(); i++) {
                    expected.add(w.prefix + i);
                }
                assertThat(ids)
                        .as("writer %s's events in commit order", w.prefix)
                        .isEqualTo(expected);
            }
            assertThat(writers.stream().mapToInt(w -> w.failures.get()).sum())
                    .as("the restart hit the writers while they wrote")
                    .isPositive();
            assertThat(seen).as("the relay reported the outage").anySatisfy(e -> {
                assertThat(e).isInstanceOf(OutboxRelayEvent.StateChanged.class);
                OutboxRelayEvent.StateChanged c = (OutboxRelayEvent.StateChanged) e;
                assertThat(c.to()).isEqualTo(RelayState.RECOVERING);
                assertThat(c.cause()).isEqualTo(RelayHealth.Cause.DATABASE_UNREACHABLE.tagValue());
            });
            assertThat(relay.getState()).isEqualTo(RelayState.RUNNING);
            assertThat(OutboxTesting.count(pg.dataSource(), s.tables().qualifiedParkedTable()))
                    .as("nothing parked")
                    .isZero();
            assertThat(registry.get("jscontract.outbox.wal.parks").counters()).allMatch(c -> c.count() == 0);
            LOG.info(
                    "{} events across a PostgreSQL restart ({} failed writer transactions written again), {} re-read"
                            + " events absorbed by the duplicate window",
                    total,
                    writers.stream().mapToInt(w -> w.failures.get()).sum(),
                    registry.get("jscontract.outbox.wal.published")
                            .tag("outcome", "duplicate")
                            .counter()
                            .count());
        } finally {
            writing.set(false);
            for (RetryingWriter w : writers) {
                w.join();
            }
        }
    }

    @Test
    void aFastShutdownOfPostgresIsNotHeldUpByTheStreamingRelay(NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walstop");
        try (Connection nc = server.connect();
                OutboxRelay relay = relay(nc, pg.dataSource(), s, new SimpleMeterRegistry(), new ArrayList<>())) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            relay.start();
            awaitStreaming(pg, s);
            WalTesting.write(pg.dataSource(), s, 0, 10, 2, new AtomicBoolean(true));
            OutboxTesting.awaitChecked(Duration.ofSeconds(20), "10 events in the stream", () -> msgCount(nc, s) == 10);
            // WAL after the last event that decodes to nothing: a rolled-back write (a writer's transaction cut by
            // the shutdown leaves the same). A walsender leaves a shutdown only once its client confirmed all it
            // read, this included; pg_ctl gives up after 60 s
            try (java.sql.Connection c = pg.connection();
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + s.tables().getTable() + "_other (id int)");
                c.setAutoCommit(false);
                st.execute("INSERT INTO " + s.tables().getTable() + "_other VALUES (1)");
                c.rollback();
            }
            long t0 = System.nanoTime();
            pg.stop();
            long stopMillis = (System.nanoTime() - t0) / 1_000_000;
            pg.start();
            LOG.info("fast shutdown with a streaming relay took {} ms", stopMillis);
            assertThat(stopMillis).as("fast shutdown time (ms)").isLessThan(10_000);
            OutboxTesting.await(
                    Duration.ofSeconds(20), "the relay to run again", () -> relay.getState() == RelayState.RUNNING);
            WalTesting.write(pg.dataSource(), s, 10, 20, 2, new AtomicBoolean(true));
            OutboxTesting.awaitChecked(Duration.ofSeconds(20), "20 events in the stream", () -> msgCount(nc, s) >= 20);
            WalTesting.assertExactlyInOrder(OutboxTesting.readStream(nc, s.stream()), 20);
        }
    }

    @Test
    void aDroppedSlotIsCreatedAgainAndTheRangeNotRelayedIsReported(NatsServer server, PrivatePostgres pg)
            throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "waldrop");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
        try (Connection nc = server.connect();
                OutboxRelay relay = relay(nc, pg.dataSource(), s, registry, seen)) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            relay.start();
            awaitStreaming(pg, s);
            assertThat(WalTesting.write(pg.dataSource(), s, 0, 300, 3, new AtomicBoolean(true)))
                    .isEqualTo(300);
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(30), "300 events in the stream", () -> msgCount(nc, s) == 300);

            long[] gapLsns;
            long gapCommitAfter;
            try (java.sql.Connection gap = pg.connection()) {
                // A transaction that emitted events and is still open when the slot is created again: a new slot
                // becomes consistent only after every transaction running at its creation ended, so these events
                // come before its start and are lost for certain, by PostgreSQL's nature
                gap.setAutoCommit(false);
                List<OutboxMessage> lost = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    lost.add(WalTesting.event(s, "gap" + i, i));
                }
                gapLsns = writer.writeAll(gap, lost);
                dropSlot(pg, s.wal().getSlot());
                LOG.info("slot {} dropped", s.wal().getSlot());
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(20),
                        "the relay to create the slot again (it waits for the open transaction)",
                        () -> creatingSlot(pg));
                // the commit record comes after this position: the range is reported in commit positions
                gapCommitAfter = currentWalLsn(pg);
                gap.commit();
            }
            OutboxTesting.await(Duration.ofSeconds(20), "the relay to report the re-created slot", () -> seen.stream()
                    .anyMatch(e -> e instanceof OutboxRelayEvent.WalSlotRecreated));
            awaitStreaming(pg, s);
            assertThat(WalTesting.write(pg.dataSource(), s, 300, 599, 3, new AtomicBoolean(true)))
                    .isEqualTo(299);
            long lastLsn;
            try (java.sql.Connection c = pg.connection()) {
                lastLsn = writer.write(c, WalTesting.event(s, "e599", 599));
            }
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(30), "600 events in the stream", () -> msgCount(nc, s) >= 600);
            awaitConfirmedPast(pg, s, lastLsn);

            // before the drop: all; while there was no slot: none (never twice); after the re-creation: all, in order
            WalTesting.assertExactlyInOrder(OutboxTesting.readStream(nc, s.stream()), 600);
            OutboxRelayEvent.WalSlotRecreated recreated = seen.stream()
                    .filter(e -> e instanceof OutboxRelayEvent.WalSlotRecreated)
                    .map(e -> (OutboxRelayEvent.WalSlotRecreated) e)
                    .findFirst()
                    .orElseThrow();
            LOG.info("reported: {}", recreated);
            assertThat(recreated.slot()).isEqualTo(s.wal().getSlot());
            // the range names commits: the lost transaction committed inside it (its events were emitted earlier,
            // possibly before lostAfter when the relay confirmed an idle position while the transaction was open)
            assertThat(gapCommitAfter)
                    .as("the lost transaction's commit lies in the reported range")
                    .isGreaterThan(recreated.lostAfter())
                    .isLessThan(recreated.lostBefore());
            for (long lsn : gapLsns) {
                assertThat(lsn)
                        .as("the lost events come before the new slot's start")
                        .isLessThan(recreated.lostBefore());
            }
            assertThat(seen.stream().filter(e -> e instanceof OutboxRelayEvent.WalSlotRecreated))
                    .as("reported once")
                    .hasSize(1);
            assertThat(registry.get("jscontract.outbox.wal.slot.recreated")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(relay.getState()).isEqualTo(RelayState.RUNNING);
            assertThat(OutboxTesting.count(pg.dataSource(), s.tables().qualifiedParkedTable()))
                    .isZero();
        }
    }

    @Test
    void walLostToMaxSlotWalKeepSizeHaltsTheRelayWithAnErrorThatSaysWhatWasLostAndTheFix(
            NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "wallost");
        String slot = s.wal().getSlot();
        setSystem(pg, "max_slot_wal_keep_size", "1MB");
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            try (OutboxRelay first = relay(nc, pg.dataSource(), s, new SimpleMeterRegistry(), new ArrayList<>())) {
                first.start();
                WalTesting.write(pg.dataSource(), s, 0, 100, 5, new AtomicBoolean(true));
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30), "100 events in the stream", () -> msgCount(nc, s) == 100);
            }
            // no relay reads the slot: these events and more WAL than max_slot_wal_keep_size pile up behind it
            WalTesting.write(pg.dataSource(), s, 100, 150, 5, new AtomicBoolean(true));
            invalidate(pg, s);

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
            try (OutboxRelay relay = relay(nc, pg.dataSource(), s, registry, seen)) {
                relay.start();
                OutboxTesting.await(
                        Duration.ofSeconds(20), "the relay to halt", () -> relay.getState() == RelayState.HALTED);
                RelayHealth health = relay.getHealth();
                LOG.info("health after the loss: {}", health);
                assertThat(health.getCause()).contains(RelayHealth.Cause.REPLICATION_SLOT_LOST);
                assertThat(relay.getFailure()).isPresent();
                String message = relay.getFailure().orElseThrow().getMessage();
                assertThat(message)
                        .contains("replication slot " + slot)
                        .contains("max_slot_wal_keep_size")
                        .contains("lost")
                        .contains("SELECT pg_drop_replication_slot('" + slot + "')");
                assertThat(health.getDetail()).isEqualTo(message);
                assertThat(registry.get("jscontract.outbox.wal.state")
                                .tag("state", "halted")
                                .gauge()
                                .value())
                        .isEqualTo(1.0);
                assertThat(relay.isRunning()).isFalse();
                assertThat(seen).anySatisfy(e -> assertThat(e)
                        .isInstanceOfSatisfying(OutboxRelayEvent.StateChanged.class, c -> assertThat(c.cause())
                                .isEqualTo(RelayHealth.Cause.REPLICATION_SLOT_LOST.tagValue())));
            }
            assertThat(msgCount(nc, s)).as("nothing relayed from the lost slot").isEqualTo(100);
            assertThat(OutboxTesting.count(pg.dataSource(), s.tables().qualifiedParkedTable()))
                    .isZero();
        } finally {
            setSystem(pg, "max_slot_wal_keep_size", "-1");
        }
    }

    @Test
    void walLostWhileTheRelayWaitsForNatsHaltsTheRunningRelay(NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "wallostrun");
        setSystem(pg, "max_slot_wal_keep_size", "1MB");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection nc = server.connect();
                OutboxRelay relay = relay(nc, pg.dataSource(), s, registry, new CopyOnWriteArrayList<>())) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            relay.start();
            awaitStreaming(pg, s);
            WalTesting.write(pg.dataSource(), s, 0, 10, 2, new AtomicBoolean(true));
            OutboxTesting.awaitChecked(Duration.ofSeconds(20), "10 events in the stream", () -> msgCount(nc, s) == 10);
            // the relay cannot publish, so the slot stays behind these events while WAL piles up past the limit;
            // the checkpoint ends the relay's replication session to invalidate the slot
            server.stop();
            try {
                OutboxTesting.await(
                        Duration.ofSeconds(20),
                        "the relay to wait for NATS",
                        () -> relay.getState() == RelayState.RECOVERING);
                WalTesting.write(pg.dataSource(), s, 10, 60, 5, new AtomicBoolean(true));
                invalidate(pg, s);
                OutboxTesting.await(
                        Duration.ofSeconds(20), "the relay to halt", () -> relay.getState() == RelayState.HALTED);
            } finally {
                server.start();
            }
            assertThat(relay.getHealth().getCause()).contains(RelayHealth.Cause.REPLICATION_SLOT_LOST);
            assertThat(relay.getFailure().orElseThrow().getMessage())
                    .contains("replication slot " + s.wal().getSlot() + " was invalidated")
                    .contains("are lost")
                    .contains("SELECT pg_drop_replication_slot('" + s.wal().getSlot() + "')");
            assertThat(registry.get("jscontract.outbox.wal.state")
                            .tag("state", "halted")
                            .gauge()
                            .value())
                    .isEqualTo(1.0);
        } finally {
            setSystem(pg, "max_slot_wal_keep_size", "-1");
        }
    }

    @Test
    void aRoleWithoutReplicationIsRefusedAtStartWithTheStatementThatFixesIt(NatsServer server, PrivatePostgres pg)
            throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walnorep");
        String role = s.tables().getTable() + "_role";
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role + " LOGIN NOREPLICATION");
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL("jdbc:postgresql://127.0.0.1:" + pg.port() + "/jsc?user=" + role);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            // no slot yet: creating it needs REPLICATION
            try (OutboxRelay relay = relay(nc, ds, s, new SimpleMeterRegistry(), new ArrayList<>())) {
                assertThatThrownBy(relay::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("REPLICATION attribute")
                        .hasMessageContaining("ALTER ROLE " + role + " REPLICATION");
                assertThat(relay.getState()).isEqualTo(RelayState.NEW);
            }
            // the slot made by an administrator: streaming from it needs REPLICATION too
            try (java.sql.Connection c = pg.connection();
                    PreparedStatement st =
                            c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                st.setString(1, s.wal().getSlot());
                st.execute();
            }
            try (OutboxRelay relay = relay(nc, ds, s, new SimpleMeterRegistry(), new ArrayList<>())) {
                assertThatThrownBy(relay::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("REPLICATION attribute")
                        .hasMessageContaining("ALTER ROLE " + role + " REPLICATION");
                assertThat(relay.getState()).isEqualTo(RelayState.NEW);
            }
        }
    }

    @Test
    void aReplicationSessionThatCannotBeOpenedFailsStartWithWhatToCheck(NatsServer server, PrivatePostgres pg)
            throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walnoconn");
        String password = "s3cret-not-for-logs";
        WalSettings unreachable = WalSettings.builder()
                .slot(s.wal().getSlot())
                .prefix(s.wal().getPrefix())
                .publication(s.wal().getPublication())
                .replicationUrl(
                        "jdbc:postgresql://127.0.0.1:1/jsc?user=postgres&password=" + password + "&connectTimeout=1")
                .build();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(pg.dataSource())
                    .tables(s.tables())
                    .wal(unreachable)
                    .streams(s.stream())
                    .build()) {
                assertThatThrownBy(relay::start)
                        .isInstanceOf(SQLException.class)
                        .hasMessageStartingWith("cannot open the WAL relay's replication session (")
                        .hasMessageContaining("max_wal_senders")
                        .hasMessageContaining("pg_hba.conf")
                        .hasMessageContaining("WalSettings.replicationUrl")
                        .hasMessageNotContaining(password);
                assertThat(relay.getState()).isEqualTo(RelayState.NEW);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /**
     * Writes {@code <prefix>0, <prefix>1, ...} in transactions of three until told to stop. A transaction that fails
     * (the server went away) is written again with the same ids: if the first one did commit after all, the duplicate
     * window drops the copy, so each id is expected exactly once.
     */
    private static final class RetryingWriter {
        final String prefix;
        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicLong lastLsn = new AtomicLong();
        private final Thread thread;

        RetryingWriter(PrivatePostgres pg, WalTesting.Setup s, String prefix, AtomicBoolean writing) {
            this.prefix = prefix;
            this.thread = new Thread(() -> write(pg, s, writing), "writer-" + prefix);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void join() throws InterruptedException {
            if (thread.isAlive()) {
                thread.join(30_000);
            }
            assertThat(thread.isAlive()).as("writer %s ended", prefix).isFalse();
        }

        private void write(PrivatePostgres pg, WalTesting.Setup s, AtomicBoolean writing) {
            OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
            java.sql.Connection c = null;
            try {
                while (writing.get()) {
                    int n = committed.get();
                    List<OutboxMessage> batch = new ArrayList<>();
                    for (int i = n; i < n + 3; i++) {
                        batch.add(OutboxMessage.builder()
                                .subject(s.tables().getTable() + ".e")
                                .payload(("payload " + i).getBytes(StandardCharsets.UTF_8))
                                .messageId(prefix + i)
                                .orderingKey(prefix)
                                .build());
                    }
                    try {
                        if (c == null) {
                            c = pg.connection();
                            c.setAutoCommit(false);
                        }
                        long[] lsns = writer.writeAll(c, batch);
                        c.commit();
                        committed.addAndGet(batch.size());
                        lastLsn.set(lsns[lsns.length - 1]);
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        closeQuietly(c);
                        c = null;
                        Thread.sleep(50); // the server is restarting: pace the reconnect attempts
                        continue;
                    }
                    Thread.sleep(1); // pace: leave CPU to the relay on a small machine
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(c);
            }
        }
    }

    private static int committed(List<RetryingWriter> writers) {
        return writers.stream().mapToInt(w -> w.committed.get()).sum();
    }

    private static void closeQuietly(java.sql.Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the session is gone already
            }
        }
    }

    private static long msgCount(Connection nc, WalTesting.Setup s) throws Exception {
        return nc.jetStreamManagement()
                .getStreamInfo(s.stream())
                .getStreamState()
                .getMsgCount();
    }

    private static void awaitStreaming(PrivatePostgres pg, WalTesting.Setup s) throws InterruptedException {
        OutboxTesting.awaitChecked(
                Duration.ofSeconds(20),
                "the relay to stream from the slot",
                () -> WalTesting.activePid(pg.dataSource(), s.wal().getSlot()) != 0);
    }

    /** Waits until the slot's confirmed position passes the LSN: everything up to it is acknowledged. */
    private static void awaitConfirmedPast(PrivatePostgres pg, WalTesting.Setup s, long lsn)
            throws InterruptedException {
        OutboxTesting.awaitChecked(
                Duration.ofSeconds(30), "the slot to confirm " + LogSequenceNumber.valueOf(lsn), () -> {
                    try (java.sql.Connection c = pg.connection();
                            PreparedStatement st = c.prepareStatement(
                                    "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
                        st.setString(1, s.wal().getSlot());
                        try (ResultSet rs = st.executeQuery()) {
                            return rs.next()
                                    && LogSequenceNumber.valueOf(rs.getString(1))
                                                    .asLong()
                                            > lsn;
                        }
                    }
                });
    }

    /**
     * Ends the session streaming from the slot and drops the slot; the relay may get the slot back between the two
     * (it reconnects every 200 ms), so both are repeated until the drop succeeds.
     */
    private static void dropSlot(PrivatePostgres pg, String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (java.sql.Connection c = pg.connection()) {
            while (true) {
                WalTesting.terminateStreamer(pg.dataSource(), slot);
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?"
                                + " AND active_pid IS NULL")) {
                    st.setString(1, slot);
                    try (ResultSet rs = st.executeQuery()) {
                        if (rs.next()) {
                            return;
                        }
                    }
                } catch (SQLException e) {
                    if (!"55006".equals(e.getSQLState())) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not drop slot " + slot + " within 20 s");
                }
            }
        }
    }

    /** The server's current WAL write position. */
    private static long currentWalLsn(PrivatePostgres pg) throws SQLException {
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
        }
    }

    /** Whether a session creates a logical slot and waits for running transactions to end. */
    private static boolean creatingSlot(PrivatePostgres pg) throws SQLException {
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                        + " AND state = 'active' AND query LIKE '%pg_create_logical_replication_slot%'"
                        + " AND wait_event_type = 'Lock'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /**
     * Generates WAL past {@code max_slot_wal_keep_size} and checkpoints until PostgreSQL invalidates the slot
     * ({@code wal_status = 'lost'}).
     */
    private static void invalidate(PrivatePostgres pg, WalTesting.Setup s) throws Exception {
        String filler = s.tables().getTable() + "_filler";
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + filler + " (id int, filler text)");
            for (int round = 0; round < 20; round++) {
                st.execute("INSERT INTO " + filler + " SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g");
                st.execute("SELECT pg_switch_wal()");
                st.execute("CHECKPOINT");
                try (PreparedStatement q =
                        c.prepareStatement("SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
                    q.setString(1, s.wal().getSlot());
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        String status = rs.getString(1);
                        LOG.info(
                                "round {}: slot {} wal_status {}",
                                round,
                                s.wal().getSlot(),
                                status);
                        if ("lost".equals(status)) {
                            return;
                        }
                    }
                }
            }
        }
        throw new AssertionError("slot " + s.wal().getSlot() + " was not invalidated after 20 rounds of WAL");
    }

    private static void setSystem(PrivatePostgres pg, String name, String value) throws SQLException {
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET " + name + " = '" + value + "'");
            st.execute("SELECT pg_reload_conf()");
        }
    }
}
