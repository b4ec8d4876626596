package dev.jscontract.benchmarks.outbox;

import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.outbox.WalSettings;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.PostgresDatabases;
import dev.jscontract.testing.PrivatePostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * The outbox's WAL mode against the table mode, side by side on the same servers: a nats-server and a private
 * PostgreSQL cluster with {@code wal_level=logical} (started by the {@code testing} module; {@code fsync} and {@code
 * full_page_writes} are switched back on, so commits cost what they cost in production). Per run, interleaved:
 *
 * <ol>
 *   <li><b>raw</b>: {@code publishAsync} of N 128-byte messages with unique {@code Nats-Msg-Id}s, waiting for all
 *       PubAcks (the ceiling);
 *   <li><b>table</b>: {@link OutboxRelay} (defaults) draining N preloaded outbox rows;
 *   <li><b>wal</b>: {@link OutboxRelay} in WAL mode draining N events preloaded into its slot (transactions of 100
 *       events, written while no relay ran);
 *   <li><b>latency</b> (table, then WAL): commit-to-PubAck of single-event transactions written at a steady rate
 *       (default 1,000/s) by two writer threads: from the moment {@code commit()} returns to the PubAck's arrival
 *       as the relay reports it ({@link OutboxRelayEvent.BatchPublished});
 *   <li><b>high-rate latency</b> (WAL): the same at 10,000 events/s, in transactions of 10 events (1,000 commits/s:
 *       with {@code fsync} on, two writers cannot commit 10,000 single-event transactions a second here);
 *   <li><b>writers</b>: transactions per second of 8 writer threads, each committing one 128-byte event per
 *       transaction for a few seconds: a plain insert into a one-column table, the table-mode writer, the WAL writer.
 * </ol>
 *
 * The drains also report <b>PostgreSQL CPU per event</b>: the CPU time (utime + stime from {@code /proc}) of every
 * process of the private cluster (backends, the walsender, checkpointer, WAL writer, autovacuum) from the relay's start
 * to its last PubAck, divided by the events, measured before the relay closes its sessions.
 *
 * <p>Prints each run and the medians as Markdown. Run from the repository root:
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/cp.txt
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *     dev.jscontract.benchmarks.outbox.WalBenchmark --runs 3 --events 50000
 * </pre>
 *
 * Options: {@code --runs N} (3), {@code --events N} (50,000 per drain), {@code --rate N} (1,000 events/s) and {@code
 * --latency-seconds N} (10), {@code --high-rate N} (10,000 events/s) and {@code --high-batch N} (10 events per
 * transaction), {@code --writer-seconds N} (5). With {@code -Djsc.bench.verbose=true} each latency phase also prints
 * p90, p99.9, the maximum, the events without a PubAck and the worst latency of each second (a backlog shows as a
 * climbing maximum; a stall as one bad second), and, in WAL mode, where a backlog sits: the most flushed WAL the
 * walsender had not yet sent, the most it had sent that the relay had not confirmed, and the walsender's wait events
 * (sampled from {@code pg_stat_replication} every 100 ms).
 */
public final class WalBenchmark {
    private static final int PAYLOAD = 128;
    private static final String STREAM = "BENCH";

    private final Connection nc;
    private final PrivatePostgres pg;
    private final int events;
    private final int rate;
    private final int latencySeconds;
    private final int highRate;
    private final int highBatch;
    private double lastPgNanosPerEvent;
    private final int writerSeconds;
    private int counter;

    private WalBenchmark(
            Connection nc,
            PrivatePostgres pg,
            int events,
            int rate,
            int latencySeconds,
            int highRate,
            int highBatch,
            int writerSeconds) {
        this.nc = nc;
        this.pg = pg;
        this.events = events;
        this.rate = rate;
        this.latencySeconds = latencySeconds;
        this.highRate = highRate;
        this.highBatch = highBatch;
        this.writerSeconds = writerSeconds;
    }

