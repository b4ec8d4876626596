package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code dlq replay} against real servers: idempotent (replaying twice stores once), removes a dead letter only
 * after its replay's PubAck (a failed publish keeps it), loop-safe (a subject a dead-letter stream captures is
 * refused; the set is fixed, so dead letters that fail again are not replayed in a loop), paced by {@code --rate},
 * confirmed, and stoppable with Ctrl-C. On every server version: duplicate PubAcks and purges are the server's.
 */
@NatsServerMatrix
@WithNatsServer
class DlqReplayIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void replayingTwiceStoresOnceAndCarriesTheReplayIdAndOrigin(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "REPLAY");
            dl.standard();
            long before = dl.count(dl.stream);
            CliRun cli = CliRun.at(server.url());
            CliRun.Result first = cli.run("dlq", "replay", "--stream", dl.stream, "--all", "--keep", "-f");
            assertThat(first.code()).as(first.toString()).isZero();
            assertThat(first.out())
                    .matches("(?s)replayed 6 of 6 dead letters in \\S+ \\(\\d+/s\\): 6 stored, 0 duplicates \\(already"
                            + " replayed\\), 0 failed, 0 skipped\nkept the dead letters \\(--keep\\)\n");
            assertThat(dl.count(dl.stream)).isEqualTo(before + 6);
            assertThat(dl.count(dl.dlq())).isEqualTo(6);

            JetStreamManagement jsm = nc.jetStreamManagement();
            MessageInfo replayed = jsm.getMessage(dl.stream, before + 1);
            String from = replayed.getHeaders().getFirst("Jsc-Replayed-From");
            assertThat(from).startsWith(dl.dlq() + ":");
            long dlqSeq = Long.parseLong(from.substring(from.indexOf(':') + 1));
            assertThat(replayed.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo("replay-" + dl.dlq() + "-" + dlqSeq);
            MessageInfo deadLetter = jsm.getMessage(dl.dlq(), dlqSeq);
            assertThat(replayed.getData()).isEqualTo(deadLetter.getData());
            assertThat(replayed.getSubject()).isEqualTo(deadLetter.getHeaders().getFirst("Jsc-Original-Subject"));
            assertThat(replayed.getHeaders().getFirst("Trace-Id"))
                    .isEqualTo(deadLetter.getHeaders().getFirst("Trace-Id"));
            assertThat(replayed.getHeaders().keySet())
                    .noneMatch(k -> k.startsWith("Jsc-") && !k.equals("Jsc-Replayed-From"));

            CliRun.Result second = cli.run("dlq", "replay", "--stream", dl.stream, "--all", "--keep", "-f", "--json");
            JsonNode s = JSON.readTree(second.out());
            assertThat(s.get("stored").asLong()).isZero();
            assertThat(s.get("duplicates").asLong()).isEqualTo(6);
            assertThat(dl.count(dl.stream)).as("stored once").isEqualTo(before + 6);

            CliRun.Result third = cli.run("dlq", "replay", "--stream", dl.stream, "--all", "-f");
            assertThat(third.out())
                    .contains("0 stored, 6 duplicates (already replayed), 0 failed")
                    .contains("removed 6 dead letters after their replay's PubAck");
            assertThat(dl.count(dl.dlq()))
                    .as("a duplicate PubAck means the replay is stored: removed")
                    .isZero();
            assertThat(dl.count(dl.stream)).isEqualTo(before + 6);
        }
    }

    @Test
    void aFailedPublishKeepsItsDeadLetterAndOnlyAcknowledgedOnesAreRemoved(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "FAILING");
            dl.standard();
            String target = dl.stream + "_FULL";
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(target)
                            .subjects(target.toLowerCase(java.util.Locale.ROOT))
                            .maxMessages(1)
                            .discardPolicy(DiscardPolicy.New)
                            .build());
            CliRun.Result r = CliRun.at(server.url())
                    .run(
                            "dlq",
                            "replay",
                            "--stream",
                            dl.stream,
                            "--all",
                            "-f",
                            "--to",
                            target.toLowerCase(java.util.Locale.ROOT));
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(r.out())
                    .contains("1 stored, 0 duplicates (already replayed), 5 failed, 0 skipped")
                    .contains("removed 1 dead letter after their replay's PubAck; failed ones were kept")
                    .containsPattern(dl.dlq() + ":\\d -> " + target.toLowerCase(java.util.Locale.ROOT)
                            + ": maximum messages exceeded \\(err_code 10077\\)");
            assertThat(dl.count(dl.dlq())).isEqualTo(5);
            MessageInfo stored = nc.jetStreamManagement().getMessage(target, 1);
            String from = stored.getHeaders().getFirst("Jsc-Replayed-From");
            long removedSeq = Long.parseLong(from.substring(from.indexOf(':') + 1));
            Set<Long> remaining = new HashSet<>();
            for (JsonNode j : lines(CliRun.at(server.url())
                    .run("dlq", "list", "--stream", dl.stream, "--json")
                    .out())) {
                remaining.add(j.get("sequence").asLong());
            }
            assertThat(remaining).hasSize(5).doesNotContain(removedSeq);
        }
    }

    @Test
    void aSubjectADeadLetterStreamCapturesIsRefusedBeforeAnythingIsPublished(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "LOOP");
            dl.standard();
            long source = dl.count(dl.stream);
            CliRun.Result r = CliRun.at(server.url())
                    .run(
                            "dlq",
                            "replay",
                            "--stream",
                            dl.stream,
                            "--all",
                            "-f",
                            "--to",
                            "dlq." + dl.stream + ".billing");
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err())
                    .isEqualTo("jscontract: error: refusing to replay into dlq." + dl.stream + ".billing: dead-letter"
                            + " stream " + dl.dlq() + " captures it (subject dlq." + dl.stream + ".>), so every replay"
                            + " would be a dead letter again; give --to with a subject a source stream captures\n");
            CliRun.Result nowhere = CliRun.at(server.url())
                    .run("dlq", "replay", "--stream", dl.stream, "--all", "-f", "--to", "nobody.listens");
            assertThat(nowhere.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(nowhere.err())
                    .isEqualTo("jscontract: error: refusing to replay into nobody.listens: no stream captures it, so"
                            + " every publish would fail; create the stream, or give --to with a subject a stream"
                            + " captures\n");
            assertThat(dl.count(dl.stream)).isEqualTo(source);
            assertThat(dl.count(dl.dlq())).isEqualTo(6);
        }
    }

    @Test
    void deadLettersThatFailAgainDuringTheReplayAreNotReplayedAgain(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "AGAIN");
            dl.standard();
            try (ContractConsumer running = dl.consumer("billing")) {
                CliRun.Result r = CliRun.at(server.url())
                        .run(
                                "dlq",
                                "replay",
                                "--stream",
                                dl.stream,
                                "--reason",
                                "permanent-error",
                                "--all",
                                "-f",
                                "--rate",
                                "4/s",
                                "--json");
                assertThat(r.code()).as(r.toString()).isZero();
                JsonNode s = JSON.readTree(r.out());
                assertThat(s.get("selected").asLong()).isEqualTo(3);
                assertThat(s.get("replayed").asLong())
                        .as("exactly the fixed set, no loop")
                        .isEqualTo(3);
                assertThat(s.get("removed").asLong()).isEqualTo(3);
                assertThat(s.get("newDeadLetters").asLong())
                        .as("the first replays failed again while later ones were paced")
                        .isPositive();
                dl.awaitDeadLetters(6); // 3 left + 3 that failed again
            }
            List<JsonNode> again = lines(CliRun.at(server.url())
                    .run("dlq", "list", "--stream", dl.stream, "--reason", "permanent-error", "--json")
                    .out());
            assertThat(again)
                    .hasSize(3)
                    .allSatisfy(j -> assertThat(j.get("sequence").asLong()).isGreaterThan(6));
        }
    }

    @Test
    void rateLimitedReplayKeepsTheRateWithinTenPercent(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "RATE");
            int n = 120;
            try (ContractConsumer c = dl.consumer("billing")) {
                for (int i = 0; i < n; i++) {
                    dl.order("created", "o-" + i, 0);
                }
                dl.awaitDeadLetters(n);
            }
            String target = dl.stream + "_TARGET";
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(target)
                            .subjects(target.toLowerCase(java.util.Locale.ROOT))
                            .build());
            CliRun.Result r = CliRun.at(server.url())
                    .run(
                            "dlq",
                            "replay",
                            "--stream",
                            dl.stream,
                            "--all",
                            "-f",
                            "--keep",
                            "--rate",
                            "60/s",
                            "--to",
                            target.toLowerCase(java.util.Locale.ROOT));
            assertThat(r.code()).as(r.toString()).isZero();
            JetStreamManagement jsm = nc.jetStreamManagement();
            assertThat(jsm.getStreamInfo(target).getStreamState().getMsgCount()).isEqualTo(n);
            Duration span = Duration.between(
                    jsm.getMessage(target, 1).getTime(),
                    jsm.getMessage(target, n).getTime());
            double rate = (n - 1) / (span.toNanos() / 1e9);
            assertThat(rate).as("measured over " + n + " messages in " + span).isBetween(54.0, 66.0);
        }
    }

    @Test
    void dryRunConfirmationAndSelectionBySequenceAndGroup(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "CONFIRM");
            dl.standard();
            long source = dl.count(dl.stream);
            CliRun cli = CliRun.at(server.url());
            CliRun.Result dry = cli.run("dlq", "replay", "--stream", dl.stream, "--all", "--dry-run");
            assertThat(dry.code()).isZero();
            assertThat(dry.out())
                    .contains("DLQ STREAM")
                    .containsPattern(dl.dlq() + " +" + dl.prefix + ".created +5\n")
                    .containsPattern(dl.dlq() + " +" + dl.prefix + ".updated +1\n")
                    .endsWith("would replay 6 dead letters (dry run: nothing was published)\n");

            CliRun.Result refused = cli.run("dlq", "replay", "--stream", dl.stream, "--all");
            assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err())
                    .isEqualTo("jscontract: error: refusing to replay 6 dead letters from " + dl.dlq() + " to their"
                            + " original subjects and remove them after each PubAck without confirmation: standard"
                            + " input is not a terminal; add -f/--force (or --dry-run to see what would be"
                            + " replayed)\n");
            CliRun.Result no =
                    CliRun.at(server.url()).interactive("n\n").run("dlq", "replay", "--stream", dl.stream, "--all");
            assertThat(no.code()).isZero();
            assertThat(no.err())
                    .contains("Replay 6 dead letters from " + dl.dlq())
                    .endsWith("nothing replayed\n");
            assertThat(dl.count(dl.stream)).isEqualTo(source);

            CliRun.Result nothing = cli.run("dlq", "replay", "--stream", dl.stream);
            assertThat(nothing.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(nothing.err())
                    .isEqualTo("jscontract: error: say what to replay: sequences (jscontract dlq replay 12 13), --group"
                            + " ID (from `jscontract dlq stats`), or --all (with filters such as --consumer or"
                            + " --reason)\n");
            CliRun.Result unknown = cli.run("dlq", "replay", "--stream", dl.stream, "2", "999", "-f");
            assertThat(unknown.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(unknown.err())
                    .isEqualTo("jscontract: error: " + dl.dlq() + " has no dead letter 999 (it holds 6 message(s),"
                            + " sequences 1 to 6); list them with `jscontract dlq list --dlq-stream " + dl.dlq()
                            + "`\n");

            CliRun.Result yes =
                    CliRun.at(server.url()).interactive("y\n").run("dlq", "replay", "--stream", dl.stream, "1", "2");
            assertThat(yes.code()).as(yes.toString()).isZero();
            assertThat(yes.out()).contains("replayed 2 of 2 dead letters");
            assertThat(dl.count(dl.dlq())).isEqualTo(4);

            String poison = JSON.readTree(cli.run("dlq", "stats", "--stream", dl.stream, "--reason", "poison", "--json")
                            .out())
                    .get("groups")
                    .get(0)
                    .get("id")
                    .asText();
            JsonNode group =
                    JSON.readTree(cli.run("dlq", "replay", "--stream", dl.stream, "--group", poison, "-f", "--json")
                            .out());
            assertThat(group.get("replayed").asLong())
                    .isEqualTo(group.get("selected").asLong());
            assertThat(group.get("removed").asLong())
                    .isEqualTo(group.get("selected").asLong());
            assertThat(lines(cli.run("dlq", "list", "--dlq-stream", dl.dlq(), "--json", "--reason", "poison")
                            .out()))
                    .as("the poison group is gone")
                    .isEmpty();
        }
    }

    @Test
    void ctrlCStopsPublishingAndSaysHowFarItGot(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "STOP");
            dl.standard();
            StopSignal stop = new StopSignal();
            CompletableFuture<CliRun.Result> running = CompletableFuture.supplyAsync(() -> CliRun.at(server.url())
                    .stopSignal(stop)
                    .run("dlq", "replay", "--stream", dl.stream, "--all", "-f", "--rate", "2/s"));
            long source = dl.count(dl.stream);
            DeadLetters.await("the first replay stored", Duration.ofSeconds(10), () -> {
                try {
                    return dl.count(dl.stream) > source;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            stop.request();
            CliRun.Result r = running.get();
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(r.out())
                    .containsPattern(
                            "interrupted: stopped after [1-3] of (up to )?6; the rest are still in the dead-letter"
                                    + " stream; run the same command again to continue");
            long replayed = dl.count(dl.stream) - source;
            assertThat(dl.count(dl.dlq()))
                    .as("each replayed one removed, the rest kept")
                    .isEqualTo(6 - replayed);
            CliRun.Result rest = CliRun.at(server.url()).run("dlq", "replay", "--stream", dl.stream, "--all", "-f");
            assertThat(rest.out()).contains("replayed " + (6 - replayed) + " of " + (6 - replayed));
            assertThat(dl.count(dl.dlq())).isZero();
        }
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
}
