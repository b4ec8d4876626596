package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsCluster;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An R3 stream on three nodes loses its leader and its quorum: the relay stays connected to the surviving node, and
 * every publish gets 503 No Responders while the other two nodes are down. That is an outage, not a bad row: the relay
 * must pause, count no attempt, park nothing, and afterwards publish every committed row once, per key in commit
 * order. (The old code classified the 503 as "no stream", counted attempts and parked about half the rows.)
 */
@WithNatsCluster
@WithPostgres
class LeaderElectionIT {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElectionIT.class);
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @Test
    void aStreamWithoutLeaderOrQuorumPausesTheRelayAndParksNothing(NatsCluster cluster, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("election");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String stream = OutboxTesting.streamName(tables.getTable());
        NatsServer survivor = cluster.node(0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Connection admin = cluster.connect();
                Connection nc = Nats.connect(
                        survivor.options().ignoreDiscoveredServers().build())) {
            OutboxTesting.createStream(admin, stream, tables.getTable(), Duration.ofMinutes(5), 3);
            moveLeaderAwayFrom(cluster, admin, stream, survivor);
            try (OutboxRelay relay = OutboxRelay.builder()
                            .connection(nc)
                            .dataSource(db.dataSource())
                            .tables(tables)
                            .streams(stream)
                            .retryHorizon(Duration.ofMinutes(3))
                            .meterRegistry(registry)
                            .build();
                    KeyedWriters writers = new KeyedWriters(db.dataSource(), tables, 16, 2)) {
                relay.start();
                OutboxTesting.awaitChecked(Duration.ofSeconds(20), "rows flowing", () -> writers.committed() > 200);
                for (int i = 1; i <= 2; i++) {
                    cluster.node(i).kill();
                }
                LOG.info("killed the two nodes with the stream leader; the relay stays on {}", survivor.name());
                long killedAt = System.nanoTime();
                RelayHealth paused = null;
                while (System.nanoTime() - killedAt < OUTAGE.toNanos()) {
                    assertThat(OutboxTesting.count(db.dataSource(), tables.qualifiedParkedTable()))
                            .as("nothing parked during the outage")
                            .isZero();
                    if (paused == null && relay.getState() == RelayState.RECOVERING) {
                        paused = relay.getHealth();
                    }
                    Thread.sleep(500);
                }
                assertThat(paused)
                        .as("the relay said it is recovering from an outage")
                        .isNotNull();
                assertThat(paused.getCause()).contains(RelayHealth.Cause.STREAM_UNAVAILABLE);
                for (int i = 1; i <= 2; i++) {
                    cluster.node(i).start();
                }
                cluster.awaitReady(Duration.ofSeconds(30));
                OutboxTesting.await(
                        Duration.ofSeconds(30),
                        "the relay to publish again",
                        () -> relay.getState() == RelayState.RUNNING);
                writers.stop();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(90),
                        "the outbox to drain",
                        () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
                int rows = writers.verify(admin, stream);
                LOG.info("{} rows, each stored once, per key in commit order", rows);
                assertThat(rows).isGreaterThan(500);
            }
            assertThat(OutboxTesting.count(db.dataSource(), tables.qualifiedParkedTable()))
                    .isZero();
            assertThat(registry.find("jscontract.outbox.parks").counters())
                    .allSatisfy(c -> assertThat(c.count()).isZero());
        }
    }

    /** Makes a node other than {@code keep} lead the stream, so that killing the other two takes the leader. */
    private static void moveLeaderAwayFrom(NatsCluster cluster, Connection admin, String stream, NatsServer keep)
            throws Exception {
        for (int i = 0; i < 10 && cluster.streamLeader(stream).name().equals(keep.name()); i++) {
            admin.request("$JS.API.STREAM.LEADER.STEPDOWN." + stream, new byte[0], Duration.ofSeconds(5));
            NatsServer previous = keep;
            OutboxTesting.await(Duration.ofSeconds(10), "a new stream leader", () -> {
                try {
                    return !cluster.streamLeader(stream).name().equals(previous.name());
                } catch (IllegalStateException e) {
                    return false;
                }
            });
        }
        assertThat(cluster.streamLeader(stream).name()).isNotEqualTo(keep.name());
    }
}
