package dev.jscontract.benchmarks.cli;

import dev.jscontract.cli.Cli;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.Terminal;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Speed of the {@code jscontract} command (see {@code docs/benchmarks.md}, section "CLI"), in one run against one
 * nats-server:
 *
 * <ol>
 *   <li><b>stats</b> and <b>list --json</b> ({@code --oldest --limit 0}) over N dead letters (default 100,000), run
 *       in-process through {@link Cli} with output discarded: messages per second, and the peak heap used while each
 *       runs over N/10 and N dead letters (sampled every 10 ms after a GC), to show memory does not grow with N;
 *   <li><b>replay --all -f</b> of N dead letters to a target stream (each removed after its PubAck), against
 *       <b>raw</b> {@code publishAsync} of the same N bodies with unique message ids and 1,000 PubAcks in flight, on
 *       the same server in the same round: the ratio replay / raw;
 *   <li><b>--help</b> and <b>dlq stats</b> of an empty dead-letter stream through the launcher script {@code
 *       cli/target/jscontract} (a new JVM each time): wall time.
 * </ol>
 *
 * <p>Dead letters are envelopes of format v1 written with {@link DeadLetterEnvelope} (the class the consumer runtime
 * writes them with), 128-byte JSON bodies, a 1.5 KB stack trace, three groups; publishing them is not timed. Each
 * throughput scenario runs 3 rounds and reports the median. The server is file storage, R1.
 *
 * <p>Run from the repository root after building the CLI (about two minutes with the defaults):
 *
 * <pre>
 * ./mvnw -q -pl cli,benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/cp.txt
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *     dev.jscontract.benchmarks.cli.CliBenchmark [deadLetters=100000] [rounds=3] [launcher=cli/target/jscontract] \
 *     [stack=true]
 * </pre>
 *
 * <p>{@code stack=false} writes envelopes without the stack trace header (about 0.4 KB of headers instead of 1.9 KB):
 * the replay's cost is mostly reading and parsing each dead letter's headers, so it shows how the ratio to raw
 * publishing depends on the envelope's size.
 */
public final class CliBenchmark {
    private static final String STACK = stack();
    private static boolean withStack = true;

    private CliBenchmark() {}

    /** Runs the harness; arguments {@code key=value} as in the class comment. */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(arg(args, "deadLetters", "100000"));
        int rounds = Integer.parseInt(arg(args, "rounds", "3"));
        Path launcher = Path.of(arg(args, "launcher", "cli/target/jscontract"));
        withStack = Boolean.parseBoolean(arg(args, "stack", "true"));
        try (NatsServer server = NatsServers.start();
                Connection nc = server.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            System.out.printf(
                    Locale.ROOT,
                    "nats-server %s, %d dead letters, %d rounds, %d cores%n",
                    server.version(),
                    n,
                    rounds,
                    Runtime.getRuntime().availableProcessors());

            stream(jsm, "DLQ_BENCH", "dlq.BENCH.>");
            fill(nc, "DLQ_BENCH", n);
            double[] stats = new double[rounds];
            double[] list = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                stats[r] = n / seconds(() -> cli(server, "dlq", "stats", "--dlq-stream", "DLQ_BENCH"));
                list[r] = n
                        / seconds(() -> cli(
                                server,
                                "dlq",
                                "list",
                                "--dlq-stream",
                                "DLQ_BENCH",
                                "--json",
                                "--oldest",
                                "--limit",
                                "0"));
            }
            System.out.printf(Locale.ROOT, "stats          %,10.0f msg/s  (runs %s)%n", median(stats), fmt(stats));
            System.out.printf(Locale.ROOT, "list --json    %,10.0f msg/s  (runs %s)%n", median(list), fmt(list));

            stream(jsm, "DLQ_SMALL", "dlq.SMALL.>");
            fill(nc, "DLQ_SMALL", n / 10);
            long smallStats = peakHeap(() -> cli(server, "dlq", "stats", "--dlq-stream", "DLQ_SMALL"));
            long bigStats = peakHeap(() -> cli(server, "dlq", "stats", "--dlq-stream", "DLQ_BENCH"));
            long smallList = peakHeap(() ->
                    cli(server, "dlq", "list", "--dlq-stream", "DLQ_SMALL", "--json", "--oldest", "--limit", "0"));
            long bigList = peakHeap(() ->
                    cli(server, "dlq", "list", "--dlq-stream", "DLQ_BENCH", "--json", "--oldest", "--limit", "0"));
            System.out.printf(
                    Locale.ROOT,
                    "peak heap      stats %d MB over %,d / %d MB over %,d;" + " list %d MB / %d MB%n",
                    smallStats >> 20,
                    n / 10,
                    bigStats >> 20,
                    n,
                    smallList >> 20,
                    bigList >> 20);

