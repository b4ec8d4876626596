package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAL mode with relays in processes of their own: SIGKILLed ten times while a writer commits 100,000 events (nothing
 * lost, nothing stored twice, commit order kept; {@code -Djsc.walCrash.events=N} changes the count), and a standby that takes over the slot when the relay that holds it is killed (the takeover
 * time is measured and logged).
 */
@WithNatsServer
@WithPrivatePostgres
class WalCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalCrashIT.class);
    private static final String STREAMING = "streams from it";
    private static final String STARTED = "started in WAL mode";
    /** Events of the kill test; {@code -Djsc.walCrash.events=100000} runs the full figure. */
    static final String EVENTS_PROPERTY = "jsc.walCrash.events";

    static final int DEFAULT_EVENTS = 100_000;
    /** Per child: the marker lines it has logged. */
    private static final Map<Process, Map<String, CompletableFuture<Void>>> SEEN = new ConcurrentHashMap<>();

    @Test
    void killedRelaysLoseNothingStoreNothingTwiceAndKeepCommitOrder(NatsServer server, PrivatePostgres pg)
            throws Exception {
        int kills = 10;
        int events = Integer.getInteger(EVENTS_PROPERTY, DEFAULT_EVENTS);
        int chunk = events / kills;
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walkill");
        GatedWriter writer = new GatedWriter(pg, s, events);
        long t0 = System.nanoTime();
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            long[] writtenAtKill = new long[kills];
            long[] storedAtKill = new long[kills];
            for (int k = 0; k < kills; k++) {
                // the slot must exist before the first event: the first child creates it
                Process child = startChild(server, pg, s);
                try {
                    awaitLine(child, STREAMING, Duration.ofSeconds(60));
                    long storedBefore = msgCount(nc, s);
                    if (k == 0) {
                        writer.start();
                    }
                    // the writer commits chunk k while this relay streams, and pauses at its end until the next
                    // relay streams; the kill falls at a random point inside the chunk, so events are in flight. The
                    // last chunk's tail is held back until after the last kill: a loaded machine's writer could
                    // otherwise finish while the last relay still re-reads, and that kill would find nothing new
                    writer.allow(k == kills - 1 ? events - chunk / 10 : (k + 1) * chunk);
                    int killAt =
                            k * chunk + chunk / 5 + ThreadLocalRandom.current().nextInt(chunk * 3 / 5);
                    OutboxTesting.await(
                            Duration.ofSeconds(120),
                            "the writer to commit " + killAt + " events",
                            () -> writer.committed() >= killAt);
                    // and this relay publishes new events (not only the re-read ones a killed relay had published)
                    OutboxTesting.awaitChecked(
                            Duration.ofSeconds(120),
                            "this relay to publish new events",
                            () -> msgCount(nc, s) >= storedBefore + 200);
                    writtenAtKill[k] = writer.committed();
                } finally {
                    kill(child);
                }
                storedAtKill[k] = msgCount(nc, s);
                LOG.info("kill {}: {} events committed, {} in the stream", k + 1, writtenAtKill[k], storedAtKill[k]);
            }
            writer.allow(events); // the tail, read by the last relay below
            int written = writer.join();
            assertThat(written).isEqualTo(events);
            assertThat(writtenAtKill[kills - 1])
                    .as("the last kill happened while the writer committed")
                    .isLessThan(events);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(pg.dataSource())
                    .tables(s.tables())
                    .wal(s.wal())
                    .streams(s.stream())
                    .meterRegistry(registry)
                    .build()) {
                relay.start();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(120), events + " events in the stream", () -> msgCount(nc, s) >= events);
                double duplicates = registry.get("jscontract.outbox.wal.published")
                        .tag("outcome", "duplicate")
                        .counter()
                        .count();
                LOG.info("the last relay re-read {} events that a killed relay had published", duplicates);
            }
            assertThat(msgCount(nc, s)).as("nothing stored twice").isEqualTo(events);
            WalTesting.assertExactlyInOrder(OutboxTesting.readStream(nc, s.stream()), events);
            LOG.info(
                    "{} events, {} SIGKILLed relays: 0 lost, 0 stored twice, commit order kept ({} s)",
                    events,
                    kills,
                    (System.nanoTime() - t0) / 1_000_000_000);
        } finally {
            writer.stop();
        }
    }

    @Test
    void aStandbyTakesOverWhenTheRelayHoldingTheSlotIsKilled(NatsServer server, PrivatePostgres pg) throws Exception {
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walha");
        int rounds = 3;
        List<Long> takeoverMillis = new ArrayList<>();
        List<Long> firstEventMillis = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            Process a = startChild(server, pg, s);
            children.add(a);
            awaitLine(a, STREAMING, Duration.ofSeconds(60));
            Process b = startChild(server, pg, s);
            children.add(b);
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(
                    () -> WalTesting.write(pg.dataSource(), s, 0, 1_000_000, 1, writing, 5));
            for (int round = 0; round < rounds; round++) {
                // every standby has started (its start() returned: its wal thread asks for the slot every 200 ms)
                for (Process p : children) {
                    awaitLine(p, STARTED, Duration.ofSeconds(60));
                }
                String holder = WalTesting.activeRelay(pg.dataSource(), s.wal().getSlot());
                assertThat(holder).as("a relay streams").isNotNull();
                Process victim = children.stream()
                        .filter(p -> holder.endsWith("child-" + p.pid()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no child is " + holder));
                long before = msgCount(nc, s);
                long t0 = System.nanoTime();
                kill(victim);
                children.remove(victim);
                OutboxTesting.awaitChecked(Duration.ofSeconds(30), "another relay to stream", () -> {
                    String now = WalTesting.activeRelay(pg.dataSource(), s.wal().getSlot());
                    return now != null && !now.equals(holder);
                });
                long t1 = System.nanoTime();
                OutboxTesting.awaitChecked(
                        Duration.ofSeconds(30), "events after the takeover", () -> msgCount(nc, s) > before + 10);
                long t2 = System.nanoTime();
                takeoverMillis.add((t1 - t0) / 1_000_000);
                firstEventMillis.add((t2 - t0) / 1_000_000);
                LOG.info(
                        "takeover {}: slot held by the standby {} ms after the SIGKILL, stream growing again after {}"
                                + " ms",
                        round + 1,
                        (t1 - t0) / 1_000_000,
                        (t2 - t0) / 1_000_000);
                Process next = startChild(server, pg, s); // a new standby
                children.add(next);
            }
            writing.set(false);
            int written = writer.get(30, TimeUnit.SECONDS);
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(60), written + " events in the stream", () -> msgCount(nc, s) >= written);
            assertThat(msgCount(nc, s)).isEqualTo(written);
            WalTesting.assertExactlyInOrder(OutboxTesting.readStream(nc, s.stream()), written);
            LOG.info("takeover times (ms): slot {}, stream growing {}", takeoverMillis, firstEventMillis);
            assertThat(takeoverMillis).allMatch(ms -> ms < 10_000);
        } finally {
            writing.set(false);
            for (Process p : children) {
                kill(p);
            }
        }
    }

    private static long msgCount(Connection nc, WalTesting.Setup s) throws Exception {
        return nc.jetStreamManagement()
                .getStreamInfo(s.stream())
                .getStreamState()
                .getMsgCount();
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private static Process startChild(NatsServer server, PrivatePostgres pg, WalTesting.Setup s) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                String.join(
                        File.pathSeparator,
                        System.getProperty("java.class.path"),
                        System.getProperty("jdk.module.path", ""),
                        Path.of(WalRelayChild.class
                                        .getProtectionDomain()
                                        .getCodeSource()
                                        .getLocation()
                                        .toURI())
                                .toString()),
                WalRelayChild.class.getName(),
                server.url(),
                pg.jdbcUrl(),
                s.tables().getTable(),
                s.stream());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        Map<String, CompletableFuture<Void>> found =
                Map.of(STREAMING, new CompletableFuture<>(), STARTED, new CompletableFuture<>());
        SEEN.put(p, found);
        Thread t = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    LOG.debug("child {}: {}", p.pid(), line);
                    for (var e : found.entrySet()) {
                        if (line.contains(e.getKey())) {
                            e.getValue().complete(null);
                        }
                    }
                }
                found.forEach((text, f) ->
                        f.completeExceptionally(new AssertionError("child exited before logging '" + text + "'")));
            } catch (IOException e) {
                found.values().forEach(f -> f.completeExceptionally(e));
            }
        });
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** Waits until the child logs the marker ({@link #STREAMING} or {@link #STARTED}). */
    private static void awaitLine(Process child, String text, Duration timeout) throws Exception {
        CompletableFuture<Void> f = SEEN.get(child).get(text);
        assertThat(f).as("a marker line").isNotNull();
        f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Writes {@code e0 .. e<total - 1>} in transactions of five, with a rolled-back transaction every ten, on its own
     * thread, up to a limit the test raises: so the test decides in which stretch of events each relay is killed.
     */
    private static final class GatedWriter {
        private final PrivatePostgres pg;
        private final WalTesting.Setup s;
        private final int total;
        private final AtomicInteger committed = new AtomicInteger();
        private final AtomicInteger limit = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<Integer> done = new CompletableFuture<>();
        private final Thread thread;

        GatedWriter(PrivatePostgres pg, WalTesting.Setup s, int total) {
            this.pg = pg;
            this.s = s;
            this.total = total;
            this.thread = new Thread(this::run, "gated-writer");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        int committed() {
            return committed.get();
        }

        void allow(int upTo) {
            limit.set(upTo);
            LockSupport.unpark(thread);
        }

        void stop() {
            running.set(false);
            LockSupport.unpark(thread);
        }

        int join() throws Exception {
            return done.get(120, TimeUnit.SECONDS);
        }

        private void run() {
            OutboxWriter writer = OutboxWriter.builder().wal(s.wal()).build();
            int tx = 0;
            try (java.sql.Connection c = pg.connection()) {
                c.setAutoCommit(false);
                while (committed.get() < total && running.get()) {
                    int n = committed.get();
                    int end = Math.min(n + 5, limit.get());
                    if (end <= n) {
                        LockSupport.parkNanos(1_000_000); // waiting for the next relay; allow() unparks
                        continue;
                    }
                    List<OutboxMessage> batch = new ArrayList<>();
                    for (int i = n; i < end; i++) {
                        batch.add(WalTesting.event(s, "e" + i, i));
                    }
                    writer.writeAll(c, batch);
                    c.commit();
                    committed.set(end);
                    if (++tx % 10 == 0) {
                        writer.write(c, WalTesting.event(s, "rb" + end, end));
                        c.rollback();
                    }
                }
                done.complete(committed.get());
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }
    }
}
