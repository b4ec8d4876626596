package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * PUB-002: a relay that may re-publish a row later than a stream's duplicate window would store it twice, so it
 * refuses to start (or warns, when told to), and it stops when such a stream first shows up in a PubAck.
 */
@WithNatsServer
@WithPostgres
class DuplicateWindowCheckIT {

    @Test
    void aOneSecondWindowAgainstATwoMinuteHorizonIsRefusedWithTheFix(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("window");
        OutboxSchema.install(db.dataSource(), tables, 2);
        String stream = OutboxTesting.streamName(tables.getTable());
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofSeconds(1));
            List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .retryHorizon(Duration.ofMinutes(2))
                    .listener(events::add)
                    .build()) {
                assertThatThrownBy(relay::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("stream " + stream + " has a duplicate window of 1s (PT1S) but the outbox relay"
                                + " may re-publish a row up to 2m (PT2M) after its first publish (its retry"
                                + " horizon), so a re-published row would be stored twice (PUB-002). Fix: raise the"
                                + " stream's duplicate_window above PT2M (it must stay at most max_age), or shorten"
                                + " the relay's horizon (maxAttempts, retryBackoff, publishTimeout,"
                                + " rebalanceInterval, retryHorizon), or accept the risk with"
                                + " duplicateWindowCheck(DuplicateWindowCheck.WARN)");
                assertThat(relay.isRunning()).isFalse();
            }
            assertThat(events)
                    .filteredOn(OutboxRelayEvent.DuplicateWindowRisk.class::isInstance)
                    .singleElement()
                    .isInstanceOfSatisfying(OutboxRelayEvent.DuplicateWindowRisk.class, e -> {
                        assertThat(e.stream()).isEqualTo(stream);
                        assertThat(e.window()).isEqualTo(Duration.ofSeconds(1));
                        assertThat(e.horizon()).isEqualTo(Duration.ofMinutes(2));
                        assertThat(e.check()).isEqualTo(DuplicateWindowCheck.REFUSE);
                    });
        }
    }

    @Test
    void warnModeStartsAndReports(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("warnwin");
        OutboxSchema.install(db.dataSource(), tables, 2);
        String stream = OutboxTesting.streamName(tables.getTable());
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofSeconds(1));
            List<OutboxRelayEvent> events = new CopyOnWriteArrayList<>();
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .duplicateWindowCheck(DuplicateWindowCheck.WARN)
                    .listener(events::add)
                    .build()) {
                relay.start();
                assertThat(relay.isRunning()).isTrue();
                assertThat(events)
                        .filteredOn(e -> e instanceof OutboxRelayEvent.DuplicateWindowRisk)
                        .singleElement()
                        .extracting(e -> ((OutboxRelayEvent.DuplicateWindowRisk) e).check())
                        .isEqualTo(DuplicateWindowCheck.WARN);
            }
        }
    }

    @Test
    void aStreamFirstSeenInAPubAckIsCheckedAndStopsTheRelay(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("latewin");
        OutboxSchema.install(db.dataSource(), tables, 2);
        String stream = OutboxTesting.streamName(tables.getTable());
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofSeconds(1));
            try (java.sql.Connection c = db.connection()) {
                OutboxWriter.builder()
                        .tables(tables)
                        .build()
                        .write(
                                c,
                                OutboxMessage.builder()
                                        .subject(tables.getTable() + ".e")
                                        .payload(new byte[] {1})
                                        .build());
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .build()) {
                relay.start();
                OutboxTesting.await(Duration.ofSeconds(20), "the relay to stop", () -> !relay.isRunning());
                assertThat(relay.getFailure())
                        .get()
                        .isInstanceOf(IllegalStateException.class)
                        .extracting(Throwable::getMessage)
                        .asString()
                        .startsWith("stream " + stream + " has a duplicate window of 1s (PT1S)")
                        .contains("PUB-002");
            }
        }
    }

    @Test
    void aMissingStreamIsReported(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("nowin");
        OutboxSchema.install(db.dataSource(), tables, 2);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(db.dataSource())
                        .tables(tables)
                        .streams("NO_SUCH_STREAM")
                        .build()) {
            assertThatThrownBy(relay::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("stream NO_SUCH_STREAM given to streams(...) does not exist on the NATS server; create"
                            + " it before starting the relay, or remove it from streams(...)");
        }
    }
}
