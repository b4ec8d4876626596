package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.cli.internal.dlq.DlqList;
import dev.jscontract.cli.internal.dlq.DlqReplay;
import dev.jscontract.contract.DeadLetterReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing into immutable commands, usage errors, help, and failures that need no server. */
class CliTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void parsesIntoAnImmutableCommandWithoutConnecting() {
        CliCommand c = Cli.parse(
                CLOCK,
                "dlq",
                "list",
                "--stream",
                "ORDERS",
                "--reason",
                "poison",
                "--since",
                "2h",
                "--limit",
                "10",
                "--json");
        assertThat(c).isInstanceOfSatisfying(DlqList.class, l -> {
            assertThat(l.selection().sourceStream()).isEqualTo("ORDERS");
            assertThat(l.filter().reasons()).containsExactly(DeadLetterReason.POISON);
            assertThat(l.filter().since()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
            assertThat(l.limit()).isEqualTo(10);
            assertThat(l.json()).isTrue();
        });
        CliCommand r = Cli.parse(
                CLOCK, "dlq", "replay", "3", "4", "--dlq-stream", "DLQ_ORDERS", "--rate", "50/s", "--keep", "-f");
        assertThat(r).isInstanceOfSatisfying(DlqReplay.class, x -> {
            assertThat(x.filter().sequences()).isEqualTo(Set.of(3L, 4L));
            assertThat(x.ratePerSecond()).isEqualTo(50.0);
            assertThat(x.keep()).isTrue();
            assertThat(x.force()).isTrue();
        });
    }

    @Test
    void badFlagsAndValuesAreUsageErrorsOfOneLine() {
        CliRun cli = CliRun.isolated();
        CliRun.Result unknown = cli.run("dlq", "list", "--colour");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err())
                .isEqualTo("jscontract: error: Unknown option: '--colour'; see `jscontract dlq list --help`\n");
        CliRun.Result reason = cli.run("dlq", "stats", "--reason", "timeout");
        assertThat(reason.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(reason.err())
                .isEqualTo("jscontract: error: --reason 'timeout'; known reasons: handler-error, permanent-error,"
                        + " poison, processing-timeout, max-deliveries\n");
        assertThat(cli.run("dlq", "list", "--group", "xyz").err())
                .isEqualTo("jscontract: error: --group must be a group id of 8 hex digits as `jscontract dlq stats`"
                        + " prints it, but was 'xyz'\n");
        assertThat(cli.run("dlq", "list", "--subject", "orders..x").err())
                .isEqualTo("jscontract: error: --subject must be a subject (wildcards * and > allowed) but was"
                        + " 'orders..x': token 2 is empty (a leading, trailing or double dot); remove the extra dot\n");
        assertThat(cli.run("dlq", "show", "0").err())
                .isEqualTo("jscontract: error: a sequence must be positive but was 0\n");
        assertThat(cli.run("dlq", "purge", "--all", "3").err())
                .isEqualTo("jscontract: error: --all and sequences exclude each other; give one of them\n");
        assertThat(cli.run("dlq", "list", "--timeout", "soon").err())
                .isEqualTo("jscontract: error: --timeout must be a duration like 500ms, 5s, 2h, 1h30m, 7d or PT5S but"
                        + " was 'soon'\n");
        assertThat(cli.run("lint", "--live").err())
                .isEqualTo("jscontract: error: --live applies to contract files; give them (jscontract lint"
                        + " contract.json), or drop it to lint the live consumers\n");
        assertThat(cli.run("dlq", "replay", "--all", "--to", "orders.*").err())
                .isEqualTo("jscontract: error: --to must be a subject without wildcards but was 'orders.*': wildcards"
                        + " are not allowed here; use a literal subject\n");
        assertThatThrownBy(() -> Cli.parse(CLOCK, "dlq", "list", "--stream", "orders.x"))
                .isInstanceOf(CliException.class)
                .hasMessageStartingWith("--stream must be a valid JetStream name but was 'orders.x'");
    }

