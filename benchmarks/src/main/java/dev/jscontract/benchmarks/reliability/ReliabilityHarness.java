package dev.jscontract.benchmarks.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the fault scenarios of {@code docs/reliability.md} and prints the table: for each fault, what it cost in lost
 * messages, duplicated side effects, duplicates stored, parked rows or dead letters, redeliveries, and the time to
 * recover. Each scenario starts its own nats-server(s) and uses its own database (the local PostgreSQL, found as the
 * tests find it; the PostgreSQL restart uses a private server from {@code initdb}).
 *
 * <pre>
 * scripts/reliability                 # full size, about 25 minutes: the figures of docs/reliability.md
 * scripts/reliability --size ci       # the size the integration tests run (ReliabilityIT), a few minutes
 * scripts/reliability --only silent-cut,shutdowns
 * </pre>
 *
 * <p>Scenario names: relay-kills, consumer-kills, nats-restart, leader-loss, quorum-loss, silent-cut,
 * postgres-restart, poison-flood, downstream-outage, shutdowns.
 */
public final class ReliabilityHarness {
    private ReliabilityHarness() {}

    /**
     * Runs the scenarios.
     *
     * @param args {@code [--size ci|full] [--only name,name]}
     * @throws Exception when a scenario cannot run (a missing server says how to provide one)
     */
    public static void main(String[] args) throws Exception {
        Size size = Size.FULL;
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = Size.named(value(args, ++i, "--size"));
                case "--only" -> only.addAll(List.of(value(args, ++i, "--only").split(",")));
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument '" + args[i] + "'; use --size ci|full and --only name,name");
            }
        }
        Map<String, Scenarios.Scenario> all = Scenarios.all();
        for (String name : only) {
            if (!all.containsKey(name)) {
                throw new IllegalArgumentException("unknown scenario '" + name + "'; known: " + all.keySet());
            }
        }
        List<Figures> rows = new ArrayList<>();
        for (Map.Entry<String, Scenarios.Scenario> e : all.entrySet()) {
            if (!only.isEmpty() && !only.contains(e.getKey())) {
                continue;
            }
            long start = System.nanoTime();
            Figures f = e.getValue().run(size);
            rows.add(f);
            System.out.printf("%s done in %.0f s: %s%n", e.getKey(), (System.nanoTime() - start) / 1e9, f.row());
        }
        System.out.println();
        System.out.println("Size: " + size.name());
        System.out.println(Figures.header());
        rows.forEach(f -> System.out.println(f.row()));
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
