package dev.jscontract.benchmarks.outbox;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the outbox's wake-up costs the writers: 8 threads (default) each commit single-row transactions of a 64-byte
 * payload through {@link OutboxWriter} (no ordering key) for a fixed time, and the harness counts commits per second.
 * In each round, alternating their order, it measures the same inserts into
 *
 * <ol>
 *   <li><b>bare</b>: an installed outbox table whose wake-up trigger was dropped (no trigger at all);
 *   <li><b>outbox</b>: the installed outbox table, as {@link OutboxSchema} installs it, with no relay running;
 *   <li><b>outbox-v1</b>: the same table with the trigger of schema version 1 (one {@code NOTIFY} per inserting
 *       statement), the reference for what the writers paid before;
 *   <li><b>bare + relay</b>: the trigger-free table drained by an {@link OutboxRelay} that polls every 20 ms (what
 *       the README advised for writers beyond a few thousand commits per second);
 *   <li><b>outbox + relay</b>: the installed table drained by an {@link OutboxRelay} with its defaults, asleep when
 *       the writers start.
 * </ol>
 *
 * The ratios outbox / bare and (outbox + relay) / (bare + relay) are the writers' commit rate with the wake-up
 * against none; each is also given per round (both measured within seconds of each other). The load average is
 * printed before and after. It starts its own nats-server and creates, then drops, a database on the local
 * PostgreSQL (as {@link OutboxBenchmark} does).
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/cp.txt
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *     dev.jscontract.benchmarks.outbox.WriterBenchmark --runs 3 --seconds 6 --writers 8
 * </pre>
 */
public final class WriterBenchmark {
    private static final int PAYLOAD = 64;
    private static final String STREAM = "WBENCH";
    private static final String[] MODES = {"bare", "outbox", "outbox-v1", "bare + relay", "outbox + relay"};

    private final BenchDatabase db;
    private final Connection nc;
    private final int writers;
    private final int seconds;
    private int tableCounter;

    private WriterBenchmark(BenchDatabase db, Connection nc, int writers, int seconds) {
        this.db = db;
        this.nc = nc;
        this.writers = writers;
        this.seconds = seconds;
    }

