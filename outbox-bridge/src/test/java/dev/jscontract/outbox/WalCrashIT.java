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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAL mode with relays in processes of their own: SIGKILLed ten times while a writer commits (nothing lost, nothing stored twice,
 * commit order kept), and a standby that takes over the slot when the relay that holds it is killed (the takeover
 * time is measured and logged).
 */
@WithNatsServer
@WithPrivatePostgres
class WalCrashIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalCrashIT.class);
    private static final String STREAMING = "streams from it";
    private static final java.util.Map<Process, CompletableFuture<Void>> STREAMING_SEEN =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Test
    void killedRelaysLoseNothingStoreNothingTwiceAndKeepCommitOrder(NatsServer server, PrivatePostgres pg)
            throws Exception {
        int kills = 10;
        AtomicBoolean writing = new AtomicBoolean(true);
        WalTesting.Setup s = WalTesting.setup(pg.dataSource(), "walkill");
        try (Connection nc = server.connect()) {
            OutboxTesting.createStream(nc, s.stream(), s.tables().getTable(), Duration.ofMinutes(2));
            // the slot must exist before the first event: the first child creates it
            Process first = startChild(server, pg, s);
            CompletableFuture<Integer> writer;
            try {
                awaitLine(first, STREAMING, Duration.ofSeconds(60));
                writer = CompletableFuture.supplyAsync(
                        () -> WalTesting.write(pg.dataSource(), s, 0, 1_000_000, 5, writing, 2));
                Thread.sleep(500);
            } finally {
                kill(first);
            }
            long[] storedAtKill = new long[kills];
            for (int k = 1; k < kills; k++) {
                Process child = startChild(server, pg, s);
                try {
                    awaitLine(child, STREAMING, Duration.ofSeconds(60));
                    Thread.sleep(300 + ThreadLocalRandom.current().nextInt(700));
                } finally {
                    kill(child);
                }
                storedAtKill[k] = msgCount(nc, s);
                LOG.info("kill {}: {} events in the stream", k + 1, storedAtKill[k]);
            }
            // the writer commits until the last relay is killed, so every kill happened while events flowed
            writing.set(false);
            int events = writer.get(60, TimeUnit.SECONDS);
            LOG.info("{} events committed during {} kills", events, kills);
            assertThat(storedAtKill[kills - 1])
                    .as("the last kill happened while events flowed")
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
                Thread.sleep(1500); // the standby is up and polling for the slot
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
        CompletableFuture<Void> found = new CompletableFuture<>();
        STREAMING_SEEN.put(p, found);
        Thread t = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    LOG.debug("child {}: {}", p.pid(), line);
                    if (line.contains(STREAMING)) {
                        found.complete(null);
                    }
                }
                found.completeExceptionally(new AssertionError("child exited before logging '" + STREAMING + "'"));
            } catch (IOException e) {
                found.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** Waits until the child logs that it streams from the slot. */
    private static void awaitLine(Process child, String text, Duration timeout) throws Exception {
        assertThat(text).isEqualTo(STREAMING);
        STREAMING_SEEN.get(child).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
