package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.api.PriorityPolicy;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContractJsonTest {

    @Test
    void everyOptionRoundTrips() {
        ConsumerContract full = Fixtures.clean()
                .filterSubjects("orders.created", "orders.paid")
                .batchSize(2)
                .instances(3)
                .heartbeatInterval(Duration.ofSeconds(5))
                .deliverFromTime(ZonedDateTime.parse("2026-01-01T00:00:00Z"))
                .description("billing")
                .metadata(Map.of("team", "payments"))
                .serverBackoff(Duration.ofSeconds(30), Duration.ofMinutes(1))
                .pauseUntil(ZonedDateTime.parse("2030-01-01T00:00:00Z"))
                .priorityGroups("jobs")
                .priorityPolicy(PriorityPolicy.Overflow)
                .suppress("BO-004", "documented")
                .escalate("HB-002", Severity.ERROR)
                .build();
        assertThat(ContractJson.read(ContractJson.write(full))).isEqualTo(full);
        for (ConsumerContract c : ExplainGoldenTest.CONTRACTS.values()) {
            assertThat(ContractJson.read(ContractJson.write(c))).isEqualTo(c);
        }
        ConsumerContract listBackoff = Fixtures.minimal().build().toBuilder()
                .backoff(Backoff.of(Duration.ofSeconds(1), Duration.ofSeconds(5)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject()
                        .streamSubjects("dlq.>")
                        .replicas(3)
                        .advisoryStream("ADV"))
                .deliverFromSequence(7)
                .build();
        assertThat(ContractJson.read(ContractJson.write(listBackoff))).isEqualTo(listBackoff);
    }

    @Test
    void writesTheDocumentedFormat() {
        String json = ContractJson.write(Fixtures.minimal().build());
        assertThat(json)
                .isEqualTo("{\n"
                        + "  \"format\" : 1,\n"
                        + "  \"stream\" : \"ORDERS\",\n"
                        + "  \"durable\" : \"billing\",\n"
                        + "  \"ackWait\" : \"PT30S\",\n"
                        + "  \"maxDeliver\" : 5,\n"
                        + "  \"backoff\" : {\n"
                        + "    \"type\" : \"fixed\",\n"
                        + "    \"delay\" : \"PT5S\"\n"
                        + "  },\n"
                        + "  \"deadLetter\" : { }\n"
                        + "}\n");
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("billing.json");
        Files.writeString(f, ContractJson.write(Fixtures.clean().build()));
        assertThat(ContractJson.read(f)).isEqualTo(Fixtures.clean().build());
        assertThatThrownBy(() -> ContractJson.read(dir.resolve("missing.json")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot read contract file " + dir.resolve("missing.json"));
    }

    @Test
    void malformedJsonNamesTheLine() {
        assertThatThrownBy(() -> ContractJson.read("{\n  \"stream\": \"ORDERS\",\n  \"durable\" \"x\"\n}"))
                .isInstanceOf(ContractFormatException.class)
                .hasMessageStartingWith("contract JSON, line 3, column")
                .hasMessageContaining("malformed JSON")
                .satisfies(
                        e -> assertThat(((ContractFormatException) e).getLine()).isEqualTo(3));
    }

    @Test
    void unknownFieldsAreAnErrorWithTheLineAndTheKnownFields() {
        String json = ContractJson.write(Fixtures.minimal().build()).replace("\"maxDeliver\"", "\"maxDelivery\"");
        assertThatThrownBy(() -> ContractJson.read(json))
                .isInstanceOf(ContractFormatException.class)
                .hasMessageStartingWith("contract JSON, line 6: unknown field 'maxDelivery'; known fields here:")
                .hasMessageContaining("maxDeliver")
                .satisfies(e -> {
                    ContractFormatException cfe = (ContractFormatException) e;
                    assertThat(cfe.getField()).isEqualTo("maxDelivery");
                    assertThat(cfe.getLine()).isEqualTo(6);
                });
        String nested = ContractJson.write(Fixtures.minimal().build()).replace("\"delay\"", "\"delays_ms\"");
        assertThatThrownBy(() -> ContractJson.read(nested))
                .hasMessageStartingWith("contract JSON, line 9: unknown field 'backoff.delays_ms'");
    }

    @Test
    void missingRequiredFieldsSayWhatToWrite() {
        String json = ContractJson.write(Fixtures.minimal().build()).replace("  \"ackWait\" : \"PT30S\",\n", "");
        assertThatThrownBy(() -> ContractJson.read(json))
                .isInstanceOf(ContractFormatException.class)
                .hasMessage("contract JSON, field 'ackWait': field 'ackWait' is required: a duration, e.g. \"PT30S\"");
    }

    @Test
    void badValuesNameTheFieldAndLine() {
        String json = ContractJson.write(Fixtures.clean().build());
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"PT2M\"", "\"2 minutes\"")))
                .isInstanceOf(ContractFormatException.class)
                .hasMessage("contract JSON, line 17, field 'maxProcessingTime': '2 minutes' is not an ISO-8601"
                        + " duration; write e.g. \"PT30S\", \"PT2M\", \"PT0.5S\" or \"P14D\"");
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"maxAckPending\" : 64", "\"maxAckPending\" : 0")))
                .hasMessage("contract JSON, line 14, field 'maxAckPending': maxAckPending must be positive but was 0");
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"stream\" : \"ORDERS\"", "\"stream\" : \"ORD.ERS\"")))
                .hasMessageStartingWith("contract JSON, line 3, field 'stream': stream must be a valid JetStream name"
                        + " but was 'ORD.ERS'");
        assertThatThrownBy(
                        () -> ContractJson.read(json.replace("\"maxAckPending\" : 64", "\"maxAckPending\" : \"many\"")))
                .isInstanceOf(ContractFormatException.class)
                .hasMessageStartingWith("contract JSON, line 14, column")
                .hasMessageContaining("field 'maxAckPending' has the wrong type");
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"exponential\"", "\"linear\"")))
                .hasMessageContaining("field 'backoff.type': backoff type 'linear' is unknown; use one of none, fixed,"
                        + " exponential, list");
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"multiplier\" : 2.0", "\"multiplier\" : 0.5")))
                .hasMessageContaining("field 'backoff': multiplier must be greater than 1 but was 0.5");
        assertThatThrownBy(() -> ContractJson.read(json.replace("\"concurrency\" : 4", "\"concurrency\" : 400")))
                .hasMessageContaining("field '(contract)': concurrency 400 exceeds maxAckPending 64");
    }

    @Test
    void deadLetterNoneTakesNothingElse() {
        String json = ContractJson.write(Fixtures.minimal().build())
                .replace("\"deadLetter\" : { }", "\"deadLetter\" : { \"type\": \"none\", \"maxAge\": \"P1D\" }");
        assertThatThrownBy(() -> ContractJson.read(json))
                .hasMessageContaining("field 'deadLetter': deadLetter type 'none' takes no other fields");
    }

    @Test
    void futureFormatsAreRefused() {
        String json = ContractJson.write(Fixtures.minimal().build()).replace("\"format\" : 1", "\"format\" : 2");
        assertThatThrownBy(() -> ContractJson.read(json))
                .hasMessage("contract JSON, line 2, field 'format': format 2 is not supported; this jscontract reads"
                        + " format 1");
    }
}