    /**
     * Runs the benchmark and prints the results.
     *
     * @param args {@code --runs N} (default 3), {@code --seconds N} per measurement (default 6), {@code --writers N}
     *     (default 8)
     * @throws Exception when a server cannot be started or a run fails
     */
    public static void main(String[] args) throws Exception {
        int runs = 3;
        int seconds = 6;
        int writers = 8;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--runs" -> runs = v;
                case "--seconds" -> seconds = v;
                case "--writers" -> writers = v;
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i] + "; known: --runs --seconds --writers");
            }
        }
        try (NatsServer server = NatsServers.start();
                BenchDatabase db = BenchDatabase.create();
                Connection nc = Nats.connect(server.options().build())) {
            System.out.printf(
                    Locale.ROOT,
                    "nats-server %s, PostgreSQL %s, %d cores, java %s, %d writers, %d s per measurement%n",
                    server.version(),
                    db.serverVersion(),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"),
                    writers,
                    seconds);
            new WriterBenchmark(db, nc, writers, seconds).run(runs);
        }
    }

    private void run(int runs) throws Exception {
        System.out.println("load average before: " + loadAverage());
        Map<String, List<Double>> tps = new LinkedHashMap<>();
        for (String m : MODES) {
            tps.put(m, new ArrayList<>());
        }
        measure("bare", -1); // warm-up: JIT, connections, the server's caches
        measure("outbox", -1);
        for (int r = 1; r <= runs; r++) {
            List<String> order = new ArrayList<>(List.of(MODES));
            if (r % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            StringBuilder line = new StringBuilder("run " + r + ":");
            for (String m : order) {
                double v = measure(m, r);
                tps.get(m).add(v);
                line.append(String.format(Locale.ROOT, " %s %.0f tps,", m, v));
            }
            System.out.println(line.substring(0, line.length() - 1) + " (load " + loadAverage() + ")");
        }
        System.out.println("load average after: " + loadAverage());
        System.out.println();
        System.out.println("| Measurement | Runs | Median |");
        System.out.println("|---|---|---|");
        for (String m : MODES) {
            row(m + " (commits/s)", tps.get(m));
        }
        ratio("outbox / bare", tps.get("outbox"), tps.get("bare"));
        ratio("outbox-v1 / bare", tps.get("outbox-v1"), tps.get("bare"));
        ratio("(outbox + relay) / (bare + relay)", tps.get("outbox + relay"), tps.get("bare + relay"));
    }

    private static void row(String name, List<Double> values) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %,.0f |%n",
                name,
                String.join(
                        ", ",
                        values.stream()
                                .map(v -> String.format(Locale.ROOT, "%,.0f", v))
                                .toList()),
                median(values));
    }

    private static void ratio(String name, List<Double> a, List<Double> b) {
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            paired.add(a.get(i) / b.get(i));
        }
        System.out.printf(
                Locale.ROOT,
                "| %s: ratio of medians (per-round ratios) | %s | %.2fx |%n",
                name,
                String.join(
                        ", ",
                        paired.stream()
                                .map(v -> String.format(Locale.ROOT, "%.2f", v))
                                .toList()),
                median(a) / median(b));
    }

    private static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Commits per second of the writers in one mode. */
    private double measure(String mode, int run) throws Exception {
        OutboxTables tables =
                OutboxTables.builder().table("wbench_" + (++tableCounter)).build();
        OutboxSchema.install(db.dataSource(), tables, OutboxSchema.DEFAULT_PARTITIONS);
        boolean bare = mode.startsWith("bare");
        try (java.sql.Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            if (bare) {
                st.execute("DROP TRIGGER " + tables.getTable() + "_notify ON " + tables.qualifiedTable());
            } else if (mode.equals("outbox-v1")) {
                st.execute("DROP TRIGGER " + tables.getTable() + "_notify ON " + tables.qualifiedTable());
                st.execute("CREATE OR REPLACE FUNCTION " + tables.getTable() + "_notify() RETURNS trigger LANGUAGE"
                        + " plpgsql AS $$ BEGIN PERFORM pg_notify('" + tables.notifyChannel() + "', ''); RETURN NULL;"
                        + " END $$");
                st.execute("CREATE TRIGGER " + tables.getTable() + "_notify AFTER INSERT ON " + tables.qualifiedTable()
                        + " FOR EACH STATEMENT EXECUTE FUNCTION " + tables.getTable() + "_notify()");
            }
        }
        OutboxRelay relay = null;
        if (mode.endsWith("relay")) {
            freshStream();
            OutboxRelay.Builder b = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .streams(STREAM);
            if (bare) {
                b.idlePollInterval(Duration.ofMillis(20));
            }
            relay = b.build();
            relay.start();
            while (relay.getOwnedPartitions().size() < relay.getPartitionCount()) {
                Thread.sleep(10);
            }
            Thread.sleep(500); // long enough for a relay with the defaults to fall asleep
        }
        try {
            return write(tables, run);
        } finally {
            if (relay != null) {
                relay.close();
            }
            try (java.sql.Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.execute("DROP TABLE " + tables.qualifiedTable() + ", " + tables.qualifiedParkedTable() + ", "
                        + tables.qualifiedMetaTable());
                st.execute("DROP FUNCTION IF EXISTS " + tables.getTable() + "_notify(), " + tables.getTable()
                        + "_write(text, bytea, jsonb, text, text)");
            }
        }
    }

    private double write(OutboxTables tables, int run) throws Exception {
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        byte[] payload = new byte[PAYLOAD];
        java.util.Arrays.fill(payload, (byte) 'x');
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(writers);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < writers; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try (java.sql.Connection c = db.dataSource().getConnection()) {
                    c.setAutoCommit(false);
                    ready.countDown();
                    long i = 0;
                    while (!stop.get()) {
                        writer.write(
                                c,
                                OutboxMessage.builder()
                                        .subject("wbench.x")
                                        .payload(payload)
                                        .messageId("w" + run + "-" + id + "-" + i++)
                                        .build());
                        c.commit();
                        if (counting.get()) {
                            commits.incrementAndGet();
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    failures.add(e);
                    ready.countDown();
                }
            });
            th.start();
            threads.add(th);
        }
        ready.await();
        Thread.sleep(1000); // ramp-up, not counted
        counting.set(true);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        counting.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a writer failed", failures.get(0));
        }
        return commits.get() / elapsed;
    }

    private void freshStream() throws Exception {
        if (nc.jetStreamManagement().getStreamNames().contains(STREAM)) {
            nc.jetStreamManagement().deleteStream(STREAM);
        }
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(STREAM)
                        .subjects("wbench.>")
                        .storageType(StorageType.File)
                        .duplicateWindow(Duration.ofMinutes(2))
                        .build());
    }
}