    /**
     * Runs the benchmark and prints the results.
     *
     * @param args see the class documentation
     * @throws Exception when a server cannot be started or a run fails
     */
    public static void main(String[] args) throws Exception {
        int runs = 3;
        int events = 50_000;
        int rate = 1000;
        int latencySeconds = 10;
        int writerSeconds = 5;
        int highRate = 10_000;
        int highBatch = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--runs" -> runs = v;
                case "--events" -> events = v;
                case "--rate" -> rate = v;
                case "--latency-seconds" -> latencySeconds = v;
                case "--writer-seconds" -> writerSeconds = v;
                case "--high-rate" -> highRate = v;
                case "--high-batch" -> highBatch = v;
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + "; use --runs, --events, --rate, --latency-seconds, --high-rate, --high-batch or"
                            + " --writer-seconds");
            }
        }
        try (NatsServer server = NatsServers.start();
                PrivatePostgres pg = PostgresDatabases.startPrivate();
                Connection nc = Nats.connect(server.options().build())) {
            try (java.sql.Connection c = pg.connection();
                    Statement st = c.createStatement()) {
                st.execute("ALTER SYSTEM SET fsync = on");
                st.execute("ALTER SYSTEM SET full_page_writes = on");
            }
            pg.restart();
            System.out.printf(
                    Locale.ROOT,
                    "nats-server %s, private PostgreSQL (wal_level=logical, fsync on), %d cores, java %s%n",
                    server.version(),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            new WalBenchmark(nc, pg, events, rate, latencySeconds, highRate, highBatch, writerSeconds).run(runs);
        }
    }

    private void run(int runs) throws Exception {
        Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
        // warm-up, not counted
        raw(0);
        table(0);
        wal(0);
        for (int r = 1; r <= runs; r++) {
            double raw = raw(r);
            double table = table(r);
            double tableCpu = lastPgNanosPerEvent;
            double wal = wal(r);
            double walCpu = lastPgNanosPerEvent;
            double[] tl = latency(r, false, rate, 1);
            double[] wl = latency(r, true, rate, 1);
            double[] hl = latency(r, true, highRate, highBatch);
            double[] tps = writers(r);
            add(results, "raw publishAsync with ids (msg/s)", raw);
            add(results, "table relay drain (events/s)", table);
            add(results, "WAL relay drain (events/s)", wal);
            add(results, "table relay / raw", table / raw);
            add(results, "WAL relay / raw", wal / raw);
            add(results, "table commit->PubAck p50 (ms)", tl[0]);
            add(results, "table commit->PubAck p99 (ms)", tl[1]);
            add(results, "WAL commit->PubAck p50 (ms)", wl[0]);
            add(results, "WAL commit->PubAck p99 (ms)", wl[1]);
            add(results, "WAL commit->PubAck p50 at the high rate (ms)", hl[0]);
            add(results, "WAL commit->PubAck p99 at the high rate (ms)", hl[1]);
            add(results, "PostgreSQL CPU per event, table drain (us)", tableCpu / 1000);
            add(results, "PostgreSQL CPU per event, WAL drain (us)", walCpu / 1000);
            add(results, "writers tps: plain insert", tps[0]);
            add(results, "writers tps: table writer", tps[1]);
            add(results, "writers tps: WAL writer", tps[2]);
            add(results, "table writer / plain insert", tps[1] / tps[0]);
            add(results, "WAL writer / plain insert", tps[2] / tps[0]);
            System.out.printf(
                    Locale.ROOT,
                    "run %d: raw %.0f/s, table %.0f/s (PG %.1f us/event), wal %.0f/s (PG %.1f us/event); latency"
                            + " table p50 %.2f p99 %.2f ms, wal p50 %.2f p99 %.2f ms, wal at %d/s p50 %.2f p99 %.2f ms;"
                            + " writers plain %.0f, table %.0f, wal %.0f tps; load %s%n",
                    r,
                    raw,
                    table,
                    tableCpu / 1000,
                    wal,
                    walCpu / 1000,
                    tl[0],
                    tl[1],
                    wl[0],
                    wl[1],
                    highRate,
                    hl[0],
                    hl[1],
                    tps[0],
                    tps[1],
                    tps[2],
                    load());
        }
        System.out.println();
        System.out.println("| Measurement | Runs | Median |");
        System.out.println("|---|---|---|");
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            List<Double> v = e.getValue();
            StringBuilder runsText = new StringBuilder();
            for (double d : v) {
                runsText.append(runsText.length() == 0 ? "" : ", ").append(format(d));
            }
            System.out.printf(Locale.ROOT, "| %s | %s | **%s** |%n", e.getKey(), runsText, format(median(v)));
        }
    }

    private static void add(Map<String, List<Double>> m, String key, double v) {
        m.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }

    private static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private double raw(int run) throws Exception {
        freshStream();
        JetStream js = nc.jetStream();
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) 'x');
        List<CompletableFuture<PublishAck>> futures = new ArrayList<>(events);
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            Headers h = new Headers();
            h.put(NatsJetStreamConstants.MSG_ID_HDR, "raw-" + run + "-" + i);
            futures.add(js.publishAsync("bench.raw", h, payload));
        }
        for (CompletableFuture<PublishAck> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        return events / seconds(start);
    }

    private double table(int run) throws Exception {
        freshStream();
        OutboxTables tables = fresh("table");
        OutboxSchema.install(pg.dataSource(), tables, OutboxSchema.DEFAULT_PARTITIONS);
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + tables.qualifiedTable() + " (subject, payload, ordering_key)"
                    + " SELECT 'bench.table', decode(repeat('78', " + PAYLOAD + "), 'hex'), 'k' || (i % 1000)"
                    + " FROM generate_series(1, " + events + ") AS i");
            st.execute("VACUUM ANALYZE " + tables.qualifiedTable());
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (OutboxRelay relay = OutboxRelay.builder()
                .connection(nc)
                .dataSource(pg.dataSource())
                .tables(tables)
                .streams(STREAM)
                .meterRegistry(registry)
                .build()) {
            Map<Long, Long> cpu0 = postgresCpu();
            long start = System.nanoTime();
            relay.start();
            awaitPublished(registry, "jscontract.outbox.published", events);
            double drained = events / seconds(start);
            lastPgNanosPerEvent = cpuSince(cpu0) / (double) events;
            return drained;
        }
    }

    private double wal(int run) throws Exception {
        freshStream();
        OutboxTables tables = fresh("wal");
        WalSettings wal = walSettings(tables);
        OutboxSchema.installWal(pg.dataSource(), tables, wal);
        // the slot exists once a relay has started; then preload while no relay runs
        try (OutboxRelay relay =
                walRelay(tables, wal, new SimpleMeterRegistry()).build()) {
            relay.start();
        }
        try (java.sql.Connection c = pg.connection();
                PreparedStatement st = c.prepareStatement("SELECT count(" + tables.getTable() + "_emit('bench.wal',"
                        + " decode(repeat('78', " + PAYLOAD + "), 'hex'), NULL, NULL, 'k' || (i % 1000)))"
                        + " FROM generate_series(?, ?) AS i")) {
            for (int i = 0; i < events; i += 100) {
                st.setInt(1, i);
                st.setInt(2, Math.min(events, i + 100) - 1);
                st.execute();
            }
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        double result;
        try (OutboxRelay relay = walRelay(tables, wal, registry).build()) {
            Map<Long, Long> cpu0 = postgresCpu();
            long start = System.nanoTime();
            relay.start();
            awaitPublished(registry, "jscontract.outbox.wal.published", events);
            result = events / seconds(start);
            lastPgNanosPerEvent = cpuSince(cpu0) / (double) events;
        }
        dropSlot(wal);
        return result;
    }

    /** CPU nanoseconds of every process of the private cluster now (the postmaster and its children), by pid. */
    private Map<Long, Long> postgresCpu() throws SQLException {
        long backend;
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            backend = rs.getLong(1);
        }
        ProcessHandle postmaster = ProcessHandle.of(backend)
                .flatMap(ProcessHandle::parent)
                .orElseThrow(() -> new IllegalStateException("cannot find the postmaster of backend " + backend));
        Map<Long, Long> cpu = new java.util.HashMap<>();
        cpu.put(postmaster.pid(), CpuMeter.processNanos(postmaster.pid()));
        postmaster.children().forEach(h -> cpu.put(h.pid(), CpuMeter.processNanos(h.pid())));
        return cpu;
    }

    /** The cluster's CPU nanoseconds since the snapshot; processes started since count from zero. */
    private long cpuSince(Map<Long, Long> before) throws SQLException {
        long sum = 0;
        for (Map.Entry<Long, Long> e : postgresCpu().entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    private static WalSettings walSettings(OutboxTables tables) {
        return WalSettings.builder()
                .slot(tables.getTable())
                .publication(tables.getTable())
                .prefix(tables.getTable())
                .build();
    }

    private OutboxRelay.Builder walRelay(OutboxTables tables, WalSettings wal, SimpleMeterRegistry registry) {
        return OutboxRelay.builder()
                .connection(nc)
                .dataSource(pg.dataSource())
                .tables(tables)
                .wal(wal)
                .streams(STREAM)
                .meterRegistry(registry);
    }

    private void dropSlot(WalSettings wal) throws SQLException {
        try (java.sql.Connection c = pg.connection();
                PreparedStatement st = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            st.setString(1, wal.getSlot());
            st.execute();
        }
    }

    private static void awaitPublished(SimpleMeterRegistry registry, String name, int n) {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (registry.find(name).counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum()
                < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the relay did not publish " + n + " events within 5 minutes");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Returns {p50, p99} in milliseconds, of events written at {@code eventsPerSecond} in transactions of batch. */
    private double[] latency(int run, boolean walMode, int eventsPerSecond, int batch) throws Exception {
        freshStream();
        OutboxTables tables = fresh(walMode ? "wallat" : "tablelat");
        WalSettings wal = walSettings(tables);
        OutboxWriter writer;
        if (walMode) {
            OutboxSchema.installWal(pg.dataSource(), tables, wal);
            writer = OutboxWriter.builder().wal(wal).build();
        } else {
            OutboxSchema.install(pg.dataSource(), tables, OutboxSchema.DEFAULT_PARTITIONS);
            writer = OutboxWriter.builder().tables(tables).build();
        }
        Map<String, Instant> committed = new ConcurrentHashMap<>();
        Map<String, Instant> acked = new ConcurrentHashMap<>();
        long total = (long) eventsPerSecond * latencySeconds;
        long warmup = eventsPerSecond * 2L;
        int threads = 2;
        OutboxRelay.Builder b = walMode
                ? walRelay(tables, wal, new SimpleMeterRegistry())
                : OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(pg.dataSource())
                        .tables(tables)
                        .streams(STREAM);
        try (OutboxRelay relay = b.listener(e -> {
                    if (e instanceof OutboxRelayEvent.BatchPublished bp) {
                        for (OutboxRelayEvent.PublishedRow row : bp.rows()) {
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
            long interval = 1_000_000_000L * threads * batch / eventsPerSecond; // per transaction of a thread
            long first = System.nanoTime() + 50_000_000;
            List<Future<?>> futures = new ArrayList<>();
            byte[] payload = new byte[PAYLOAD];
            for (int t = 0; t < threads; t++) {
                long start = first + t * interval / threads;
                futures.add(pool.submit(() -> {
                    writeSteadily(pg.dataSource(), writer, payload, run, batch, seq, total, committed, start, interval);
                    return null;
                }));
            }
            // verbose, WAL mode: where a backlog sits, sampled from pg_stat_replication every 100 ms while writing
            AtomicBoolean sampling = new AtomicBoolean(walMode && Boolean.getBoolean("jsc.bench.verbose"));
            Map<String, Integer> waits = new ConcurrentHashMap<>(); // the walsender's wait events, sampled
            long[] worst = new long[2]; // WAL flushed but not yet sent by the walsender; sent but not confirmed
            Thread sampler = new Thread(() -> sampleReplication(sampling, worst, waits), "wal-sampler");
            sampler.setDaemon(true);
            sampler.start();
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            sampling.set(false);
            sampler.join();
            if (walMode && Boolean.getBoolean("jsc.bench.verbose")) {
                System.out.printf(
                        Locale.ROOT,
                        "  replication at %d/s: worst backlog %d bytes flushed but not sent by the walsender, %d bytes"
                                + " sent but not confirmed by the relay; walsender %s%n",
                        eventsPerSecond,
                        worst[0],
                        worst[1],
                        waits);
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (acked.size() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
        }
        if (walMode) {
            dropSlot(wal);
        }
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
        if (Boolean.getBoolean("jsc.bench.verbose")) {
            long lost = total - acked.size();
            System.out.printf(
                    Locale.ROOT,
                    "  latency at %d/s in transactions of %d (%s): %d samples, %d without PubAck, p90 %.2f p99.9 %.2f"
                            + " max %.2f ms%n",
                    eventsPerSecond,
                    batch,
                    walMode ? "wal" : "table",
                    ms.length,
                    lost,
                    ms[(int) (ms.length * 0.90)],
                    ms[Math.min(ms.length - 1, (int) (ms.length * 0.999))],
                    ms[ms.length - 1]);
            java.util.TreeMap<Long, List<Double>> bySecond = new java.util.TreeMap<>();
            Instant t0 = committed.values().stream().min(Instant::compareTo).orElseThrow();
            committed.forEach((id, at) -> {
                if (acked.containsKey(id)) {
                    bySecond.computeIfAbsent(Duration.between(t0, at).toSeconds(), k -> new ArrayList<>())
                            .add(Duration.between(at, acked.get(id)).toNanos() / 1e6);
                }
            });
            bySecond.forEach((sec, v) -> System.out.printf(
                    Locale.ROOT,
                    "    second %d: %d events, max %.1f ms%n",
                    sec,
                    v.size(),
                    v.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        }
        return new double[] {ms[(int) (ms.length * 0.50)], ms[Math.min(ms.length - 1, (int) (ms.length * 0.99))]};
    }

    private void sampleReplication(AtomicBoolean sampling, long[] worst, Map<String, Integer> waits) {
        if (!sampling.get()) {
            return;
        }
        try (java.sql.Connection c = pg.connection();
                PreparedStatement st =
                        c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), sent_lsn),"
                                + " pg_wal_lsn_diff(sent_lsn, flush_lsn), coalesce(a.wait_event, 'on CPU')"
                                + " FROM pg_stat_replication r JOIN pg_stat_activity a ON a.pid = r.pid"
                                + " WHERE r.application_name LIKE 'jscontract-outbox-wal%'")) {
            while (sampling.get()) {
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        worst[0] = Math.max(worst[0], rs.getLong(1));
                        worst[1] = Math.max(worst[1], rs.getLong(2));
                        waits.merge(rs.getString(3), 1, Integer::sum);
                    }
                }
                LockSupport.parkNanos(100_000_000);
            }
        } catch (SQLException e) {
            System.out.println("  replication sampling failed: " + e.getMessage());
        }
    }

    private static void writeSteadily(
            DataSource ds,
            OutboxWriter writer,
            byte[] payload,
            int run,
            int batch,
            AtomicLong seq,
            long total,
            Map<String, Instant> committed,
            long firstNanos,
            long intervalNanos)
            throws SQLException {
        try (java.sql.Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            long next = firstNanos;
            List<String> ids = new ArrayList<>(batch);
            while (true) {
                long first = seq.getAndAdd(batch);
                if (first >= total) {
                    return;
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next += intervalNanos;
                ids.clear();
                for (long i = first; i < Math.min(total, first + batch); i++) {
                    String id = "lat-" + run + "-" + i;
                    writer.write(
                            c,
                            OutboxMessage.builder()
                                    .subject("bench.latency")
                                    .payload(payload)
                                    .messageId(id)
                                    .orderingKey("k" + (i % 100))
                                    .build());
                    ids.add(id);
                }
                c.commit();
                Instant at = Instant.now();
                for (String id : ids) {
                    committed.put(id, at);
                }
            }
        }
    }

    /** Transactions per second of 8 writers: plain insert, table writer, WAL writer. */
    private double[] writers(int run) throws Exception {
        OutboxTables tables = fresh("writers");
        WalSettings wal = walSettings(tables);
        OutboxSchema.installWal(pg.dataSource(), tables, wal);
        String plain = tables.getTable() + "_plain";
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE " + plain + " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload bytea)");
        }
        OutboxWriter tableWriter = OutboxWriter.builder().tables(tables).build();
        OutboxWriter walWriter = OutboxWriter.builder().wal(wal).build();
        byte[] payload = new byte[PAYLOAD];
        double p = tps(c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + plain + " (payload) VALUES (?)")) {
                st.setBytes(1, payload);
                st.execute();
            }
        });
        double t = tps(c -> tableWriter.write(c, message(payload)));
        double w = tps(c -> walWriter.write(c, message(payload)));
        try (java.sql.Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + plain);
            st.execute("TRUNCATE " + tables.qualifiedTable());
        }
        return new double[] {p, t, w};
    }

    private static OutboxMessage message(byte[] payload) {
        return OutboxMessage.builder()
                .subject("bench.writers")
                .payload(payload)
                .orderingKey("k" + (System.nanoTime() % 100))
                .build();
    }

    private interface Tx {
        void run(java.sql.Connection c) throws SQLException;
    }

    private double tps(Tx tx) throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + writerSeconds * 1_000_000_000L;
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                try (java.sql.Connection c = pg.connection()) {
                    c.setAutoCommit(false);
                    while (System.nanoTime() < end) {
                        tx.run(c);
                        c.commit();
                        done.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return done.get() / seconds(start);
    }

    private OutboxTables fresh(String what) {
        return OutboxTables.builder().table("bench_" + what + "_" + (++counter)).build();
    }

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

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
