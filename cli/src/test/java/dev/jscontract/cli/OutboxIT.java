package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.api.StreamConfiguration;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code jscontract outbox status|parked|requeue} against a real PostgreSQL and a running relay: the relay parks a row
 * the stream rejects, the commands show the backlog, the relay owning the partitions, the parked row (also one whose
 * headers are not in the documented format), and requeue it.
 */
@WithNatsServer
@WithPostgres
class OutboxIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void statusParkedAndRequeue(NatsServer server, PostgresDatabase db) throws Exception {
        String t =
                "cli_outbox_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        OutboxTables tables = OutboxTables.builder().table(t).build();
        OutboxSchema.install(db.dataSource(), tables, 4);
        CliRun cli = CliRun.isolated().env("JSCONTRACT_JDBC_URL", db.jdbcUrl());
        try (Connection nc = server.connect()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(t.toUpperCase(java.util.Locale.ROOT))
                            .subjects(t + ".>")
                            .maximumMessageSize(1000)
                            .build());
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .tables(tables)
                    .name("relay-cli")
                    .build()) {
                relay.start();
                try (java.sql.Connection c = db.connection()) {
                    OutboxWriter w = OutboxWriter.builder().tables(tables).build();
                    w.write(
                            c,
                            OutboxMessage.builder()
                                    .subject(t + ".ok")
                                    .payload(new byte[10])
                                    .build());
                    w.write(
                            c,
                            OutboxMessage.builder()
                                    .subject(t + ".big")
                                    .payload(new byte[2000])
                                    .messageId("too-big")
                                    .build());
                }
                OutboxAdmin admin = OutboxAdmin.create(db.dataSource(), tables);
                DeadLetters.await("the oversized row parked", Duration.ofSeconds(20), () -> {
                    try {
                        return admin.status().getParked() == 1 && admin.status().getBacklog() == 0;
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                DeadLetters.await("relay-cli owns every partition", Duration.ofSeconds(20), () -> {
                    try {
                        return admin.owners().stream().allMatch(o -> o.getPid().isPresent());
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                CliRun.Result status = cli.run("outbox", "status", "--table", t);
                assertThat(status.code()).as(status.toString()).isZero();
                assertThat(status.out())
                        .startsWith("outbox " + t + " (4 partitions)\n  backlog  0 rows (0 waiting for a retry)\n"
                                + "  lag      0s (empty)\n  parked   1 row: see `jscontract outbox parked`\n")
                        .containsPattern("jscontract-outbox relay-cli control +\\d+ +0-3 ")
                        .contains("xmin horizon");
                JsonNode s = JSON.readTree(
                        cli.run("outbox", "status", "--table", t, "--json").out());
                assertThat(s.get("parked").asLong()).isEqualTo(1);
                assertThat(s.get("owners")).hasSize(1);
                assertThat(s.get("owners").get(0).get("partitions")).hasSize(4);
            }
            CliRun.Result list = cli.run("outbox", "parked", "--table", t);
            assertThat(list.code()).as(list.toString()).isZero();
            assertThat(list.out()).startsWith("ID  PARKED AT").containsPattern(t + ".big +\\S+ +\\d+ .+ too-big\n");
            JsonNode row = JSON.readTree(
                    cli.run("outbox", "parked", "--table", t, "--json").out());
            long id = row.get("id").asLong();
            assertThat(row.get("messageId").asText()).isEqualTo("too-big");

            CliRun.Result show = cli.run("outbox", "parked", "--table", t, Long.toString(id));
            assertThat(show.out())
                    .startsWith("Parked row " + id + "\n")
                    .contains("  payload       2000 bytes, binary\n")
                    .contains("Payload\n  00000000: 0000 0000");

            try (java.sql.Connection c = db.connection();
                    Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + t + "_parked (id, subject, message_id, headers, payload, created_at,"
                        + " attempts, reason, error) VALUES (900, '" + t + ".x', 'bad-headers', '{\"Trace\": 5}',"
                        + " 'hi', now(), 1, 'rejected', 'hand-made')");
            }
            CliRun.Result bad = cli.run("outbox", "parked", "--table", t, "900");
            assertThat(bad.code()).isZero();
            assertThat(bad.out())
                    .contains("Headers\n  (not in the documented format; as stored) {\"Trace\": 5}\n")
                    .endsWith("Payload\n  hi\n");
            assertThat(cli.run("outbox", "parked", "--table", t).out()).contains("rejected (bad headers)");

            CliRun.Result refused = cli.run("outbox", "requeue", "--table", t, Long.toString(id));
            assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err())
                    .isEqualTo("jscontract: error: refusing to requeue 1 parked row of " + t + "_parked without"
                            + " confirmation: standard input is not a terminal; add -f/--force\n");
            CliRun.Result requeue = cli.run("outbox", "requeue", "--table", t, Long.toString(id), "999", "-f");
            assertThat(requeue.code()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(requeue.out())
                    .isEqualTo("requeued 1 of 2 rows into " + t + "; 1 of the given ids are not parked (see"
                            + " `jscontract outbox parked`)\n");
            JsonNode after = JSON.readTree(
                    cli.run("outbox", "status", "--table", t, "--json").out());
            assertThat(after.get("backlog").asLong()).isEqualTo(1);
            assertThat(after.get("parked").asLong()).isEqualTo(1);
            assertThat(after.get("owners").get(0).get("pid").isNull())
                    .as("the relay is closed")
                    .isTrue();
        }
        CliRun.Result missing = cli.run("outbox", "status", "--table", "no_such_outbox");
        assertThat(missing.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(missing.err())
                .startsWith(
                        "jscontract: error: the outbox tables no_such_outbox / no_such_outbox_parked are not in this"
                                + " database (");
        CliRun.Result down = CliRun.isolated()
                .run("outbox", "status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x?user=u&password=secret");
        assertThat(down.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(down.err())
                .startsWith(
                        "jscontract: error: cannot connect to jdbc:postgresql://127.0.0.1:1/x?user=u&password=***: ")
                .endsWith("; check --jdbc-url (host, port, database, user, password)\n")
                .doesNotContain("secret");
        assertThat(CliRun.isolated().run("outbox", "status").err())
                .isEqualTo("jscontract: error: give the outbox's database with --jdbc-url"
                        + " jdbc:postgresql://HOST:5432/DB?user=USER (or set JSCONTRACT_JDBC_URL)\n");
    }
}
