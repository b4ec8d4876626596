package dev.jscontract.benchmarks.reliability;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.PermanentFailure;
import dev.jscontract.consumer.resilience4j.CircuitBreakerGate;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.PostgresDatabases;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.TcpProxy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults of {@code docs/reliability.md}, each a method that builds its own servers, runs the {@link Pipeline} (or
 * a consumer alone) through the fault at the given {@link Size}, and measures what it cost. Every scenario starts its
 * own nats-server process(es) and uses a database of its own, so they are independent of each other.
 */
final class Scenarios {
    private static final Logger LOG = LoggerFactory.getLogger(Scenarios.class);
    private static final Duration DRAIN = Duration.ofMinutes(5);

    private Scenarios() {}

    /** A scenario: what it is called in the table, and how it runs. */
    interface Scenario {
        Figures run(Size size) throws Exception;
    }

    /** Every scenario, by the short name {@code --only} takes. */
    static Map<String, Scenario> all() {
        Map<String, Scenario> m = new java.util.LinkedHashMap<>();
        m.put("relay-kills", Scenarios::relayKills);
        m.put("consumer-kills", Scenarios::consumerKills);
        m.put("nats-restart", Scenarios::natsRestart);
        m.put("leader-loss", Scenarios::leaderLoss);
        m.put("quorum-loss", Scenarios::quorumLoss);
        m.put("silent-cut", Scenarios::silentCut);
        m.put("postgres-restart", Scenarios::postgresRestart);
        m.put("poison-flood", Scenarios::poisonFlood);
        m.put("downstream-outage", Scenarios::downstreamOutage);
        m.put("shutdowns", Scenarios::shutdowns);
        return m;
    }

