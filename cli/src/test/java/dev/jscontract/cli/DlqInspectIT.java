package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.cli.internal.dlq.GroupKey;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code dlq stats}, {@code list} and {@code show} over dead letters the real consumer runtime wrote (the standard
 * scenario of {@link DeadLetters}: 3 permanent-error, 2 poison, 1 handler-error), on every server version: the
 * commands read with ordered, headers-only consumers whose details (pending counts, Nats-Msg-Size) are the server's.
 */
@NatsServerMatrix
@WithNatsServer
class DlqInspectIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Scenario> SCENARIOS = new ConcurrentHashMap<>();

    /** The scenario of one server, made once per server (its names; the connection that made it is closed). */
    record Scenario(DeadLetters dl) {}

    static Scenario scenario(NatsServer server) {
        return SCENARIOS.computeIfAbsent(server.url(), url -> {
            try (Connection nc = server.connect()) {
                DeadLetters dl = DeadLetters.stream(nc, "INSPECT");
                dl.standard();
                return new Scenario(dl);
            } catch (Exception e) {
                throw new IllegalStateException("cannot set up the scenario on " + url, e);
            }
        });
    }

    @AfterAll
    static void forget() {
        SCENARIOS.clear();
    }

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                list.add(JSON.readTree(line));
            }
        }
        return list;
    }

    @Test
    void statsGroupsByConsumerReasonAndErrorWithStableIds(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun cli = CliRun.at(server.url());
        CliRun.Result r = cli.run("dlq", "stats", "--stream", dl.stream);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("6 dead letters in 3 groups (" + dl.dlq() + ")\n");
        assertThat(r.out()).contains("GROUP     CONSUMER");
        String permanent = new GroupKey(
                        dl.stream,
                        "billing",
                        "permanent-error",
                        "dev.jscontract.consumer.PermanentFailure",
                        "dev.jscontract.cli.DeadLetters.fail")
                .id();
        assertThat(r.out())
                .containsPattern(permanent + "  " + dl.stream + "/billing  permanent-error +PermanentFailure at"
                        + " DeadLetters.fail +3  ");
        assertThat(r.out()).contains("poison").contains("handler-error");

        JsonNode doc = JSON.readTree(
                cli.run("dlq", "stats", "--stream", dl.stream, "--json").out());
        assertThat(doc.get("total").asLong()).isEqualTo(6);
        assertThat(doc.get("streams").get(dl.dlq()).asLong()).isEqualTo(6);
        assertThat(doc.get("groups")).hasSize(3);
        JsonNode first = doc.get("groups").get(0);
        assertThat(first.get("id").asText()).isEqualTo(permanent);
        assertThat(first.get("count").asLong()).isEqualTo(3);
        assertThat(first.get("frame").asText()).isEqualTo("dev.jscontract.cli.DeadLetters.fail");
        assertThat(JSON.readTree(
                        cli.run("dlq", "stats", "--stream", dl.stream, "--json").out()))
                .as("ids are the same on every run")
                .isEqualTo(doc);

        CliRun.Result plain = cli.run("dlq", "--stream", dl.stream);
        assertThat(plain.out()).as("`jscontract dlq` is stats").isEqualTo(r.out());
    }

    @Test
    void listShowsNewestFirstWithEveryColumnAndJsonLines(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun.Result r = CliRun.at(server.url()).run("dlq", "list", "--stream", dl.stream);
        assertThat(r.code()).as(r.toString()).isZero();
        String[] rows = r.out().split("\n");
        assertThat(rows[0]).matches("SEQ +DEAD-LETTERED +CONSUMER +REASON +DELIV +ERROR +ORIGINAL");
        assertThat(rows).hasSize(7);
        assertThat(rows[1]).startsWith("  6  ");
        assertThat(rows[6]).startsWith("  1  ");
        assertThat(r.out())
                .containsPattern("permanent-error +1 +PermanentFailure: order o-\\d has no amount +" + dl.prefix
                        + ".created #\\d");
        assertThat(r.out())
                .containsPattern("handler-error +2 +IllegalStateException: payment service unavailable for retry-1 ");

        List<JsonNode> json = lines(CliRun.at(server.url())
                .run("dlq", "list", "--stream", dl.stream, "--json")
                .out());
        assertThat(json).hasSize(6);
        assertThat(json).extracting(j -> j.get("sequence").asLong()).containsExactly(6L, 5L, 4L, 3L, 2L, 1L);
        JsonNode retry = json.stream()
                .filter(j -> j.get("reason").asText().equals("handler-error"))
                .findFirst()
                .orElseThrow();
        assertThat(retry.get("deliveries").asLong()).isEqualTo(2);
        assertThat(retry.get("consumer").asText()).isEqualTo("billing");
        assertThat(retry.get("originalMsgId").asText()).isEqualTo("order-retry-1");
        assertThat(retry.get("bodySize").asLong()).isEqualTo("{\"id\":\"retry-1\",\"cents\":100}".length());
        assertThat(retry.get("instance").asText()).isEqualTo("test-instance");
    }

    @Test
    void everyFilterNarrowsTheList(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun cli = CliRun.at(server.url());
        Map<List<String>, Integer> expected = Map.ofEntries(
                Map.entry(List.of("--reason", "poison"), 2),
                Map.entry(List.of("--reason", "poison", "--reason", "handler-error"), 3),
                Map.entry(List.of("--consumer", "billing"), 6),
                Map.entry(List.of("--consumer", "shipping"), 0),
                Map.entry(List.of("--error-class", "PermanentFailure"), 3),
                Map.entry(List.of("--subject", dl.prefix + ".updated"), 1),
                Map.entry(List.of("--subject", "*.created"), 5),
                Map.entry(List.of("--contains", "NO AMOUNT"), 3),
                Map.entry(List.of("--since", "1h"), 6),
                Map.entry(List.of("--until", "1h"), 0),
                Map.entry(List.of("--since", "2000-01-01", "--until", "2999-01-01T00:00:00Z"), 6));
        for (Map.Entry<List<String>, Integer> e : expected.entrySet()) {
            List<String> args = new ArrayList<>(List.of("dlq", "list", "--stream", dl.stream, "--json"));
            args.addAll(e.getKey());
            CliRun.Result r = cli.run(args.toArray(String[]::new));
            assertThat(r.code()).as(e.getKey() + ": " + r).isZero();
            assertThat(lines(r.out())).as(e.getKey().toString()).hasSize(e.getValue());
        }
        String group = JSON.readTree(
                        cli.run("dlq", "stats", "--stream", dl.stream, "--json").out())
                .get("groups")
                .get(1)
                .get("id")
                .asText();
        List<JsonNode> inGroup = lines(cli.run("dlq", "list", "--stream", dl.stream, "--json", "--group", group)
                .out());
        assertThat(inGroup).hasSize(2).allSatisfy(j -> assertThat(j.get("group").asText())
                .isEqualTo(group));
        CliRun.Result none = cli.run("dlq", "list", "--stream", dl.stream, "--consumer", "shipping");
        assertThat(none.out())
                .isEqualTo(
                        "no dead letters match (--stream " + dl.stream + " --consumer shipping) in " + dl.dlq() + "\n");
    }

    @Test
    void pagesNewestFirstWithBeforeAndOldestFirstWithAfter(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun cli = CliRun.at(server.url());
        CliRun.Result first = cli.run("dlq", "list", "--stream", dl.stream, "--limit", "4");
        assertThat(first.out()).endsWith("more: --before 3\n");
        assertThat(first.out().split("\n")).hasSize(6);
        CliRun.Result second = cli.run("dlq", "list", "--stream", dl.stream, "--limit", "4", "--before", "3");
        assertThat(second.out().split("\n")).hasSize(3);
        assertThat(second.out()).doesNotContain("more:");
        List<JsonNode> oldest = lines(
                cli.run("dlq", "list", "--stream", dl.stream, "--oldest", "--limit", "2", "--after", "2", "--json")
                        .out());
        assertThat(oldest).extracting(j -> j.get("sequence").asLong()).containsExactly(3L, 4L);
        assertThat(cli.run("dlq", "list", "--stream", dl.stream, "--oldest", "--limit", "2")
                        .out())
                .endsWith("more: --after 2\n");
    }

    @Test
    void showPrintsEveryFieldTheHeadersTheStackAndTheBody(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun cli = CliRun.at(server.url());
        JsonNode o1 = lines(cli.run("dlq", "list", "--stream", dl.stream, "--json", "--contains", "o-1 ")
                        .out())
                .get(0);
        long seq = o1.get("sequence").asLong();
        CliRun.Result r = cli.run("dlq", "show", "--stream", dl.stream, Long.toString(seq));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith("Dead letter " + dl.dlq() + ":" + seq + "\n")
                .contains("  consumer          " + dl.stream + "/billing\n")
                .contains("  reason            permanent-error after 1 delivery\n")
                .contains("  error             dev.jscontract.consumer.PermanentFailure: order o-1 has no amount\n")
                .contains("  original msg id   order-o-1\n")
                .contains("  body              22 bytes, JSON\n")
                .contains("Original headers\n  Trace-Id: trace-order-o-1\n")
                .contains("Stack\n  dev.jscontract.consumer.PermanentFailure: order o-1 has no amount\n")
                .contains("\tat dev.jscontract.cli.DeadLetters.fail(DeadLetters.java:")
                .endsWith("Body\n  {\n    \"id\" : \"o-1\",\n    \"cents\" : 0\n  }\n");

        CliRun.Result raw = cli.run("dlq", "show", "--stream", dl.stream, Long.toString(seq), "--raw");
        assertThat(new String(raw.outBytes().toByteArray(), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"o-1\",\"cents\":0}");

        JsonNode doc = JSON.readTree(cli.run("dlq", "show", "--stream", dl.stream, Long.toString(seq), "--json")
                .out());
        assertThat(doc.get("body").asText()).isEqualTo("{\"id\":\"o-1\",\"cents\":0}");
        assertThat(doc.get("originalHeaders").get("Trace-Id").get(0).asText()).isEqualTo("trace-order-o-1");
        assertThat(doc.get("errorStack").asText()).contains("DeadLetters.fail");

        JsonNode poison =
                lines(cli.run("dlq", "list", "--stream", dl.stream, "--json", "--reason", "poison")
                                .out())
                        .stream()
                        .filter(j -> j.get("originalMsgId").asText().equals("poison-1"))
                        .findFirst()
                        .orElseThrow();
        CliRun.Result text = cli.run(
                "dlq", "show", "--stream", dl.stream, poison.get("sequence").asText());
        assertThat(text.out()).contains("  body              8 bytes, text\n").endsWith("Body\n  not json\n");
    }

    @Test
    void unknownSequencesStreamsAndNonDeadLetterStreamsAreOneClearLine(NatsServer server) throws Exception {
        DeadLetters dl = scenario(server).dl();
        CliRun cli = CliRun.at(server.url());
        CliRun.Result missing = cli.run("dlq", "show", "--stream", dl.stream, "999");
        assertThat(missing.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(missing.err())
                .isEqualTo("jscontract: error: " + dl.dlq() + " has no message 999 (it holds 6 message(s), sequences"
                        + " 1 to 6); list them with `jscontract dlq list --dlq-stream " + dl.dlq() + "`\n");
        CliRun.Result notDlq = cli.run("dlq", "list", "--dlq-stream", dl.stream);
        assertThat(notDlq.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notDlq.err())
                .isEqualTo("jscontract: error: stream " + dl.stream + " is not a dead-letter stream (its name does not"
                        + " start with DLQ_ and its description does not say jscontract dead letters); give its"
                        + " dead-letter stream, e.g. --dlq-stream DLQ_" + dl.stream + ", or --stream " + dl.stream
                        + "\n");
        CliRun.Result noStream = cli.run("dlq", "stats", "--stream", "NOPE");
        assertThat(noStream.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(noStream.err())
                .isEqualTo("jscontract: error: there is no stream NOPE; check the name with `nats stream ls`\n");
    }

    @Test
    void aHandWrittenMessageInADeadLetterStreamIsSkippedWithAWarningAndShownAsOneLine(NatsServer server)
            throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "HANDMADE");
            try (var c = dl.consumer("billing")) {
                dl.order("created", "o-9", 0);
                dl.awaitDeadLetters(1);
            }
            nc.jetStream().publish("dlq." + dl.stream + ".billing", "written by hand".getBytes(StandardCharsets.UTF_8));
            CliRun cli = CliRun.at(server.url());
            CliRun.Result list = cli.run("dlq", "list", "--stream", dl.stream);
            assertThat(list.code()).isZero();
            assertThat(list.out().split("\n")).hasSize(2);
            assertThat(list.err())
                    .isEqualTo("warning: skipped " + dl.dlq() + ":2 is not a jscontract dead letter (not a jscontract"
                            + " dead letter: header Jsc-Dlq-Version is missing); inspect it with `nats stream get "
                            + dl.dlq() + " 2`\n");
            CliRun.Result show = cli.run("dlq", "show", "--stream", dl.stream, "2");
            assertThat(show.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(show.err())
                    .isEqualTo("jscontract: error: " + dl.dlq() + ":2 is not a jscontract dead letter (not a jscontract"
                            + " dead letter: header Jsc-Dlq-Version is missing); inspect it with `nats stream get "
                            + dl.dlq() + " 2`\n");
            assertThat(JSON.readTree(cli.run("dlq", "stats", "--stream", dl.stream, "--json")
                                    .out())
                            .get("malformed")
                            .asLong())
                    .isEqualTo(1);
        }
    }
}
