package dev.jscontract.benchmarks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The bounds every reliability scenario must keep at CI size, and the table row it leaves in {@code
 * target/reliability-ci.md} (the same table {@code scripts/reliability} prints at full size).
 */
final class ReliabilityChecks {
    private ReliabilityChecks() {}

    /** Runs the scenario at CI size, records its row, and returns it. */
    static Figures run(Scenarios.Scenario scenario) throws Exception {
        return record(scenario.run(Size.CI));
    }

    private static synchronized Figures record(Figures f) throws IOException {
        Path table = Path.of("target", "reliability-ci.md");
        if (!Files.exists(table)) {
            Files.writeString(table, Figures.header() + "\n", StandardCharsets.UTF_8);
        }
        Files.writeString(table, f.row() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return f;
    }

    /**
     * Nothing lost, no side effect twice, nothing stored twice, nothing parked; redeliveries at most 5 % of the
     * messages (plus one pull window per fault); back to work within 30 s of the fault's end.
     */
    static void assertNothingLostOrDuplicated(Figures f, int faults) {
        assertThat(f.lost()).as("%s: lost", f.fault()).isZero();
        assertThat(f.duplicatedSideEffects())
                .as("%s: duplicated side effects", f.fault())
                .isZero();
        assertThat(f.duplicatesStored()).as("%s: duplicates stored", f.fault()).isZero();
        assertThat(f.parked()).as("%s: parked or dead-lettered", f.fault()).isZero();
        assertThat(f.redeliveries())
                .as("%s: redeliveries", f.fault())
                .isLessThanOrEqualTo(f.messages() / 20 + 64L * faults);
        assertThat(f.timeToRecover()).as("%s: time to recover", f.fault()).isLessThan(Duration.ofSeconds(30));
    }
}
