package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jscontract lint} against a live server (a fresh one per test, so "every consumer" is what the test made) and
 * on contract files: exit 0 when clean, 1 with errors or (under --strict) warnings; DLQ-003 for a WorkQueue
 * dead-letter stream, DLQ-005 when a jscontract consumer's dead-letter subject is no longer captured.
 */
@WithNatsServer(perTest = true)
class LintIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> rules(String json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode item : JSON.readTree(json).get("items")) {
            for (JsonNode f : item.get("findings")) {
                out.add(item.get("subject").asText() + " " + f.get("rule").asText() + " "
                        + f.get("severity").asText());
            }
        }
        return out;
    }

    @Test
    void aConsumerRunByJscontractIsCleanAndItsSweeperIsSkipped(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "CLEAN");
            try (ContractConsumer c = dl.consumer("billing")) {
                CliRun.Result r = CliRun.at(server.url()).run("lint");
                assertThat(r.code()).as(r.toString()).isZero();
                assertThat(r.out())
                        .contains("nats-server " + server.version() + ": linted 1 durable consumer, skipped 1"
                                + " jscontract sweeper\n")
                        .contains("clean: 0 errors, 0 warnings, 0 info in 2 items\n")
                        .contains("not checked (the configuration does not show what they need): ");
            }
        }
    }

    @Test
    void aConsumerLeftAtServerDefaultsFailsWithErrors(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder()
                    .name("JOBS")
                    .subjects("jobs.>")
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .build());
            jsm.addOrUpdateConsumer(
                    "JOBS",
                    ConsumerConfiguration.builder()
                            .durable("worker")
                            .ackPolicy(AckPolicy.Explicit)
                            .build());
            CliRun.Result table = CliRun.at(server.url()).run("lint", "--stream", "JOBS");
            assertThat(table.code()).as(table.toString()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(table.out())
                    .startsWith("SEVERITY  RULE     WHERE        FINDING")
                    .contains("error     ACK-002  JOBS/worker  ack_wait is 30s, the server default")
                    .contains("error     MD-001   JOBS/worker  maxDeliver is unlimited")
                    .contains("2 errors, 0 warnings, 0 info in 1 item\n");
            CliRun.Result json =
                    CliRun.at(server.url()).run("lint", "--stream", "JOBS", "--consumer", "worker", "--json");
            assertThat(json.code()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(rules(json.out()))
                    .as("max_ack_pending reads back as 1000, a value the linter cannot tell from a declared one")
                    .containsExactlyInAnyOrder("JOBS/worker ACK-002 error", "JOBS/worker MD-001 error");
            assertThat(JSON.readTree(json.out()).get("pass").asBoolean()).isFalse();

            CliRun.Result missing = CliRun.at(server.url()).run("lint", "--stream", "JOBS", "--consumer", "nobody");
            assertThat(missing.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(missing.err())
                    .isEqualTo("jscontract: error: there is no durable consumer nobody on stream JOBS; list them with"
                            + " `nats consumer ls JOBS`\n");
            CliRun.Result noStream = CliRun.at(server.url()).run("lint", "--stream", "NOPE");
            assertThat(noStream.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(noStream.err()).startsWith("jscontract: error: there is no stream NOPE on ");
        }
    }

    @Test
    void aWorkQueueDeadLetterStreamWarnsAndStrictMakesItFail(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("DLQ_LEGACY")
                            .subjects("dlq.LEGACY.>")
                            .retentionPolicy(RetentionPolicy.WorkQueue)
                            .build());
            CliRun.Result r = CliRun.at(server.url()).run("lint", "--json");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(rules(r.out())).containsExactly("stream DLQ_LEGACY DLQ-003 warning");
            CliRun.Result strict = CliRun.at(server.url()).run("lint", "--strict");
            assertThat(strict.code()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(strict.out())
                    .contains("warning   DLQ-003  stream DLQ_LEGACY  dead-letter stream DLQ_LEGACY uses WorkQueue"
                            + " retention")
                    .contains("0 errors, 1 warning, 0 info in 1 item (--strict: warnings fail)");
        }
    }

    @Test
    void aJscontractConsumerWhoseDeadLetterStreamWasDeletedIsAnError(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "LOST");
            try (ContractConsumer c = dl.consumer("billing")) {
                nc.jetStreamManagement().deleteStream(dl.dlq());
                CliRun.Result r = CliRun.at(server.url()).run("lint", "--stream", dl.stream, "--json");
                assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FINDINGS);
                assertThat(rules(r.out())).containsExactly(dl.stream + "/billing DLQ-005 error");
                JsonNode f = JSON.readTree(r.out())
                        .get("items")
                        .get(0)
                        .get("findings")
                        .get(0);
                assertThat(f.get("message").asText())
                        .isEqualTo(dl.stream + "/billing dead-letters to dlq." + dl.stream + ".billing but no stream"
                                + " captures that subject: every dead-letter publish fails with no responders and the"
                                + " message is retried instead");
            }
        }
    }

    @Test
    void contractFilesOfflineForAVersionAndLive(NatsServer server, @TempDir Path dir) throws Exception {
        Path good = Files.writeString(
                dir.resolve("billing.json"),
                """
                {"format": 1, "stream": "ORDERS", "durable": "billing", "ackWait": "PT30S", "maxDeliver": 5,
                 "backoff": {"type": "exponential", "initial": "PT1S", "multiplier": 2.0, "max": "PT1M"},
                 "deadLetter": {}, "maxAckPending": 64, "concurrency": 8, "expectedP99": "PT2S",
                 "maxProcessingTime": "PT2M", "metadata": {"team": "payments"}}
                """);
        CliRun cli = CliRun.at(server.url());
        CliRun.Result portable = cli.run("lint", good.toString());
        assertThat(portable.code()).as(portable.toString()).isZero();
        assertThat(portable.out()).contains("clean: 0 errors");
        CliRun.Result old = cli.run("lint", good.toString(), "--server-version", "2.9.10", "--json");
        assertThat(old.code()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(rules(old.out()))
                .filteredOn(r -> r.endsWith(" error"))
                .containsExactly(good + " (ORDERS/billing) VER-001 error");
        CliRun.Result live = cli.run("lint", good.toString(), "--live", "--json");
        assertThat(rules(live.out()))
                .as("no stream captures dlq.ORDERS.billing on this server")
                .contains(good + " (ORDERS/billing) DLQ-005 error");
        assertThat(cli.run("lint", good.toString(), "--server-version", "two").err())
                .isEqualTo("jscontract: error: --server-version must look like 2.10.27 (major.minor[.patch]"
                        + "[-prerelease]) but was 'two'\n");
    }
}
