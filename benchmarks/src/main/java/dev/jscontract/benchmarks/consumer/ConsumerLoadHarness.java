package dev.jscontract.benchmarks.consumer;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.MessageConsumer;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end throughput of {@link ContractConsumer} against raw jnats, in one run against one nats-server (see
 * {@code docs/benchmarks.md}, section "Consumer").
 *
 * <p>Scenarios, each run 3 times (interleaved, so background load hits all alike; raw and contract swap places every
 * round) and reported as the median:
 *
 * <ol>
 *   <li><b>raw</b>: jnats {@code consumerContext.consume(ConsumeOptions(batch 500), msg -> msg.ack())} on a durable
 *       with explicit ack, ack wait 30 s, max ack pending 1000;
 *   <li><b>contract</b>: {@code ContractConsumer} with a no-op handler on a contract with the same server settings,
 *       batch size 500 and concurrency 1 (heartbeats on, dead-letter rate guard on, no listeners);
 *   <li><b>contract + metrics</b>: the same with a Micrometer {@code SimpleMeterRegistry} (one event per message);
 *   <li><b>c8 × 1 ms</b>: {@code ContractConsumer} with concurrency 8 (batch = concurrency, the default without a declared expected p99: nothing
 *       waits in a client buffer, B-16) and a handler that sleeps 1 ms, against the ideal 8 × 1000 = 8,000 msg/s;
 *   <li><b>c8 × 1 ms, batch 16</b>: the same with a declared batch size of 16, so up to 8 messages wait (about one
 *       handler time each, far inside the 30 s ack wait; lint BUF-001 allows it) and the pull round trip is hidden.
 * </ol>
 *
 * <p>{@code Thread.sleep(1)} sleeps longer than 1 ms (timer slack, a loaded machine); the harness measures the mean
 * and also reports the ratio against the ideal for the handler time actually measured.
 *
 * <p>Messages are 128 bytes on a file-storage R1 stream, published before each run (the publish is not timed). The
 * clock runs from the consumer's start until the handler has seen the last message and the server reports no ack
 * pending, for every scenario alike.
 *
 * <p>Run from the repository root (about two and a half minutes with the defaults):
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/cp.txt
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/cp.txt)" \
 *     dev.jscontract.benchmarks.consumer.ConsumerLoadHarness [300000 [40000]]
 * </pre>
 *
 * The arguments are the messages per throughput run and per concurrency-8 run.
 * The server is started by the harness ({@code NatsServers.start()}: {@code JSC_NATS_SERVER_BIN} or {@code
 * nats-server} on PATH). Results are printed as a Markdown table.
 */
public final class ConsumerLoadHarness {
    private static final int PAYLOAD = 128;
    private static final int RUNS = 3;
    private static final int RAW_BATCH = 500;

    private ConsumerLoadHarness() {}

