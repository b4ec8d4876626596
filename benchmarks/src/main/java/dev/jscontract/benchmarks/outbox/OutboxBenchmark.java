package dev.jscontract.benchmarks.outbox;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * Load harness for the outbox bridge: in one run on the same servers it measures
 *
 * <ol>
 *   <li><b>raw</b>: {@code publishAsync} of N 128-byte messages, each with a unique {@code Nats-Msg-Id}, then waiting
 *       for every PubAck (the ceiling: no database at all);
 *   <li><b>naive</b>: {@link NaiveRelay} draining N preloaded outbox rows (claim 500 {@code FOR UPDATE SKIP LOCKED},
 *       publish, wait for all acks, delete, commit);
 *   <li><b>relay</b>: {@link OutboxRelay} (default settings) draining N preloaded rows;
 *   <li><b>latency</b>: commit-to-PubAck of single-row transactions written at a steady rate (default 1,000 rows/s)
 *       while the relay runs: from the moment {@code commit()} returns to the moment the relay receives the PubAck;
 *   <li><b>idle</b>: the relay's query rate with nothing to do, from {@code pg_stat_database} (transactions committed
 *       plus rolled back in the benchmark database; every relay query is one autocommit transaction).
 * </ol>
 *
 * Each measurement runs {@code --runs} times (default 3) and the medians are printed as a Markdown table. It starts its
 * own nats-server (the default binary, via {@code NatsServers}) and creates, then drops, a database on the local
 * PostgreSQL (as the test harness finds it: {@code JSC_JDBC_URL}, else 127.0.0.1:5432).
 *
 * <p>Run it from the repository root (about five minutes with the defaults):
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/cp.txt
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *     dev.jscontract.benchmarks.outbox.OutboxBenchmark --runs 3 --rows 100000
 * </pre>
 *
 * Options: {@code --runs N}, {@code --rows N} (rows per throughput run), {@code --warmup N} (uncounted rounds of
 * the three throughput modes first, default 1, so that all three run JIT-compiled), {@code --rate N} and {@code
 * --latency-seconds N} and {@code --writers N} (latency runs: the writer threads sharing the rate, default 2),
 * {@code --idle-seconds N}, {@code --batch N} and {@code --pipeline N} (relay
 * settings), {@code --verbose true} (print the relay's meters after each throughput run), {@code --only
 * throughput|relay|latency|idle}.
 */
public final class OutboxBenchmark {
    private static final int PAYLOAD = 128;
    private static final String STREAM = "BENCH";

    private final Settings settings;
    private final Connection nc;
    private final BenchDatabase db;
    private final CpuMeter cpu;
    private final java.util.Map<String, List<double[]>> cpuPerRow = new java.util.LinkedHashMap<>();
    private int tableCounter;

    private OutboxBenchmark(Settings settings, Connection nc, BenchDatabase db, CpuMeter cpu) {
        this.settings = settings;
        this.nc = nc;
        this.db = db;
        this.cpu = cpu;
    }

