package dev.jscontract.benchmarks.reliability;

import java.time.Duration;

/**
 * How big a reliability run is: {@link #CI} for the integration tests (minutes for all scenarios together), {@link
 * #FULL} for the figures in {@code docs/reliability.md} (run by {@code scripts/reliability}).
 *
 * @param rows rows written through the outbox in the pipeline scenarios
 * @param rate rows written per second
 * @param kills process kills in the kill scenarios
 * @param repeats how often the other faults are repeated in one run
 * @param outage how long a quorum loss or a downstream outage lasts
 * @param cut how long a silent network cut lasts (longer than the 3 s ack wait)
 * @param poison poison messages published at once
 * @param shutdowns consumer shutdowns during handlers
 */
record Size(
        String name,
        int rows,
        int rate,
        int kills,
        int repeats,
        Duration outage,
        Duration cut,
        int poison,
        int shutdowns) {
    /** The size the CI tests run. */
    static final Size CI = new Size("ci", 6_000, 1_000, 3, 1, Duration.ofSeconds(15), Duration.ofSeconds(8), 2_000, 4);

    /** The size of the published figures. */
    static final Size FULL =
            new Size("full", 100_000, 2_000, 10, 3, Duration.ofSeconds(30), Duration.ofSeconds(20), 10_000, 20);

    /** The size named {@code ci} or {@code full}. */
    static Size named(String name) {
        return switch (name) {
            case "ci" -> CI;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("size must be ci or full but was '" + name + "'");
        };
    }
}
