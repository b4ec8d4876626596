package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsCluster;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.Replica;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A 3-node cluster with an R3 stream loses its stream leader mid-run: nothing is lost, nothing stored twice. */
@WithNatsCluster
@WithPostgres
class ClusterLeaderLossIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLeaderLossIT.class);
    private static final int ROWS = 6000;

    @Test
    void killingTheStreamLeaderLosesNothing(NatsCluster cluster, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("cluster");
        OutboxSchema.install(db.dataSource(), tables, 4);
        String stream = OutboxTesting.streamName(tables.getTable());
        try (Connection nc = cluster.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2), 3);
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .build()) {
                relay.start();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(db, tables));
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30),
                        "publishing to be under way",
                        () -> nc.jetStreamManagement()
                                        .getStreamInfo(stream)
                                        .getStreamState()
                                        .getMsgCount()
                                > 500);
                NatsServer leader = cluster.streamLeader(stream);
                leader.kill();
                NatsServer next = cluster.awaitNewStreamLeader(stream, leader, Duration.ofSeconds(30));
                LOG.info("stream leader {} killed, {} leads now", leader.name(), next.name());
                writer.get(60, TimeUnit.SECONDS);
                leader.start();
                cluster.awaitReady(Duration.ofSeconds(30));
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(90),
                        "the outbox to drain",
                        () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
            }
            // what the stream's leader says once the relay has deleted every row (each after its PubAck)
            String drained = clusterState(nc, stream);
            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
            OutboxTesting.assertEachIdOnce(stored);
            OutboxTesting.assertPerKeyOrder(stored, "r-", 32);
            Set<String> missing = new TreeSet<>();
            for (int i = 0; i < ROWS; i++) {
                missing.add("r-" + i);
            }
            Set<String> ids = new HashSet<>(
                    stored.stream().map(OutboxTesting.Stored::messageId).toList());
            Set<String> unexpected = new TreeSet<>(ids);
            unexpected.removeAll(missing);
            missing.removeAll(ids);
            // a shortfall names the cluster's view when the outbox had drained and now, so a server that lost
            // acknowledged messages (a stale replica leading after the restart) can be told from a relay that lost rows
            assertThat(missing)
                    .as(
                            "ids not in the stream (%d stored of %d); when the outbox drained: %s; now: %s",
                            stored.size(), ROWS, drained, clusterState(nc, stream))
                    .isEmpty();
            assertThat(unexpected)
                    .as("ids in the stream that were never written")
                    .isEmpty();
            assertThat(OutboxTesting.count(db.dataSource(), tables.qualifiedParkedTable()))
                    .isZero();
        }
    }

    /** The stream's message count, leader and replicas (current, lag) as its leader reports them. */
    private static String clusterState(Connection nc, String stream) throws Exception {
        StreamInfo info = nc.jetStreamManagement().getStreamInfo(stream);
        ClusterInfo cluster = info.getClusterInfo();
        StringBuilder b = new StringBuilder()
                .append(info.getStreamState().getMsgCount())
                .append(" messages, leader ")
                .append(cluster == null ? "?" : cluster.getLeader());
        if (cluster != null && cluster.getReplicas() != null) {
            for (Replica r : cluster.getReplicas()) {
                b.append(", replica ")
                        .append(r.getName())
                        .append(r.isCurrent() ? " current" : " behind")
                        .append(r.isOffline() ? " offline" : "")
                        .append(" lag ")
                        .append(r.getLag());
            }
        }
        return b.toString();
    }

    /** 6,000 rows in transactions of 20, over about six seconds. */
    private static void write(PostgresDatabase db, OutboxTables tables) {
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        try (java.sql.Connection c = db.connection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < ROWS; ) {
                List<OutboxMessage> batch = new ArrayList<>();
                for (int r = 0; r < 20; r++, i++) {
                    batch.add(OutboxMessage.builder()
                            .subject(tables.getTable() + ".e")
                            .payload(("r-" + i).getBytes(StandardCharsets.UTF_8))
                            .messageId("r-" + i)
                            .orderingKey("k" + (i % 32))
                            .build());
                }
                writer.writeAll(c, batch);
                c.commit();
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException("writer failed", e);
        }
    }
}