            double[] raw = new double[rounds];
            double[] replay = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                String rawStream = "RAW_" + r;
                stream(jsm, rawStream, "raw" + r + ".>");
                String rawSubject = "raw" + r + ".x";
                raw[r] = n / seconds(() -> rawPublish(nc, rawSubject, n));
                jsm.deleteStream(rawStream);
                String target = "TARGET_" + r;
                stream(jsm, target, "target" + r + ".>");
                if (r > 0) {
                    fill(nc, "DLQ_BENCH", n); // the previous replay removed them
                }
                String to = "target" + r + ".x";
                replay[r] = n
                        / seconds(() ->
                                cli(server, "dlq", "replay", "--dlq-stream", "DLQ_BENCH", "--all", "-f", "--to", to));
                long stored = jsm.getStreamInfo(target).getStreamState().getMsgCount();
                long left = jsm.getStreamInfo("DLQ_BENCH").getStreamState().getMsgCount();
                if (stored != n || left != 0) {
                    throw new IllegalStateException("replay round " + r + " stored " + stored + " of " + n + " and"
                            + " left " + left + " dead letters");
                }
                jsm.deleteStream(target);
            }
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = replay[r] / raw[r];
            }
            System.out.printf(Locale.ROOT, "raw publish    %,10.0f msg/s  (runs %s)%n", median(raw), fmt(raw));
            System.out.printf(Locale.ROOT, "replay --all   %,10.0f msg/s  (runs %s)%n", median(replay), fmt(replay));
            System.out.printf(Locale.ROOT, "replay / raw   %10.2f        (per round %s)%n", median(ratio), fmt(ratio));

            if (Files.isExecutable(launcher)) {
                stream(jsm, "DLQ_EMPTY", "dlq.EMPTY.>");
                double[] help = new double[10];
                double[] empty = new double[10];
                for (int i = 0; i < 10; i++) {
                    help[i] = wall(launcher, Map.of(), "--help");
                    empty[i] = wall(
                            launcher, Map.of("NATS_URL", server.url()), "dlq", "stats", "--dlq-stream", "DLQ_EMPTY");
                }
                System.out.printf(
                        Locale.ROOT, "--help         %10.0f ms     (median of 10; runs %s)%n", median(help), fmt(help));
                System.out.printf(
                        Locale.ROOT,
                        "stats (empty)  %10.0f ms     (median of 10; runs %s)%n",
                        median(empty),
                        fmt(empty));
            } else {
                System.out.println("launcher " + launcher + " not found: build it with ./mvnw -q -pl cli -am package"
                        + " -DskipTests to measure start-up");
            }
        }
    }

    /** Runs the command in-process, output discarded; fails unless it exits 0. */
    private static void cli(NatsServer server, String... args) {
        PrintStream nul = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.builder()
                .environment(Environment.of(
                        Map.of("NATS_URL", server.url(), "HOME", System.getProperty("java.io" + ".tmpdir"))))
                .terminal(Terminal.builder()
                        .out(nul)
                        .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                        .build())
                .build()
                .run(args);
        if (code != 0) {
            throw new IllegalStateException("jscontract " + String.join(" ", args) + " exited " + code + ": " + err);
        }
    }

    /** Publishes n 128-byte bodies with unique message ids, 1,000 PubAcks in flight, and waits for all. */
    private static void rawPublish(Connection nc, String subject, int n) throws Exception {
        JetStream js = nc.jetStream();
        byte[] body = body(0);
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        String run = Long.toString(System.nanoTime());
        for (int i = 0; i < n; i++) {
            window.add(js.publishAsync(
                    subject,
                    null,
                    body,
                    PublishOptions.builder().messageId("raw-" + run + "-" + i).build()));
            if (window.size() == 1000) {
                CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0]))
                        .get(30, TimeUnit.SECONDS);
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    }

    private static void stream(JetStreamManagement jsm, String name, String subject) throws Exception {
        jsm.addStream(StreamConfiguration.builder()
                .name(name)
                .subjects(subject)
                .storageType(StorageType.File)
                .build());
    }

    /** Writes n envelopes (three groups) into a dead-letter stream; not timed. */
    private static void fill(Connection nc, String dlqStream, int n) throws Exception {
        JetStream js = nc.jetStream();
        String subject = dlqStream.replace("DLQ_", "dlq.") + ".billing";
        AtomicLong failed = new AtomicLong();
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            DeadLetterEnvelope e = DeadLetterEnvelope.builder()
                    .originalStream("BENCH")
                    .originalSubject("bench.orders.created")
                    .originalSequence(i + 1L)
                    .originalTimestamp(now)
                    .originalHeaders(new Headers().add("Trace-Id", "trace-" + i))
                    .consumer("billing")
                    .deliveries(i % 3 == 0 ? 5 : 1)
                    .reason(
                            i % 3 == 0
                                    ? DeadLetterReason.HANDLER_ERROR
                                    : i % 3 == 1 ? DeadLetterReason.PERMANENT_ERROR : DeadLetterReason.POISON)
                    .error("com.acme.billing.Failure" + (i % 3), "order o-" + i + " failed")
                    .deadLetteredAt(now)
                    .instance("bench/1")
                    .body(body(i))
                    .build();
            Headers h = e.toHeaders();
            if (withStack) {
                h.put("Jsc-Error-Stack", STACK);
            }
            window.add(js.publishAsync(
                    subject,
                    h,
                    e.getBody(),
                    PublishOptions.builder()
                            .messageId(dlqStream + "-" + System.nanoTime() + "-" + i)
                            .build()));
            if (window.size() == 1000) {
                for (CompletableFuture<PublishAck> f : window) {
                    f.exceptionally(x -> {
                        failed.incrementAndGet();
                        return null;
                    });
                }
                CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0]))
                        .get(30, TimeUnit.SECONDS);
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " dead letters could not be written");
        }
    }

    private static byte[] body(int i) {
        String s = String.format(
                Locale.ROOT,
                "{\"id\":\"o-%08d\",\"customer\":\"c-%06d\",\"cents\":%d,\"note\":\"%s\"}",
                i,
                i % 100_000,
                i % 7,
                "x".repeat(64));
        return Arrays.copyOf(s.getBytes(StandardCharsets.UTF_8), 128);
    }

    private static String stack() {
        StringBuilder sb = new StringBuilder("com.acme.billing.Failure: order failed\\n");
        for (int i = 0; sb.length() < 1500; i++) {
            sb.append("\\tat com.acme.billing.Step")
                    .append(i)
                    .append(".run(Step")
                    .append(i)
                    .append(".java:")
                    .append(10 + i)
                    .append(")\\n");
        }
        return sb.toString();
    }

    /** Something to time. */
    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static double seconds(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * The most heap still in use after a garbage collection while {@code w} runs (the sum over the heap pools of the
     * usage after their latest collection, sampled every 10 ms): what the command retains, not what it allocated and
     * the collector had not yet reclaimed.
     */
    private static long peakHeap(Work w) throws Exception {
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null)
                .toList();
        System.gc();
        AtomicLong peak = new AtomicLong(retained(pools));
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(retained(pools), Math::max);
                try {
                    Thread.sleep(10); // a sampling period, not a synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        try {
            w.run();
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        return peak.get();
    }

    private static long retained(List<MemoryPoolMXBean> pools) {
        long sum = 0;
        for (MemoryPoolMXBean p : pools) {
            sum += p.getCollectionUsage().getUsed();
        }
        return sum;
    }

    /** Wall time of one launcher run in milliseconds; fails unless it exits 0. */
    private static double wall(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(
                    launcher + " " + String.join(" ", args) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, x >= 100 ? "%,.0f" : "%.2f", x));
        }
        return sb.toString();
    }

    private static String arg(String[] args, String key, String def) {
        for (String a : args) {
            if (a.startsWith(key + "=")) {
                return a.substring(key.length() + 1);
            }
        }
        return def;
    }
}