    private static String unique(String prefix) {
        return prefix + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    // ---- process kills --------------------------------------------------------------------------------------------

    /** The relay's process is SIGKILLed {@code kills} times while rows are written; a new one starts each time. */
    static Figures relayKills(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("relay kills");
                Connection nc = server.connect();
                Pipeline p = new Pipeline(unique("rk"), db.dataSource())) {
            p.setUp(nc, 1);
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            killRepeatedly(p, "relay", server.url(), db.jdbcUrl(), size);
            p.awaitWriters(DRAIN);
            Process last = child("relay", server.url(), db.jdbcUrl(), p.name);
            try {
                p.awaitDrained(DRAIN);
            } finally {
                last.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return p.measure(nc, size.kills() + " SIGKILLs of the relay process during " + size.rows() + " rows")
                    .withNote("relay in a child JVM; redeliveries are the consumer's");
        }
    }

    /** The consumer's process (inbox handler) is SIGKILLed {@code kills} times while messages flow. */
    static Figures consumerKills(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("consumer kills");
                Connection nc = server.connect();
                Pipeline p = new Pipeline(unique("ck"), db.dataSource())) {
            p.setUp(nc, 1);
            p.startRelay(nc, "relay");
            p.startWriters(size.rows(), size.rate());
            killRepeatedly(p, "consumer", server.url(), db.jdbcUrl(), size);
            p.awaitWriters(DRAIN);
            Process last = child("consumer", server.url(), db.jdbcUrl(), p.name);
            try {
                p.awaitDrained(DRAIN);
            } finally {
                last.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return p.measure(nc, size.kills() + " SIGKILLs of the consumer process during " + size.rows() + " messages")
                    .withNote("inbox handler in a child JVM; a kill leaves its messages to the 3 s ack wait");
        }
    }

    /** Starts the part in a child JVM, lets it work a while, SIGKILLs it, and starts the next at once. */
    private static void killRepeatedly(Pipeline p, String role, String natsUrl, String jdbcUrl, Size size)
            throws Exception {
        long perKill = size.rows() * 1000L / size.rate() / (size.kills() + 1);
        for (int k = 1; k <= size.kills(); k++) {
            Process child = child(role, natsUrl, jdbcUrl, p.name);
            try {
                long before = p.effects();
                await("the " + role + " child to work", Duration.ofSeconds(60), () -> p.effects() > before);
                Thread.sleep(
                        Math.max(200, perKill / 2 + ThreadLocalRandom.current().nextLong(perKill / 2 + 1)));
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                child.waitFor(10, TimeUnit.SECONDS);
                p.faultEnded();
            }
            LOG.info("{} kill {}: {} rows written, {} side effects", role, k, p.written(), p.effects());
        }
    }

    private static Process child(String role, String natsUrl, String jdbcUrl, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                PipelineChild.class.getName(),
                role,
                natsUrl,
                jdbcUrl,
                name);
        pb.redirectErrorStream(true);
        Process child = pb.start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    LOG.debug("{} {}: {}", role, child.pid(), line);
                    if (line.equals("ready")) {
                        ready.complete(null);
                    }
                }
                ready.completeExceptionally(new IllegalStateException(role + " child exited before it was ready"));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        ready.get(60, TimeUnit.SECONDS);
        return child;
    }

    // ---- server faults --------------------------------------------------------------------------------------------

    /** nats-server is restarted while rows flow through relay and consumer. */
    static Figures natsRestart(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("nats restart");
                Connection nc = server.connect();
                Pipeline p = new Pipeline(unique("nr"), db.dataSource())) {
            p.setUp(nc, 1);
            p.startRelay(nc, "relay");
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            for (int i = 0; i < size.repeats(); i++) {
                long before = p.effects();
                await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 500);
                server.restart();
                p.faultEnded();
            }
            p.awaitWriters(DRAIN);
            p.awaitDrained(DRAIN);
            return p.measure(nc, "nats-server restarted " + times(size.repeats()) + " (relay and consumer)");
        }
    }

    /** The R3 stream's leader node is SIGKILLed, and started again once a new leader serves. */
    static Figures leaderLoss(Size size) throws Exception {
        try (NatsCluster cluster = NatsServers.startCluster();
                PostgresDatabase db = PostgresDatabases.create("leader loss");
                Connection nc = cluster.connect();
                Pipeline p = new Pipeline(unique("ll"), db.dataSource())) {
            p.setUp(nc, 3);
            p.startRelay(nc, "relay");
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            for (int i = 0; i < size.repeats(); i++) {
                long before = p.effects();
                await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 500);
                NatsServer leader = cluster.streamLeader(p.stream);
                leader.kill();
                cluster.awaitNewStreamLeader(p.stream, leader, Duration.ofSeconds(30));
                p.faultEnded();
                leader.start();
                cluster.awaitReady(Duration.ofSeconds(30));
            }
            p.awaitWriters(DRAIN);
            p.awaitDrained(DRAIN);
            return p.measure(nc, "R3 stream leader SIGKILLed " + times(size.repeats()) + " (relay and consumer)");
        }
    }

    /**
     * Two of three nodes, the stream leader among them, are SIGKILLed for {@code outage}: the stream has no leader and
     * no quorum; relay and consumer stay connected to the surviving node.
     */
    static Figures quorumLoss(Size size) throws Exception {
        try (NatsCluster cluster = NatsServers.startCluster();
                PostgresDatabase db = PostgresDatabases.create("quorum loss");
                Connection admin = cluster.connect();
                Connection nc = Nats.connect(
                        cluster.node(0).options().ignoreDiscoveredServers().build());
                Pipeline p = new Pipeline(unique("ql"), db.dataSource())) {
            p.setUp(admin, 3);
            for (int i = 0;
                    i < 10
                            && cluster.streamLeader(p.stream)
                                    .name()
                                    .equals(cluster.node(0).name());
                    i++) {
                admin.request("$JS.API.STREAM.LEADER.STEPDOWN." + p.stream, new byte[0], Duration.ofSeconds(5));
                await("a leader other than node 0", Duration.ofSeconds(10), () -> {
                    try {
                        return !cluster.streamLeader(p.stream)
                                .name()
                                .equals(cluster.node(0).name());
                    } catch (IllegalStateException e) {
                        return false;
                    }
                });
            }
            p.startRelay(nc, "relay");
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            long before = p.effects();
            await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 500);
            cluster.node(1).kill();
            cluster.node(2).kill();
            Thread.sleep(size.outage().toMillis()); // the fault itself
            cluster.node(1).start();
            cluster.node(2).start();
            cluster.awaitReady(Duration.ofSeconds(60));
            p.faultEnded();
            p.awaitWriters(DRAIN);
            p.awaitDrained(DRAIN);
            return p.measure(
                    admin, "loss of quorum (2 of 3 nodes) for " + seconds(size.outage()) + " (relay and consumer)");
        }
    }

    /**
     * The network path from relay and consumer to nats-server is silently cut (no FIN, no RST) for longer than the ack
     * wait, then healed.
     */
    static Figures silentCut(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("silent cut");
                Connection admin = server.connect();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
                Connection nc = Nats.connect(Options.builder()
                        .server(proxy.url())
                        .maxReconnects(-1)
                        .reconnectWait(Duration.ofMillis(250))
                        .connectionTimeout(Duration.ofSeconds(2))
                        .pingInterval(Duration.ofSeconds(2))
                        .maxPingsOut(2)
                        .build());
                Pipeline p = new Pipeline(unique("sc"), db.dataSource())) {
            p.setUp(admin, 1);
            p.startRelay(nc, "relay");
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            for (int i = 0; i < size.repeats(); i++) {
                long before = p.effects();
                await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 500);
                proxy.cut();
                Thread.sleep(size.cut().toMillis()); // the fault itself
                proxy.restore();
                p.faultEnded();
            }
            p.awaitWriters(DRAIN);
            p.awaitDrained(DRAIN);
            return p.measure(
                    admin,
                    "silent network cut of " + seconds(size.cut()) + " (ack wait 3 s), " + times(size.repeats()));
        }
    }

    /** The outbox's (and the inbox's) PostgreSQL is restarted while rows flow. */
    static Figures postgresRestart(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PrivatePostgres pg = PostgresDatabases.startPrivate();
                Connection nc = server.connect();
                Pipeline p = new Pipeline(unique("pr"), pg.dataSource())) {
            p.setUp(nc, 1);
            p.startRelay(nc, "relay");
            p.startConsumer(nc, "consumer");
            p.startWriters(size.rows(), size.rate());
            for (int i = 0; i < size.repeats(); i++) {
                long before = p.effects();
                await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 500);
                pg.restart();
                p.faultEnded();
            }
            p.awaitWriters(DRAIN);
            p.awaitDrained(DRAIN);
            return p.measure(nc, "PostgreSQL restarted " + times(size.repeats()) + " (outbox and inbox)");
        }
    }

    // ---- consumer-only faults ---------------------------------------------------------------------------------------

    /**
     * {@code poison} messages the handler rejects arrive at once (a bad deploy): each one it reaches is dead-lettered
     * at its first delivery, the dead-letter rate guard pauses the consumer again and again instead of emptying the
     * stream into the dead-letter stream, and no thread spins while it is paused. Measured over a fixed window; what
     * is not dead-lettered stays in the stream.
     */
    static Figures poisonFlood(Size size) throws Exception {
        Duration window = size == Size.FULL ? Duration.ofSeconds(90) : Duration.ofSeconds(40);
        try (NatsServer server = NatsServers.start();
                Connection nc = server.connect()) {
            String stream = unique("PF").toUpperCase(Locale.ROOT);
            createStream(nc, stream);
            publish(nc, stream.toLowerCase(Locale.ROOT) + ".e", size.poison(), "bad");
            AtomicInteger deliveries = new AtomicInteger();
            AtomicInteger trips = new AtomicInteger();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            try (ContractConsumer consumer = ContractConsumer.builder(
                            nc, consumerContract(stream, 5, Duration.ofSeconds(3)))
                    .handler(m -> {
                        deliveries.incrementAndGet();
                        throw new PermanentFailure("rejected by the new deploy");
                    })
                    .listeners(e -> {
                        if (e instanceof ConsumerEvent.DeadLetterRateExceeded) {
                            trips.incrementAndGet();
                        }
                    })
                    .build()) {
                long cpuBefore = consumerCpu(mx);
                consumer.start();
                Thread.sleep(window.toMillis()); // the measurement window
                long cpu = consumerCpu(mx) - cpuBefore;
                long dead = deadLetters(nc, stream);
                long kept = nc.jetStreamManagement()
                        .getStreamInfo(stream)
                        .getStreamState()
                        .getMsgCount();
                return new Figures(
                        size.poison() + " poison messages at once",
                        size.poison(),
                        size.poison() - dead - kept,
                        0,
                        0,
                        dead,
                        deliveries.get() - dead,
                        Duration.ZERO,
                        String.format(
                                Locale.ROOT,
                                "in %d s: rate guard tripped %d times, %d dead-lettered at their first delivery, %d kept"
                                        + " in the stream; the consumer's threads used %.2f s of CPU",
                                window.toSeconds(),
                                trips.get(),
                                dead,
                                kept,
                                cpu / 1e9));
            }
        }
    }

    /**
     * The handler's downstream fails for {@code outage} while a Resilience4j breaker protects it (the setting of the
     * issue that found deliveries burned: ack wait 10 s, maxDeliver 5, backoff from 1 s, 50 % over 10 calls, 5 s open).
     */
    static Figures downstreamOutage(Size size) throws Exception {
        Duration outage = size == Size.FULL ? Duration.ofMinutes(5) : Duration.ofSeconds(20);
        int messages = 200;
        try (NatsServer server = NatsServers.start();
                Connection nc = server.connect()) {
            String stream = unique("DO").toUpperCase(Locale.ROOT);
            createStream(nc, stream);
            ConsumerContract contract = ConsumerContract.builder().stream(stream)
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(10))
                    .maxDeliver(5)
                    .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(64)
                    .maxProcessingTime(Duration.ofMinutes(10))
                    .build();
            CircuitBreaker breaker = CircuitBreaker.of(
                    "downstream",
                    CircuitBreakerConfig.custom()
                            .failureRateThreshold(50)
                            .slidingWindowSize(10)
                            .minimumNumberOfCalls(10)
                            .waitDurationInOpenState(Duration.ofSeconds(5))
                            .build());
            AtomicBoolean down = new AtomicBoolean(true);
            Map<Long, Integer> maxDelivery = new ConcurrentHashMap<>();
            AtomicInteger successes = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            publish(nc, stream.toLowerCase(Locale.ROOT) + ".e", messages, "order");
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        calls.incrementAndGet();
                        maxDelivery.merge(
                                m.metaData().streamSequence(),
                                (int) m.metaData().deliveredCount(),
                                Math::max);
                        if (down.get()) {
                            throw new IOException("downstream unreachable");
                        }
                        successes.incrementAndGet();
                    })
                    .gate(CircuitBreakerGate.of(breaker))
                    .build()) {
                consumer.start();
                await("the breaker to open", Duration.ofSeconds(60), () -> consumer.getState() == ConsumerState.PAUSED);
                Thread.sleep(outage.toMillis()); // the fault itself
                down.set(false);
                long recovered = System.nanoTime();
                await("every message succeeded", DRAIN, () -> successes.get() >= messages);
                Duration drain = Duration.ofNanos(System.nanoTime() - recovered);
                long dead = deadLetters(nc, stream);
                int highest = maxDelivery.values().stream()
                        .mapToInt(Integer::intValue)
                        .max()
                        .orElse(0);
                long redelivered =
                        maxDelivery.values().stream().filter(d -> d > 1).count();
                return new Figures(
                        "downstream down for " + seconds(outage) + " behind a circuit breaker",
                        messages,
                        messages - successes.get(),
                        successes.get() - messages,
                        0,
                        dead,
                        redelivered,
                        drain,
                        String.format(
                                Locale.ROOT,
                                "highest delivery %d of 5; %d handler calls for %d messages",
                                highest,
                                calls.get(),
                                messages));
            }
        }
    }

    /**
     * The consumer is closed {@code shutdowns} times while handlers run (and a new one started): what was running is
     * released, not failed; nothing is dead-lettered and no side effect happens twice.
     */
    static Figures shutdowns(Size size) throws Exception {
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("shutdowns");
                Connection nc = server.connect();
                Pipeline p = new Pipeline(unique("sd"), db.dataSource())) {
            p.setUp(nc, 1);
            p.startRelay(nc, "relay");
            p.startWriters(size.rows(), size.rate());
            AtomicInteger released = new AtomicInteger();
            for (int i = 0; i <= size.shutdowns(); i++) {
                ContractConsumer c = ContractConsumer.builder(nc, Pipeline.contract(p.stream))
                        .handler(slow(Pipeline.handler(db.dataSource(), p.name)))
                        .listeners(e -> {
                            if (e instanceof ConsumerEvent.MessageReleased) {
                                released.incrementAndGet();
                            }
                        })
                        .build();
                c.start();
                if (i == size.shutdowns()) {
                    p.awaitWriters(DRAIN);
                    p.awaitDrained(DRAIN);
                    c.drain(Duration.ofSeconds(10));
                    break;
                }
                long before = p.effects();
                await("side effects flowing", Duration.ofSeconds(60), () -> p.effects() > before + 50);
                c.close(); // interrupts running handlers
                p.faultEnded();
            }
            return p.measure(nc, size.shutdowns() + " close() calls while handlers ran")
                    .withNote(released.get() + " messages released at close (NAK, not failures)");
        }
    }

    private static dev.jscontract.consumer.ContractHandler slow(dev.jscontract.consumer.ContractHandler h) {
        return m -> {
            Thread.sleep(2); // handlers are running when close() comes, and 4 threads keep up with the writer
            h.handle(m);
        };
    }

    // ---- helpers
    // -----------------------------------------------------------------------------------------------------

    private static ConsumerContract consumerContract(String stream, int maxDeliver, Duration ackWait) {
        return ConsumerContract.builder().stream(stream)
                .durable("worker")
                .ackWait(ackWait)
                .maxDeliver(maxDeliver)
                .backoff(Backoff.fixed(Duration.ofMillis(200)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .concurrency(4)
                .maxAckPending(64)
                .maxProcessingTime(Duration.ofSeconds(30))
                .build();
    }

    private static void createStream(Connection nc, String stream) throws Exception {
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(stream)
                        .subjects(stream.toLowerCase(Locale.ROOT) + ".>")
                        .retentionPolicy(RetentionPolicy.WorkQueue)
                        .storageType(StorageType.File)
                        .build());
    }

    private static void publish(Connection nc, String subject, int n, String prefix) throws Exception {
        JetStream js = nc.jetStream();
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acks.add(js.publishAsync(subject, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8)));
            if (acks.size() == 1000) {
                for (CompletableFuture<PublishAck> f : acks) {
                    f.get(30, TimeUnit.SECONDS);
                }
                acks.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : acks) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private static long deadLetters(Connection nc, String stream) throws IOException {
        try {
            return nc.jetStreamManagement()
                    .getStreamInfo("DLQ_" + stream)
                    .getStreamState()
                    .getMsgCount();
        } catch (io.nats.client.JetStreamApiException e) {
            return 0;
        }
    }

    /** CPU time of the consumer's threads ({@code jsc-*}). */
    private static long consumerCpu(ThreadMXBean mx) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("jsc-"))
                .mapToLong(t -> Math.max(0, mx.getThreadCpuTime(t.getId())))
                .sum();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String times(int n) {
        return n == 1 ? "once" : n + " times";
    }

    private static String seconds(Duration d) {
        return d.toSeconds() >= 120 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