    /**
     * Runs the benchmark and prints the results.
     *
     * @param args see the class documentation
     * @throws Exception when a server cannot be started or a run fails
     */
    public static void main(String[] args) throws Exception {
        Settings s = Settings.parse(args);
        try (NatsServer server = NatsServers.start();
                BenchDatabase db = BenchDatabase.create();
                Connection nc = Nats.connect(server.options().build())) {
            System.out.printf(
                    Locale.ROOT,
                    "nats-server %s, PostgreSQL %s, %d cores, java %s%n",
                    server.version(),
                    db.serverVersion(),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            new OutboxBenchmark(s, nc, db, CpuMeter.forNatsServer(server.port())).run();
        }
    }

    private void run() throws Exception {
        System.out.println("load average before: " + loadAverage());
        List<Double> raw = new ArrayList<>();
        List<Double> naive = new ArrayList<>();
        List<Double> relay = new ArrayList<>();
        List<double[]> latency = new ArrayList<>();
        List<Double> idle = new ArrayList<>();
        if (settings.only != null && settings.only.equals("relay")) {
            for (int w = 1; w <= settings.warmup; w++) {
                System.out.printf(Locale.ROOT, "warm-up %d (not counted): relay %.0f%n", w, relay(-w));
            }
            for (int r = 1; r <= settings.runs; r++) {
                System.out.printf(Locale.ROOT, "run %d: relay %.0f rows/s%n", r, relay(r));
            }
            return;
        }
        if (settings.only == null || settings.only.equals("throughput")) {
            for (int w = 1; w <= settings.warmup; w++) {
                System.out.printf(
                        Locale.ROOT,
                        "warm-up %d (not counted): raw %.0f, naive %.0f, relay %.0f%n",
                        w,
                        raw(-w),
                        naive(-w),
                        relay(-w));
            }
            for (int r = 1; r <= settings.runs; r++) {
                raw.add(raw(r));
                naive.add(naive(r));
                relay.add(relay(r));
                System.out.printf(
                        Locale.ROOT,
                        "run %d: raw %.0f msg/s, naive %.0f rows/s, relay %.0f rows/s, relay / raw %.2f (load %s)%n",
                        r,
                        raw.get(r - 1),
                        naive.get(r - 1),
                        relay.get(r - 1),
                        relay.get(r - 1) / raw.get(r - 1),
                        loadAverage());
            }
        }
        if (settings.only == null || settings.only.equals("latency")) {
            for (int r = 1; r <= settings.runs; r++) {
                double[] l = latency(r);
                latency.add(l);
                System.out.printf(
                        Locale.ROOT,
                        "latency run %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d rows) (load %s)%n",
                        r,
                        l[0],
                        l[1],
                        l[2],
                        (long) l[3],
                        loadAverage());
            }
        }
        if (settings.only == null || settings.only.equals("idle")) {
            for (int r = 1; r <= settings.runs; r++) {
                double q = idle(r);
                idle.add(q);
                System.out.printf(Locale.ROOT, "idle run %d: %.2f queries/s (load %s)%n", r, q, loadAverage());
            }
        }
        System.out.println("load average after: " + loadAverage());
        System.out.println();
        System.out.println("| Measurement | Runs | Median |");
        System.out.println("|---|---|---|");
        if (!raw.isEmpty()) {
            double mRaw = median(raw);
            double mNaive = median(naive);
            double mRelay = median(relay);
            row("raw publishAsync with message ids (msg/s)", raw, mRaw);
            row("naive relay (rows/s)", naive, mNaive);
            row("outbox relay (rows/s)", relay, mRelay);
            System.out.printf(Locale.ROOT, "| relay / naive | | %.2fx |%n", mRelay / mNaive);
            List<Double> paired = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                paired.add(relay.get(i) / raw.get(i));
            }
            System.out.printf(
                    Locale.ROOT,
                    "| relay / raw: ratio of medians (per-run ratios; their median %.2f) | %s | %.2fx |%n",
                    median(paired),
                    String.join(
                            ", ",
                            paired.stream()
                                    .map(v -> String.format(Locale.ROOT, "%.2f", v))
                                    .toList()),
                    mRelay / mRaw);
            for (Map.Entry<String, List<double[]>> e : cpuPerRow.entrySet()) {
                List<Double> total =
                        e.getValue().stream().map(v -> v[0] + v[1] + v[2]).toList();
                System.out.printf(
                        Locale.ROOT,
                        "| %s: CPU per row, JVM + nats-server + PostgreSQL (us) | %s | %.1f"
                                + " (%.1f + %.1f + %.1f) |%n",
                        e.getKey(),
                        String.join(
                                ", ",
                                total.stream()
                                        .map(v -> String.format(Locale.ROOT, "%.1f", v))
                                        .toList()),
                        median(total),
                        median(e.getValue().stream().map(v -> v[0]).toList()),
                        median(e.getValue().stream().map(v -> v[1]).toList()),
                        median(e.getValue().stream().map(v -> v[2]).toList()));
            }
        }
        if (!latency.isEmpty()) {
            List<Double> p50 = latency.stream().map(l -> l[0]).toList();
            List<Double> p99 = latency.stream().map(l -> l[1]).toList();
            row("commit-to-PubAck p50 at " + settings.rate + " rows/s (ms)", p50, median(p50));
            row("commit-to-PubAck p99 at " + settings.rate + " rows/s (ms)", p99, median(p99));
        }
        if (!idle.isEmpty()) {
            row("idle queries per second", idle, median(idle));
        }
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim()
                    .split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static void row(String name, List<Double> values, double median) {
        StringBuilder runs = new StringBuilder();
        for (double v : values) {
            runs.append(runs.length() == 0 ? "" : ", ").append(format(v));
        }
        System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", name, runs, format(median));
    }

    private static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    // ---------------------------------------------------------------------------------------------------------

    private double raw(int run) throws Exception {
        freshStream();
        JetStream js = nc.jetStream();
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) 'x');
        int n = settings.rows;
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>(n);
        long jvm0 = cpu.jvmNanos();
        long nats0 = cpu.natsNanos();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Headers h = new Headers();
            h.put(NatsJetStreamConstants.MSG_ID_HDR, "raw-" + run + "-" + i);
            futures.add(js.publishAsync("bench.raw", h, payload));
        }
        for (CompletableFuture<PublishAck> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        double rate = n / seconds(start);
        recordCpu(run, "raw", n, cpu.jvmNanos() - jvm0, cpu.natsNanos() - nats0, 0);
        return rate;
    }

    private double naive(int run) throws Exception {
        freshStream();
        OutboxTables tables = freshTable("naive");
        preload(tables, settings.rows);
        NaiveRelay relay = new NaiveRelay(db.dataSource(), nc, tables.qualifiedTable(), "naive-" + run + "-");
        long jvm0 = cpu.jvmNanos();
        long nats0 = cpu.natsNanos();
        long start = System.nanoTime();
        long n = relay.drain();
        double rate = n / seconds(start);
        recordCpu(run, "naive", n, cpu.jvmNanos() - jvm0, cpu.natsNanos() - nats0, relay.backendCpuNanos());
        drop(tables);
        return rate;
    }

    private double relay(int run) throws Exception {
        freshStream();
        OutboxTables tables = freshTable("relay");
        preload(tables, settings.rows);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        double rate;
        try (OutboxRelay relay = relayBuilder(tables).meterRegistry(registry).build()) {
            long jvm0 = cpu.jvmNanos();
            long nats0 = cpu.natsNanos();
            long start = System.nanoTime();
            relay.start();
            while (registry.get("jscontract.outbox.published").counters().stream()
                            .mapToDouble(c -> c.count())
                            .sum()
                    < settings.rows) {
                LockSupport.parkNanos(2_000_000);
            }
            rate = settings.rows / seconds(start);
            recordCpu(
                    run,
                    "relay",
                    settings.rows,
                    cpu.jvmNanos() - jvm0,
                    cpu.natsNanos() - nats0,
                    CpuMeter.processNanos(backendPids()));
            if (settings.verbose) {
                registry.getMeters()
                        .forEach(m -> System.out.println(
                                "  " + m.getId().getName() + " " + m.getId().getTags() + " " + m.measure()));
            }
        }
        drop(tables);
        return rate;
    }

    private OutboxRelay.Builder relayBuilder(OutboxTables tables) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(db.dataSource())
                .tables(tables)
                .streams(STREAM)
                .batchSize(settings.batch)
                .pipelineDepth(settings.pipeline);
    }

    /** Returns {p50, p99, max, count} in milliseconds. */
    private double[] latency(int run) throws Exception {
        freshStream();
        OutboxTables tables = freshTable("latency");
        OutboxWriter writer = OutboxWriter.builder().tables(tables).build();
        Map<String, Instant> committed = new ConcurrentHashMap<>();
        Map<String, Instant> acked = new ConcurrentHashMap<>();
        byte[] payload = new byte[PAYLOAD];
        int threads = settings.writers;
        long total = (long) settings.rate * settings.latencySeconds;
        long warmup = (long) settings.rate * 2;
        try (OutboxRelay relay = relayBuilder(tables)
                .listener(e -> {
                    if (e instanceof OutboxRelayEvent.BatchPublished) {
                        for (OutboxRelayEvent.PublishedRow row : ((OutboxRelayEvent.BatchPublished) e).rows()) {
                            acked.put(row.messageId(), row.ackedAt());
                        }
                    }
                })
                .build()) {
            relay.start();
            while (relay.getOwnedPartitions().size() < relay.getPartitionCount()) {
                LockSupport.parkNanos(10_000_000);
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicLong seq = new AtomicLong();
            long intervalNanos = 1_000_000_000L * threads / settings.rate;
            long start = System.nanoTime() + 50_000_000;
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    writeSteadily(
                            db.dataSource(),
                            writer,
                            tables,
                            payload,
                            run,
                            seq,
                            total,
                            committed,
                            start + offset * intervalNanos / threads,
                            intervalNanos);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (acked.size() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
        }
        drop(tables);
        double[] ms = committed.entrySet().stream()
                .filter(e -> Long.parseLong(e.getKey().substring(e.getKey().lastIndexOf('-') + 1)) >= warmup)
                .filter(e -> acked.containsKey(e.getKey()))
                .mapToDouble(e -> Math.max(
                        0, Duration.between(e.getValue(), acked.get(e.getKey())).toNanos() / 1e6))
                .sorted()
                .toArray();
        if (ms.length == 0) {
            throw new IllegalStateException("no latency samples");
        }
        return new double[] {
            ms[(int) (ms.length * 0.50)],
            ms[Math.min(ms.length - 1, (int) (ms.length * 0.99))],
            ms[ms.length - 1],
            ms.length
        };
    }

    private static void writeSteadily(
            DataSource ds,
            OutboxWriter writer,
            OutboxTables tables,
            byte[] payload,
            int run,
            AtomicLong seq,
            long total,
            Map<String, Instant> committed,
            long firstNanos,
            long intervalNanos)
            throws SQLException {
        try (java.sql.Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            long next = firstNanos;
            while (true) {
                long i = seq.getAndIncrement();
                if (i >= total) {
                    return;
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next += intervalNanos;
                String id = "lat-" + run + "-" + i;
                writer.write(
                        c,
                        OutboxMessage.builder()
                                .subject("bench.latency")
                                .payload(payload)
                                .messageId(id)
                                .orderingKey("k" + (i % 100))
                                .build());
                c.commit();
                committed.put(id, Instant.now());
            }
        }
    }

    private void recordCpu(int run, String mode, long rows, long jvm, long nats, long pg) {
        double[] perRow = {jvm / 1e3 / rows, nats / 1e3 / rows, pg / 1e3 / rows};
        if (settings.verbose) {
            System.out.printf(
                    Locale.ROOT,
                    "  %s CPU per row: JVM %.1f us, nats-server %.1f us, PostgreSQL %.1f us%n",
                    mode,
                    perRow[0],
                    perRow[1],
                    perRow[2]);
        }
        if (run > 0) {
            cpuPerRow.computeIfAbsent(mode, m -> new ArrayList<>()).add(perRow);
        }
    }

    /** The backends connected to the benchmark database, other than the one asking. */
    private List<Long> backendPids() throws SQLException {
        List<Long> pids = new ArrayList<>();
        try (java.sql.Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname ="
                        + " current_database() AND pid <> pg_backend_pid()")) {
            while (rs.next()) {
                pids.add(rs.getLong(1));
            }
        }
        return pids;
    }

    private double idle(int run) throws Exception {
        freshStream();
        OutboxTables tables = freshTable("idle");
        double rate;
        try (OutboxRelay relay = relayBuilder(tables).build()) {
            relay.start();
            // Let start-up queries and the statistics flush (PostgreSQL publishes backend counters within ~1 s of
            // a transaction, at most every 10 s for an idle backend) settle.
            Thread.sleep(12_000);
            long before = db.transactions();
            long start = System.nanoTime();
            Thread.sleep(settings.idleSeconds * 1000L);
            long after = db.transactions();
            rate = (after - before) / seconds(start);
        }
        drop(tables);
        return rate;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A new, empty stream for each measurement: a purge keeps the message ids of the duplicate window, and a larger
     * id map would make the later modes pay for the earlier ones.
     */
    private void freshStream() throws Exception {
        if (nc.jetStreamManagement().getStreamNames().contains(STREAM)) {
            nc.jetStreamManagement().deleteStream(STREAM);
        }
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(STREAM)
                        .subjects("bench.>")
                        .storageType(StorageType.File)
                        .duplicateWindow(Duration.ofMinutes(2))
                        .build());
    }

    private OutboxTables freshTable(String what) throws SQLException {
        OutboxTables tables = OutboxTables.builder()
                .table("bench_" + what + "_" + (++tableCounter))
                .build();
        OutboxSchema.install(db.dataSource(), tables, OutboxSchema.DEFAULT_PARTITIONS);
        return tables;
    }

    private void preload(OutboxTables tables, int rows) throws SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + tables.qualifiedTable() + " (subject, payload, ordering_key)"
                    + " SELECT 'bench.relay', decode(repeat('78', " + PAYLOAD + "), 'hex'), 'k' || (i % 1000)"
                    + " FROM generate_series(1, " + rows + ") AS i");
            st.execute("VACUUM ANALYZE " + tables.qualifiedTable());
        }
    }

    private void drop(OutboxTables tables) throws SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + tables.qualifiedTable() + ", " + tables.qualifiedParkedTable() + ", "
                    + tables.qualifiedMetaTable());
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Command-line settings. */
    private static final class Settings {
        int runs = 3;
        int rows = 100_000;
        int rate = 1000;
        int latencySeconds = 20;
        int idleSeconds = 30;
        int batch = OutboxRelay.DEFAULT_BATCH_SIZE;
        int pipeline = OutboxRelay.DEFAULT_PIPELINE_DEPTH;
        int warmup = 1;
        int writers = 2;
        boolean verbose;
        String only;

        static Settings parse(String[] args) {
            Settings s = new Settings();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--runs" -> s.runs = Integer.parseInt(v);
                    case "--rows" -> s.rows = Integer.parseInt(v);
                    case "--rate" -> s.rate = Integer.parseInt(v);
                    case "--latency-seconds" -> s.latencySeconds = Integer.parseInt(v);
                    case "--idle-seconds" -> s.idleSeconds = Integer.parseInt(v);
                    case "--batch" -> s.batch = Integer.parseInt(v);
                    case "--pipeline" -> s.pipeline = Integer.parseInt(v);
                    case "--only" -> s.only = v;
                    case "--warmup" -> s.warmup = Integer.parseInt(v);
                    case "--writers" -> s.writers = Integer.parseInt(v);
                    case "--verbose" -> s.verbose = Boolean.parseBoolean(v);
                    default ->
                        throw new IllegalArgumentException("unknown option " + args[i]
                                + "; known: --runs --rows --rate --latency-seconds --idle-seconds --batch --pipeline"
                                + " --warmup --writers --verbose --only");
                }
            }
            return s;
        }
    }
}
