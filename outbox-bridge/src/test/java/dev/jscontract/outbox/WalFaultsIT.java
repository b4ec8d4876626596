package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL relay against PostgreSQL faults on a private server: a restart while writers write, and a fast shutdown
 * with a streaming relay.
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
}
