package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gap measurement with tolerances that hold on a loaded 2-core machine. Server timers never fire early, but the
 * client sees each delivery a little late, so a measured gap may be a bit shorter or (much) longer than the server
 * timer: a timer of {@code d} is accepted in {@code [d - max(200 ms, 10 %), d + 1.5 s]}, and "immediate" means under
 * one second.
 */
final class Timing {
    /** Upper bound for "immediately" (a plain NAK, a freed MaxAckPending slot). */
    static final Duration IMMEDIATE = Duration.ofSeconds(1);

    /** Added to a server timer for the upper bound of an observed gap. */
    static final Duration LATE_SLACK = Duration.ofMillis(1500);

    private static final Logger LOG = LoggerFactory.getLogger(Timing.class);

    private Timing() {}

    /** Now, from the monotonic clock. */
    static long now() {
        return System.nanoTime();
    }

    /** Time elapsed since {@code startNanos} (from {@link #now()}). */
    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Logs and asserts that {@code observed} is a server timer of {@code expected}, within the suite's tolerances. */
    static void assertTimer(NatsServer server, Duration observed, Duration expected, String what) {
        LOG.info(
                "nats-server {}: {}: observed {} ms, server timer {} ms",
                server.version(),
                what,
                observed.toMillis(),
                expected.toMillis());
        Duration early = expected.dividedBy(10).compareTo(Duration.ofMillis(200)) > 0
                ? expected.dividedBy(10)
                : Duration.ofMillis(200);
        assertThat(observed)
                .as("%s: expected about %s (server timer), observed %s", what, expected, observed)
                .isBetween(expected.minus(early), expected.plus(LATE_SLACK));
    }

    /** Logs and asserts that {@code observed} is "immediate": under {@link #IMMEDIATE}. */
    static void assertImmediate(NatsServer server, Duration observed, String what) {
        LOG.info(
                "nats-server {}: {}: observed {} ms, expected immediately",
                server.version(),
                what,
                observed.toMillis());
        assertThat(observed)
                .as("%s: expected immediately (< %s), observed %s", what, IMMEDIATE, observed)
                .isLessThan(IMMEDIATE);
    }
}