    @Test
    void anOptionOfDlqBeforeItsSubcommandIsRefusedNotIgnored() {
        CliRun cli = CliRun.isolated();
        // picocli would give --stream to `dlq` and run `purge` without it: every DLQ_* stream would be purged
        CliRun.Result purge = cli.run("dlq", "--stream", "ORDERS", "purge", "--all", "-f");
        assertThat(purge.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(purge.err())
                .isEqualTo("jscontract: error: option --stream was given before the subcommand 'purge', where it"
                        + " would apply to 'jscontract dlq' only and be ignored; put it after 'purge': jscontract dlq"
                        + " purge --stream ...\n");
        assertThatThrownBy(() -> Cli.parse(CLOCK, "dlq", "--reason", "poison", "list"))
                .isInstanceOf(CliException.class)
                .hasMessageStartingWith("option --reason was given before the subcommand 'list'");
        // global options are inherited: before or after the subcommand alike
        assertThat(Cli.parse(CLOCK, "dlq", "--server", "nats://h:4222", "list", "--stream", "ORDERS"))
                .isNotNull();
        assertThat(Cli.parse(CLOCK, "dlq", "--stream", "ORDERS")).isNotNull();
    }

    @Test
    void helpAndVersionExitZeroAndNoCommandIsAUsageError() {
        CliRun cli = CliRun.isolated();
        CliRun.Result help = cli.run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out())
                .startsWith("Usage: jscontract ")
                .contains("Exit codes: 0 ok; 1 lint findings, or a replay/purge/requeue did part of its work;");
        assertThat(cli.run("dlq", "replay", "--help").out()).contains("--rate=N/s");
        assertThat(cli.run("--version").out()).startsWith("jscontract ");
        CliRun.Result none = cli.run();
        assertThat(none.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.out()).startsWith("Usage: jscontract ");
    }

    @Test
    void anUnreachableServerIsOneLineWithoutAStackTraceUnlessTraced() {
        CliRun cli = CliRun.at("nats://127.0.0.1:1");
        CliRun.Result r = cli.run("dlq", "stats", "--timeout", "1s");
        assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(r.err())
                .startsWith("jscontract: error: cannot connect to nats://127.0.0.1:1 (NATS_URL): ")
                .endsWith("; check that nats-server runs there, or give -s/--server or --context\n");
        assertThat(r.err().lines()).hasSize(1);
        CliRun.Result traced = cli.run("dlq", "stats", "--timeout", "1s", "--trace");
        assertThat(traced.err()).contains("\tat io.nats.client.");
    }

    @Test
    void explainPrintsTheTimelineAndBadContractFilesAreOneLine(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(
                dir.resolve("billing.json"),
                """
                {
                  "format": 1,
                  "stream": "ORDERS",
                  "durable": "billing",
                  "ackWait": "PT30S",
                  "maxDeliver": 3,
                  "backoff": { "type": "fixed", "delay": "PT5S" },
                  "deadLetter": {},
                  "maxAckPending": 64,
                  "concurrency": 4,
                  "expectedP99": "PT2S",
                  "maxProcessingTime": "PT2M"
                }
                """);
        CliRun.Result r = CliRun.isolated().run("explain", ok.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith("Contract ORDERS/billing\n")
                .contains("dead-lettered at the latest:")
                .contains("dlq.ORDERS.billing");
        Path bad =
                Files.writeString(dir.resolve("bad.json"), "{\"format\": 1, \"stream\": \"ORDERS\", \"ackwait\": 1}");
        CliRun.Result b = CliRun.isolated().run("explain", bad.toString());
        assertThat(b.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(b.err()).startsWith("jscontract: error: " + bad + ", line 1: unknown field 'ackwait'");
        CliRun.Result missing =
                CliRun.isolated().run("explain", dir.resolve("nope.json").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(missing.err())
                .isEqualTo("jscontract: error: contract file " + dir.resolve("nope.json") + " does not exist; give the"
                        + " path of a contract JSON file (format: docs/contract-json.md)\n");
    }
}