    /**
     * Runs the scenarios and prints the table.
     *
     * @param args optional: messages per throughput run (default 300000), messages per c8 run (default 40000)
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int n8 = args.length > 1 ? Integer.parseInt(args[1]) : 40_000;
        try (NatsServer server = NatsServers.start();
                Connection nc = server.connect()) {
            System.out.printf(
                    Locale.ROOT,
                    "nats-server %s, jnats %s, Java %s, %d cores; %d msgs x %d bytes per throughput run, %d per c8 run%n",
                    server.version(),
                    io.nats.client.Nats.CLIENT_VERSION,
                    System.getProperty("java.version"),
                    Runtime.getRuntime().availableProcessors(),
                    n,
                    PAYLOAD,
                    n8);
            warmUp(nc);
            double[] raw = new double[RUNS];
            double[] contract = new double[RUNS];
            double[] metrics = new double[RUNS];
            double[] c8 = new double[RUNS];
            double[] c8Sleep = new double[RUNS];
            double[] c16 = new double[RUNS];
            double[] c16Sleep = new double[RUNS];
            double[] cA = new double[RUNS];
            double[] cASleep = new double[RUNS];
            for (int r = 0; r < RUNS; r++) {
                // alternate the order, so that whatever the server still does after one run (flushing, deleting
                // the previous stream) does not always slow the same scenario
                if (r % 2 == 0) {
                    raw[r] = raw(nc, n, "RAW" + r);
                    contract[r] = contract(nc, n, "CON" + r, false);
                    metrics[r] = contract(nc, n, "MET" + r, true);
                } else {
                    metrics[r] = contract(nc, n, "MET" + r, true);
                    contract[r] = contract(nc, n, "CON" + r, false);
                    raw[r] = raw(nc, n, "RAW" + r);
                }
                double[] c = concurrency8(nc, n8, "C8" + r, 8);
                c8[r] = c[0];
                c8Sleep[r] = c[1];
                double[] c2 = concurrency8(nc, n8, "C16" + r, 16);
                c16[r] = c2[0];
                c16Sleep[r] = c2[1];
                double[] ca = concurrency8(nc, n8, "CA" + r, 0);
                cA[r] = ca[0];
                cASleep[r] = ca[1];
                System.out.printf(
                        Locale.ROOT,
                        "run %d: raw %.0f, contract %.0f, contract+metrics %.0f, c8x1ms batch 8 %.0f (sleep %.3f ms),"
                                + " c8x1ms batch 16 %.0f (sleep %.3f ms), c8x1ms defaults %.0f (sleep %.3f ms) msg/s%n",
                        r + 1,
                        raw[r],
                        contract[r],
                        metrics[r],
                        c8[r],
                        c8Sleep[r],
                        c16[r],
                        c16Sleep[r],
                        cA[r],
                        cASleep[r]);
            }
            double mRaw = median(raw);
            double mCon = median(contract);
            double mMet = median(metrics);
            double mC8 = median(c8);
            double mSleep = median(c8Sleep);
            double mC16 = median(c16);
            double mSleep16 = median(c16Sleep);
            double mCA = median(cA);
            double mSleepA = median(cASleep);
            System.out.println();
            System.out.println("| Scenario | Median msg/s (3 runs) | Runs | Ratio | Target |");
            System.out.println("|---|---:|---|---:|---|");
            row("raw jnats `consume()` + `ack()`, batch 500", mRaw, raw, "—", "");
            row("ContractConsumer, no-op handler, batch 500", mCon, contract, fmt2(mCon / mRaw) + " of raw", "≥ 0.9");
            row("ContractConsumer + Micrometer, no-op handler", mMet, metrics, fmt2(mMet / mRaw) + " of raw", "—");
            row(
                    "ContractConsumer, concurrency 8, 1 ms handler, **defaults** (adaptive prefetch)",
                    mCA,
                    cA,
                    fmt2(mCA / (8000.0 / mSleepA)) + " of the ceiling "
                            + String.format(Locale.ROOT, "%.0f", 8000.0 / mSleepA) + " (" + fmt2(mCA / 8000.0)
                            + " of 8,000)",
                    "≥ 0.95");
            row(
                    "ContractConsumer, concurrency 8, 1 ms handler, declared batch 8 (no prefetch)",
                    mC8,
                    c8,
                    fmt2(mC8 / (8000.0 / mSleep)) + " of the ceiling (" + fmt2(mC8 / 8000.0) + " of 8,000)",
                    "—");
            row(
                    "ContractConsumer, concurrency 8, 1 ms handler, declared batch 16",
                    mC16,
                    c16,
                    fmt2(mC16 / (8000.0 / mSleep16)) + " of the ceiling (" + fmt2(mC16 / 8000.0) + " of 8,000)",
                    "—");
            double[] paired = new double[RUNS];
            double[] pairedMetrics = new double[RUNS];
            for (int r = 0; r < RUNS; r++) {
                paired[r] = contract[r] / raw[r];
                pairedMetrics[r] = metrics[r] / raw[r];
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nper-run ratios (contract / raw of the same run, robust to load drifting between runs): %s,"
                            + " median %.2f; with metrics: median %.2f%n",
                    Arrays.toString(Arrays.stream(paired)
                            .map(d -> Math.round(d * 100) / 100.0)
                            .toArray()),
                    median(paired),
                    median(pairedMetrics));
            System.out.printf(
                    Locale.ROOT,
                    "measured handler time (median of runs): batch 8 %.3f ms -> ideal %.0f msg/s, %.2f reached;"
                            + " batch 16 %.3f ms -> ideal %.0f msg/s, %.2f reached%n",
                    mSleep,
                    8000.0 / mSleep,
                    mC8 / (8000.0 / mSleep),
                    mSleep16,
                    8000.0 / mSleep16,
                    mC16 / (8000.0 / mSleep16));
        }
    }

    private static void row(String name, double median, double[] runs, String ratio, String target) {
        StringBuilder rs = new StringBuilder();
        for (double r : runs) {
            rs.append(rs.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.0f", r));
        }
        System.out.printf(Locale.ROOT, "| %s | %.0f | %s | %s | %s |%n", name, median, rs, ratio, target);
    }

    private static String fmt2(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void warmUp(Connection nc) throws Exception {
        raw(nc, 50_000, "WRAW");
        contract(nc, 50_000, "WCON", false);
    }

    private static String stream(Connection nc, String name, int n) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder()
                .name(name)
                .subjects(name.toLowerCase(Locale.ROOT) + ".>")
                .storageType(StorageType.File)
                .build());
        JetStream js = nc.jetStream();
        byte[] payload = new byte[PAYLOAD];
        Arrays.fill(payload, (byte) 'x');
        String subject = name.toLowerCase(Locale.ROOT) + ".m";
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            window.add(js.publishAsync(subject, payload));
            if (window.size() == 2000) {
                for (CompletableFuture<PublishAck> f : window) {
                    f.get(30, TimeUnit.SECONDS);
                }
                window.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : window) {
            f.get(30, TimeUnit.SECONDS);
        }
        Thread.sleep(1000); // let the server finish writing before the clock starts
        return name;
    }

    private static double raw(Connection nc, int n, String name) throws Exception {
        stream(nc, name, n);
        nc.jetStreamManagement()
                .addOrUpdateConsumer(
                        name,
                        ConsumerConfiguration.builder()
                                .durable("raw")
                                .ackPolicy(AckPolicy.Explicit)
                                .ackWait(Duration.ofSeconds(30))
                                .maxAckPending(1000)
                                .build());
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        long start = System.nanoTime();
        try (MessageConsumer mc = nc.getStreamContext(name)
                .getConsumerContext("raw")
                .consume(ConsumeOptions.builder().batchSize(RAW_BATCH).build(), m -> {
                    m.ack();
                    if (count.incrementAndGet() == n) {
                        done.countDown();
                    }
                })) {
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw run timed out at " + count.get() + " of " + n);
            }
            awaitNoAckPending(nc, name, "raw");
        }
        double rate = n / ((System.nanoTime() - start) / 1e9);
        nc.jetStreamManagement().deleteStream(name);
        return rate;
    }

    private static ConsumerContract contract(String stream, int concurrency, int batch) {
        return ConsumerContract.builder().stream(stream)
                .durable("contract")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(1000)
                .concurrency(concurrency)
                .batchSize(batch)
                .build();
    }

    private static double contract(Connection nc, int n, String name, boolean withMetrics) throws Exception {
        stream(nc, name, n);
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        ConsumerContract contract = contract(name, 1, RAW_BATCH);
        ContractConsumer.Builder b = ContractConsumer.builder(nc, contract).handler(m -> {
            if (count.incrementAndGet() == n) {
                done.countDown();
            }
        });
        if (withMetrics) {
            b.metrics(MicrometerConsumerMetrics.create(new SimpleMeterRegistry(), contract));
        }
        double rate;
        try (ContractConsumer consumer = b.build()) {
            long start = System.nanoTime();
            consumer.start();
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("contract run timed out at " + count.get() + " of " + n);
            }
            awaitNoAckPending(nc, name, "contract");
            rate = n / ((System.nanoTime() - start) / 1e9);
        }
        cleanUp(nc, name);
        return rate;
    }

    /** Returns {rate, mean handler sleep in ms}. */
    private static double[] concurrency8(Connection nc, int n, String name, int batch) throws Exception {
        stream(nc, name, n);
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        AtomicLong slept = new AtomicLong();
        ContractBuilder cb = ConsumerContract.builder().stream(name)
                .durable("contract")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(64)
                .concurrency(8);
        if (batch > 0) {
            cb.batchSize(batch); // 0: the defaults, an adaptive prefetch
        }
        ConsumerContract c = cb.build();
        double rate;
        try (ContractConsumer consumer = ContractConsumer.builder(nc, c)
                .handler(m -> {
                    long t = System.nanoTime();
                    Thread.sleep(1);
                    slept.addAndGet(System.nanoTime() - t);
                    if (count.incrementAndGet() == n) {
                        done.countDown();
                    }
                })
                .build()) {
            long start = System.nanoTime();
            consumer.start();
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("c8 run timed out at " + count.get() + " of " + n);
            }
            awaitNoAckPending(nc, name, "contract");
            rate = n / ((System.nanoTime() - start) / 1e9);
        }
        cleanUp(nc, name);
        return new double[] {rate, slept.get() / 1e6 / n};
    }

    private static void awaitNoAckPending(Connection nc, String stream, String durable) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (nc.jetStreamManagement().getConsumerInfo(stream, durable).getNumAckPending() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("acks did not arrive within 30 s");
            }
            Thread.sleep(1);
        }
    }

    private static void cleanUp(Connection nc, String stream) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.deleteStream(stream);
        jsm.deleteStream("DLQ_" + stream);
        jsm.deleteStream("JSC_ADV_" + stream);
    }
}
