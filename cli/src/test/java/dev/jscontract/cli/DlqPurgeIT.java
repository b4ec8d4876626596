package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import org.junit.jupiter.api.Test;

/**
 * {@code dlq purge}: the count it previews is the count it deletes, it asks (default No) and refuses without a
 * terminal unless forced, and deletes by filter, group, sequence or all. On every server version (per-message
 * deletes and purge up to a sequence are the server's).
 */
@NatsServerMatrix
@WithNatsServer
class DlqPurgeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePreviewCountIsWhatIsDeleted(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "PURGE");
            dl.standard();
            CliRun cli = CliRun.at(server.url());
            CliRun.Result poison = cli.run("dlq", "purge", "--stream", dl.stream, "--all", "--reason", "poison", "-f");
            assertThat(poison.code()).as(poison.toString()).isZero();
            assertThat(poison.out()).isEqualTo("deleted 2 of 2 dead letters from " + dl.dlq() + "\n");
            assertThat(dl.count(dl.dlq())).isEqualTo(4);

            CliRun.Result asked = CliRun.at(server.url())
                    .interactive("yes\n")
                    .run("dlq", "purge", "--stream", dl.stream, "--all", "--reason", "permanent-error");
            assertThat(asked.err())
                    .contains("DLQ STREAM")
                    .containsPattern(dl.dlq() + " +3\n")
                    .contains("Delete 3 dead letters (--stream " + dl.stream + " --reason permanent-error)? This"
                            + " cannot be undone. [y/N] ");
            assertThat(asked.out()).isEqualTo("deleted 3 of 3 dead letters from " + dl.dlq() + "\n");

            JsonNode all = JSON.readTree(cli.run("dlq", "purge", "--dlq-stream", dl.dlq(), "--all", "-f", "--json")
                    .out());
            assertThat(all.get("selected").asLong()).isEqualTo(1);
            assertThat(all.get("deleted").asLong()).isEqualTo(1);
            assertThat(dl.count(dl.dlq())).isZero();
        }
    }

    @Test
    void refusesWithoutATerminalAndDefaultsToNo(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "NOPURGE");
            dl.standard();
            CliRun.Result refused = CliRun.at(server.url()).run("dlq", "purge", "--stream", dl.stream, "--all");
            assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err())
                    .isEqualTo("jscontract: error: refusing to purge 6 dead letters (--stream " + dl.stream + ")"
                            + " without confirmation: standard input is not a terminal; add -f/--force\n");
            CliRun.Result enter =
                    CliRun.at(server.url()).interactive("\n").run("dlq", "purge", "--stream", dl.stream, "--all");
            assertThat(enter.code()).isZero();
            assertThat(enter.err()).endsWith("[y/N] nothing deleted\n");
            assertThat(dl.count(dl.dlq())).isEqualTo(6);
        }
    }

    @Test
    void purgesAGroupOrSequencesOnly(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            DeadLetters dl = DeadLetters.stream(nc, "GPURGE");
            dl.standard();
            CliRun cli = CliRun.at(server.url());
            JsonNode groups = JSON.readTree(cli.run("dlq", "stats", "--stream", dl.stream, "--json")
                            .out())
                    .get("groups");
            String largest = groups.get(0).get("id").asText();
            CliRun.Result g = cli.run("dlq", "purge", "--stream", dl.stream, "--group", largest, "-f");
            assertThat(g.out()).isEqualTo("deleted 3 of 3 dead letters from " + dl.dlq() + "\n");
            JsonNode left = JSON.readTree(
                    cli.run("dlq", "stats", "--stream", dl.stream, "--json").out());
            assertThat(left.get("total").asLong()).isEqualTo(3);
            assertThat(left.get("groups")).noneMatch(x -> x.get("id").asText().equals(largest));

            long seq = JSON.readTree(cli.run("dlq", "list", "--stream", dl.stream, "--json", "--limit", "1")
                            .out())
                    .get("sequence")
                    .asLong();
            CliRun.Result one = cli.run("dlq", "purge", "--stream", dl.stream, Long.toString(seq), "-f");
            assertThat(one.out()).isEqualTo("deleted 1 of 1 dead letter from " + dl.dlq() + "\n");
            CliRun.Result again = cli.run("dlq", "purge", "--stream", dl.stream, Long.toString(seq), "-f");
            assertThat(again.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(again.err()).startsWith("jscontract: error: " + dl.dlq() + " has no dead letter " + seq + " ");
            assertThat(dl.count(dl.dlq())).isEqualTo(2);
        }
    }
}
