package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The skip hazard: eight writers commit out of id order (random delays between insert and commit, 10 % rollbacks)
 * while the relay runs. Every committed row must reach the stream exactly once, no rolled-back row may.
 */
@WithNatsServer
@WithPostgres
class ConcurrentWritersIT {
    private static final int WRITERS = 8;
    private static final int ROWS = 20_000;

    @Test
    void everyCommittedRowOnceAndNoRolledBackRow(NatsServer server, PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("writers");
        OutboxSchema.install(db.dataSource(), tables, 8);
        String stream = OutboxTesting.streamName(tables.getTable());
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> rolledBack = ConcurrentHashMap.newKeySet();
        AtomicInteger attempted = new AtomicInteger();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, stream, tables.getTable(), Duration.ofMinutes(2));
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(stream)
                    .build()) {
                relay.start();
                ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writerId = w;
                    futures.add(pool.submit(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        int n = 0;
                        try (java.sql.Connection c = db.connection()) {
                            c.setAutoCommit(false);
                            while (attempted.get() < ROWS) {
                                int rows = 1 + random.nextInt(3);
                                attempted.addAndGet(rows);
                                List<OutboxMessage> batch = new ArrayList<>();
                                List<String> ids = new ArrayList<>();
                                for (int r = 0; r < rows; r++) {
                                    String id = "w" + writerId + "-" + n++;
                                    ids.add(id);
                                    OutboxMessage.Builder m = OutboxMessage.builder()
                                            .subject(tables.getTable() + ".e")
                                            .payload(id.getBytes(StandardCharsets.UTF_8))
                                            .messageId(id);
                                    if (random.nextInt(4) > 0) {
                                        m.orderingKey("key-" + random.nextInt(200));
                                    }
                                    batch.add(m.build());
                                }
                                if (rows == 1) {
                                    writer.write(c, batch.get(0));
                                } else {
                                    writer.writeAll(c, batch);
                                }
                                // Hold the transaction open for a while, so later ids commit first.
                                Thread.sleep(random.nextInt(4));
                                if (random.nextInt(10) == 0) {
                                    c.rollback();
                                    rolledBack.addAll(ids);
                                } else {
                                    c.commit();
                                    committed.addAll(ids);
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                pool.shutdown();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(60),
                        "the outbox to drain",
                        () -> OutboxTesting.count(db.dataSource(), tables.qualifiedTable()) == 0);
            }
            List<OutboxTesting.Stored> stored = OutboxTesting.readStream(nc, stream);
            OutboxTesting.assertEachIdOnce(stored);
            Set<String> ids = new HashSet<>();
            stored.forEach(s -> ids.add(s.messageId()));
            assertThat(committed.size() + rolledBack.size()).isGreaterThanOrEqualTo(ROWS);
            assertThat(rolledBack).isNotEmpty();
            assertThat(ids).isEqualTo(committed);
            assertThat(ids).doesNotContainAnyElementsOf(rolledBack);
            assertThat(OutboxTesting.count(db.dataSource(), tables.qualifiedParkedTable()))
                    .isZero();
        }
    }
}
