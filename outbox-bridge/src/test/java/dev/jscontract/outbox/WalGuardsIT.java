package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.outbox.OutboxRelayEvent.WalSlotMeasure;
import dev.jscontract.outbox.OutboxRelayEvent.WalSlotWarning;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL relay's guards against a real nats-server ({@code max_payload} 64 KiB) and a private PostgreSQL with {@code
 * wal_level=logical}: events too large for their stream or for the server are parked at once and the stream moves
 * on in order; a stream whose duplicate window is shorter than the retry horizon refuses the start (PUB-002) before a
 * slot is created; the slot's retained-WAL and lag warnings come once per crossing.
 */
@WithNatsServer(config = "max_payload: 65536")
@WithPrivatePostgres
class WalGuardsIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalGuardsIT.class);
    /** The stream's max_msg_size in the oversized-events test. */
    private static final int STREAM_MAX_MSG_SIZE = 4096;

    @Test
    void eventsTooLargeForTheStreamOrTheServerAreParkedAtOnceAndTheStreamMovesOnInOrder(
            NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walbig");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        Duration backoff = Duration.ofSeconds(3);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(pg.dataSource())
                        .tables(s.tables())
                        .wal(s.wal())
                        .streams(s.stream())
                        .maxAttempts(5)
                        .retryBackoff(RetryBackoff.fixed(backoff))
                        .statsInterval(Duration.ofMillis(200))
                        .meterRegistry(registry)
                        .listener(seen::add)
                        .listener(e -> {
                            if (e instanceof OutboxRelayEvent.RowParked) {
                                throw new IllegalStateException("a listener that fails on every parked event");
                            }
                        })
                        .build()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(s.stream())
                            .subjects(s.tables().getTable() + ".>")
                            .storageType(StorageType.File)
                            .duplicateWindow(Duration.ofMinutes(2))
                            .maximumMessageSize(STREAM_MAX_MSG_SIZE)
                            .build());
            relay.start();
            OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
            long tooLargeForStream;
            long tooLargeForServer;
            try (java.sql.Connection c = pg.connection()) { // autocommit: one transaction per event
                writer.write(c, WalTesting.event(s, "e0", 0));
                writer.write(c, WalTesting.event(s, "e1", 1));
                tooLargeForStream = writer.write(c, big(s, "big-for-stream", 2 * STREAM_MAX_MSG_SIZE));
                writer.write(c, WalTesting.event(s, "e2", 2));
                writer.write(c, WalTesting.event(s, "e3", 3));
                tooLargeForServer = writer.write(c, big(s, "big-for-server", 100_000));
                for (int i = 4; i < 10; i++) {
                    writer.write(c, WalTesting.event(s, "e" + i, i));
                }
            }
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(30),
                    "two parked events and e0..e9 in the stream",
                    () -> OutboxTesting.count(pg.dataSource(), s.tables().qualifiedParkedTable()) == 2
                            && msgCount(nc, s.stream()) == 10);
            WalTesting.assertExactlyInOrder(OutboxTesting.readStream(nc, s.stream()), 10);

            List<Instant> committedAt = new ArrayList<>();
            try (java.sql.Connection c = pg.connection();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT id, lsn::text, reason, attempts, message_id, error, created_at"
                                    + " FROM " + s.tables().qualifiedParkedTable() + " ORDER BY lsn")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(-tooLargeForStream);
                assertThat(LogSequenceNumber.valueOf(rs.getString(2)).asLong()).isEqualTo(tooLargeForStream);
                assertThat(rs.getString(3)).isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE.tag());
                assertThat(rs.getInt(4))
                        .as("attempts of the event over max_msg_size")
                        .isEqualTo(1);
                assertThat(rs.getString(5)).isEqualTo("big-for-stream");
                assertThat(rs.getString(6)).contains("10054");
                committedAt.add(rs.getTimestamp(7).toInstant());
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(-tooLargeForServer);
                assertThat(LogSequenceNumber.valueOf(rs.getString(2)).asLong()).isEqualTo(tooLargeForServer);
                assertThat(rs.getString(3)).isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE.tag());
                assertThat(rs.getInt(4))
                        .as("attempts of the event over max_payload")
                        .isEqualTo(1);
                assertThat(rs.getString(5)).isEqualTo("big-for-server");
                assertThat(rs.getString(6)).contains("exceed");
                committedAt.add(rs.getTimestamp(7).toInstant());
            }
            // at once: one failed attempt each, parked without waiting for the retry backoff
            assertThat(registry.get("jscontract.outbox.wal.failures")
                            .tag("reason", "payload-too-large")
                            .counter()
                            .count())
                    .isEqualTo(2.0);
            OutboxTesting.await(
                    Duration.ofSeconds(5),
                    "both parks counted",
                    () -> registry.get("jscontract.outbox.wal.parks")
                                    .tag("reason", "payload-too-large")
                                    .counter()
                                    .count()
                            == 2.0);
            List<OutboxRelayEvent.RowParked> parked = seen.stream()
                    .filter(OutboxRelayEvent.RowParked.class::isInstance)
                    .map(OutboxRelayEvent.RowParked.class::cast)
                    .toList();
            assertThat(parked)
                    .extracting(OutboxRelayEvent.RowParked::messageId)
                    .containsExactly("big-for-stream", "big-for-server");
            for (int i = 0; i < 2; i++) {
                Duration commitToPark =
                        Duration.between(committedAt.get(i), parked.get(i).at());
                LOG.info("{}: parked {} ms after its commit", parked.get(i).messageId(), commitToPark.toMillis());
                assertThat(commitToPark).as("commit to park").isLessThan(backoff);
            }
            // the listener that throws on each park is counted under the name the consumer uses
            OutboxTesting.await(
                    Duration.ofSeconds(5),
                    "two listener failures counted",
                    () -> registry.get("jscontract.outbox.wal.listener.failures")
                                    .counter()
                                    .count()
                            == 2.0);
            assertThat(seen)
                    .filteredOn(OutboxRelayEvent.ListenerFailed.class::isInstance)
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(((OutboxRelayEvent.ListenerFailed) e).error())
                            .hasMessage("a listener that fails on every parked event"));
            assertThat(relay.getState()).isEqualTo(RelayState.RUNNING);
        }
    }

    @Test
    void aDuplicateWindowShorterThanTheRetryHorizonRefusesTheStartBeforeASlotIsCreated(
            NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walwin");
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofSeconds(1));
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(pg.dataSource())
                    .tables(s.tables())
                    .wal(s.wal())
                    .streams(s.stream())
                    .retryHorizon(Duration.ofMinutes(2))
                    .listener(seen::add)
                    .build()) {
                assertThatThrownBy(relay::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("stream " + s.stream() + " has a duplicate window of 1s (PT1S) but the outbox"
                                + " relay may re-publish an event up to 2m (PT2M) after its first publish (its retry"
                                + " horizon), so a re-published event would be stored twice (PUB-002). Fix: raise"
                                + " the stream's duplicate_window above PT2M (it must stay at most max_age), or"
                                + " shorten the relay's horizon (maxAttempts, retryBackoff, publishTimeout,"
                                + " retryHorizon, or WalSettings' takeoverInterval and statusInterval), or accept the"
                                + " risk with duplicateWindowCheck(DuplicateWindowCheck.WARN)");
                assertThat(relay.isRunning()).isFalse();
            }
            assertThat(slots(pg.dataSource(), s.wal().getSlot()))
                    .as("a refused relay leaves no slot that would keep WAL")
                    .isZero();
            assertThat(seen)
                    .filteredOn(OutboxRelayEvent.DuplicateWindowRisk.class::isInstance)
                    .singleElement()
                    .isInstanceOfSatisfying(OutboxRelayEvent.DuplicateWindowRisk.class, e -> {
                        assertThat(e.stream()).isEqualTo(s.stream());
                        assertThat(e.window()).isEqualTo(Duration.ofSeconds(1));
                        assertThat(e.horizon()).isEqualTo(Duration.ofMinutes(2));
                        assertThat(e.check()).isEqualTo(DuplicateWindowCheck.REFUSE);
                    });

            // told to accept the risk, the same relay starts, reports it, and streams
            List<OutboxRelayEvent> warned = new CopyOnWriteArrayList<>();
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(pg.dataSource())
                    .tables(s.tables())
                    .wal(s.wal())
                    .streams(s.stream())
                    .duplicateWindowCheck(DuplicateWindowCheck.WARN)
                    .listener(warned::add)
                    .build()) {
                relay.start();
                assertThat(relay.isRunning()).isTrue();
                assertThat(slots(pg.dataSource(), s.wal().getSlot())).isEqualTo(1);
                assertThat(warned)
                        .filteredOn(OutboxRelayEvent.DuplicateWindowRisk.class::isInstance)
                        .singleElement()
                        .extracting(e -> ((OutboxRelayEvent.DuplicateWindowRisk) e).check())
                        .isEqualTo(DuplicateWindowCheck.WARN);
            }
        }
    }

    @Test
    void retainedWalAndLagWarningsComeOncePerCrossing(NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup base = WalTesting.setup(pg.dataSource(), "walwarn");
        long lagWarning = 32 * 1024;
        WalTesting.Setup s = new WalTesting.Setup(
                base.tables(),
                base.wal().toBuilder()
                        .retainedWalWarning(1)
                        .lagWarning(lagWarning)
                        .build(),
                base.stream());
        String table = s.tables().getTable();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<OutboxRelayEvent> seen = new CopyOnWriteArrayList<>();
        try (Connection nc = server.connect();
                // no streams(...): the streams of the blocking events are created during the test. A missing stream
                // holds its event at the head (retried every second) and the slot's confirmed position with it
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(pg.dataSource())
                        .tables(s.tables())
                        .wal(s.wal())
                        .maxAttempts(60)
                        .publishTimeout(Duration.ofSeconds(2))
                        .retryBackoff(RetryBackoff.fixed(Duration.ofSeconds(1)))
                        .statsInterval(Duration.ofMillis(200))
                        .meterRegistry(registry)
                        .listener(seen::add)
                        .build()) {
            OutboxTesting.createStream(nc, s.stream(), table, Duration.ofMinutes(10));
            relay.start();
            int n = 0;
            for (String blocked : List.of("a", "b")) {
                String subjectPrefix = table + "_" + blocked;
                try (java.sql.Connection c = pg.connection()) {
                    OutboxWriter.builder()
                            .wal(s.wal())
                            .build()
                            .write(
                                    c,
                                    OutboxMessage.builder()
                                            .subject(subjectPrefix + ".e")
                                            .payload(new byte[] {1})
                                            .messageId("blocked-" + blocked)
                                            .build());
                }
                // three rounds above the threshold, each seen by a later stats poll: the lag only grows while the
                // head is held, so a gauge at least the server's lag after the write is a poll after it
                for (int round = 0; round < 3; round++) {
                    n = writeFiller(pg, s, n, 20, 2048);
                    long lagNow = serverLag(pg.dataSource(), s.wal().getSlot());
                    assertThat(lagNow)
                            .as("the slot's lag while the head is held")
                            .isGreaterThan(lagWarning);
                    OutboxTesting.await(
                            Duration.ofSeconds(10),
                            "a stats poll that sees a lag of at least " + lagNow,
                            () -> registry.get("jscontract.outbox.wal.lag")
                                            .gauge()
                                            .value()
                                    >= lagNow);
                }
                assertThat(warnings(seen, WalSlotMeasure.LAG))
                        .as("one lag warning per crossing, however many polls see the lag above")
                        .hasSize(blocked.equals("a") ? 1 : 2);
                OutboxTesting.createStream(
                        nc, OutboxTesting.streamName(subjectPrefix), subjectPrefix, Duration.ofMinutes(10));
                int written = n;
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "the held event and every filler event in their streams",
                        () -> msgCount(nc, OutboxTesting.streamName(subjectPrefix)) == 1
                                && msgCount(nc, s.stream()) == written);
                OutboxTesting.await(
                        Duration.ofSeconds(10),
                        "the lag back below the threshold",
                        () -> registry.get("jscontract.outbox.wal.lag").gauge().value() <= lagWarning);
            }
            List<WalSlotWarning> lag = warnings(seen, WalSlotMeasure.LAG);
            assertThat(lag).hasSize(2).allSatisfy(w -> {
                assertThat(w.slot()).isEqualTo(s.wal().getSlot());
                assertThat(w.threshold()).isEqualTo(lagWarning);
                assertThat(w.bytes()).isGreaterThan(lagWarning);
            });
            List<WalSlotWarning> retained = warnings(seen, WalSlotMeasure.RETAINED_WAL);
            assertThat(retained)
                    .as("the retained WAL never falls to 1 byte: one warning in the whole test")
                    .singleElement()
                    .satisfies(w -> {
                        assertThat(w.threshold()).isEqualTo(1);
                        assertThat(w.bytes()).isGreaterThan(1);
                    });
            LOG.info(
                    "lag warnings at {} bytes; retained-WAL warning at {} bytes",
                    lag.stream().map(WalSlotWarning::bytes).toList(),
                    retained.get(0).bytes());
            assertThat(seen).noneMatch(OutboxRelayEvent.RowParked.class::isInstance);
        }
    }

    private static OutboxMessage big(WalTesting.Setup s, String id, int size) {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        return OutboxMessage.builder()
                .subject(s.tables().getTable() + ".big")
                .payload(payload)
                .messageId(id)
                .build();
    }

    /** Commits {@code count} events {@code e<from>}... of {@code size} bytes in one transaction; returns the next n. */
    private static int writeFiller(PrivatePostgres pg, WalTesting.Setup s, int from, int count, int size)
            throws SQLException {
        OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
        byte[] payload = "f".repeat(size).getBytes(StandardCharsets.UTF_8);
        try (java.sql.Connection c = pg.connection()) {
            c.setAutoCommit(false);
            for (int i = from; i < from + count; i++) {
                writer.write(
                        c,
                        OutboxMessage.builder()
                                .subject(s.tables().getTable() + ".e")
                                .payload(payload)
                                .messageId("e" + i)
                                .build());
            }
            c.commit();
        }
        return from + count;
    }

    private static List<WalSlotWarning> warnings(List<OutboxRelayEvent> seen, WalSlotMeasure measure) {
        return seen.stream()
                .filter(WalSlotWarning.class::isInstance)
                .map(WalSlotWarning.class::cast)
                .filter(w -> w.measure() == measure)
                .toList();
    }

    /** The slot's lag as the relay's stats query computes it. */
    private static long serverLag(DataSource ds, String slot) throws SQLException {
        try (java.sql.Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM"
                                + " pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static int slots(DataSource ds, String slot) throws SQLException {
        try (java.sql.Connection c = ds.getConnection();
                PreparedStatement st =
                        c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static long msgCount(Connection nc, String stream) throws Exception {
        return nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
    }
}
