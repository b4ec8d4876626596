package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of {@code explain()} for a fixed, an exponential and a no-backoff contract. The expected texts are in
 * {@code src/test/resources/explain/}; after a deliberate change, regenerate them with {@code
 * -Djsc.golden.update=true} and review the diff.
 */
class ExplainGoldenTest {

    static final Map<String, ConsumerContract> CONTRACTS = Map.of(
            "fixed",
            ConsumerContract.builder().stream("ORDERS")
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(30))
                    .maxDeliver(4)
                    .backoff(Backoff.fixed(Duration.ofSeconds(10)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .maxAckPending(100)
                    .concurrency(4)
                    .expectedP99(Duration.ofSeconds(2))
                    .maxProcessingTime(Duration.ofMinutes(1))
                    .build(),
            "exponential",
            ConsumerContract.builder().stream("PAYMENTS")
                    .durable("settle")
                    .ackWait(Duration.ofSeconds(10))
                    .maxDeliver(6)
                    .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30))
                            .withJitter(0.5))
                    .deadLetter(DeadLetterPolicy.toSubject("dead.payments").stream("DEAD_PAYMENTS"))
                    .serverBackoff(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40))
                    .heartbeatInterval(Duration.ofSeconds(3))
                    .maxProcessingTime(Duration.ofMinutes(2))
                    .maxAckPending(20)
                    .instances(2)
                    .concurrency(8)
                    .expectedP99(Duration.ofMillis(500))
                    .build(),
            "none",
            ConsumerContract.builder().stream("EVENTS")
                    .durable("audit")
                    .ackWait(Duration.ofSeconds(5))
                    .maxDeliver(ConsumerContract.UNLIMITED_DELIVERIES)
                    .backoff(Backoff.none())
                    .deadLetter(DeadLetterPolicy.none())
                    .noHeartbeats()
                    .build());

    @Test
    void fixed() throws IOException {
        assertGolden("fixed");
    }

    @Test
    void exponentialWithServerBackoff() throws IOException {
        assertGolden("exponential");
    }

    @Test
    void noneUnlimited() throws IOException {
        assertGolden("none");
    }

    @Test
    void structuredTimelineMatchesTheText() {
        Explanation e = CONTRACTS.get("fixed").explain();
        assertThat(e.getAttempts()).hasSize(4);
        assertThat(e.getAttempts().get(1).getEarliestDelivery()).isEqualTo(Duration.ofSeconds(10));
        // attempt 1 may run 1 min, then waits max(10 s retry, 30 s deadline after a crash)
        assertThat(e.getAttempts().get(1).getLatestDelivery()).hasValue(Duration.ofSeconds(90));
        assertThat(e.getAttempts().get(3).getRetryDelayMin()).isEmpty();
        assertThat(e.getLatestDeadLetter()).hasValue(Duration.ofSeconds(270 + 60 + 30));
        assertThat(e.getCrashHoldFirstDelivery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(e.getThroughputCeiling()).hasValue(2.0);
        Explanation none = CONTRACTS.get("none").explain();
        assertThat(none.getAttempts()).hasSize(Explanation.SHOWN_WHEN_UNLIMITED);
        assertThat(none.getLatestDeadLetter()).isEmpty();
        assertThat(none.getThroughputCeiling()).isEmpty();
    }

    private static void assertGolden(String name) throws IOException {
        String actual = CONTRACTS.get(name).explain().toText();
        if (Boolean.getBoolean("jsc.golden.update")) {
            Files.writeString(Path.of("src/test/resources/explain/" + name + ".txt"), actual);
        }
        String expected;
        try (InputStream in = Objects.requireNonNull(
                ExplainGoldenTest.class.getResourceAsStream("/explain/" + name + ".txt"), "golden file " + name)) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(actual).isEqualTo(expected);
    }
}
