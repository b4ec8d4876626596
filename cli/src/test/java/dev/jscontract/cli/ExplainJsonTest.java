package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code jscontract explain --json}: one stable document for scripts, compared with {@code golden/explain.json}, over
 * three contracts that cover every shape (jittered retries with heartbeats and a dead-letter deadline; server BackOff
 * without dead-lettering; unlimited deliveries with unbounded attempts). Regenerate the golden file by deleting it and
 * running the test once (it writes the file and fails).
 */
class ExplainJsonTest {
    private static final Path INPUT = Path.of("src/test/resources/explain");
    private static final Path GOLDEN = Path.of("src/test/resources/golden/explain.json");

    @Test
    void explainJsonIsOneStableDocumentWithMillisAndNullsForUnbounded() throws Exception {
        CliRun.Result r = CliRun.isolated()
                .run(
                        "explain",
                        "--json",
                        INPUT.resolve("billing.json").toString(),
                        INPUT.resolve("server-backoff.json").toString(),
                        INPUT.resolve("forever.json").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        golden(r.out());

        JsonNode contracts = new ObjectMapper().readTree(r.out()).get("contracts");
        assertThat(contracts).hasSize(3);
        JsonNode billing = contracts.get(0);
        assertThat(billing.get("attempts")).hasSize(4);
        assertThat(billing.get("attempts").get(3).get("afterFailure").asText()).isEqualTo("dead-letter");
        assertThat(billing.get("deadLetter").get("subject").asText()).isEqualTo("dlq.ORDERS.billing");
        assertThat(billing.get("throughputCeilingPerSecond").asDouble()).isEqualTo(4.0);
        JsonNode jobs = contracts.get(1);
        assertThat(jobs.get("deadLetter").isNull())
                .as("DeadLetterPolicy.none()")
                .isTrue();
        assertThat(jobs.get("attempts").get(2).get("afterFailure").asText()).isEqualTo("terminate");
        JsonNode forever = contracts.get(2);
        assertThat(forever.get("maxDeliver").isNull()).isTrue();
        assertThat(forever.get("attemptsTruncated").asBoolean()).isTrue();
        assertThat(forever.get("attempts").get(1).get("latestMillis").isNull())
                .as("heartbeats without a max processing time: unbounded")
                .isTrue();

        CliRun.Result text =
                CliRun.isolated().run("explain", INPUT.resolve("billing.json").toString());
        assertThat(text.out()).as("without --json, the text timeline").startsWith("Contract ORDERS/billing\n");
        assertThat(CliRun.isolated().run("explain", "--help").out())
                .contains("-j, --json")
                .contains("  -j, --json                One JSON document {\"contracts\": [...]}; durations in ms.\n");
    }

    private static void golden(String actual) throws IOException {
        if (!Files.exists(GOLDEN)) {
            Files.writeString(GOLDEN, actual);
            throw new AssertionError("wrote missing golden file " + GOLDEN + "; check it and run again");
        }
        assertThat(actual).isEqualTo(Files.readString(GOLDEN));
    }
}
