package dev.jscontract.cli.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.internal.dlq.GroupKey;
import dev.jscontract.cli.internal.dlq.RatePacer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Tables, durations and times people type, rates, and group ids. */
class TextTest {
    @Test
    void tablesAlignAndCutOnlyFlexibleColumnsToTheWidth() {
        Table t = new Table("SEQ", "ERROR", "SUBJECT").flexible("ERROR").right("SEQ");
        t.row("7", "java.lang.IllegalStateException: payment service unavailable", "orders.created");
        t.row("12", null, "orders.updated\tx");
        assertThat(t.render(0))
                .isEqualTo("SEQ  ERROR                                                         SUBJECT\n"
                        + "  7  java.lang.IllegalStateException: payment service unavailable  orders.created\n"
                        + " 12  -                                                             orders.updated x\n");
        assertThat(t.render(50))
                .isEqualTo("SEQ  ERROR                        SUBJECT\n"
                        + "  7  java.lang.IllegalStateEx...  orders.created\n"
                        + " 12  -                            orders.updated x\n");
        assertThatThrownBy(() -> t.row("1")).hasMessage("row has 1 cells but the table has 3 columns");
    }

    @Test
    void durationsAndTimes() {
        assertThat(Durations.parse("1h30m", "--x")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("500ms", "--x")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("PT5S", "--x")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("7d", "--x")).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> Durations.parse("5 minutes", "--timeout"))
                .isInstanceOf(CliException.class)
                .hasMessage("--timeout must be a duration like 500ms, 5s, 2h, 1h30m, 7d or PT5S but was '5 minutes'");
        assertThatThrownBy(() -> Durations.parsePositive("0s", "--timeout"))
                .hasMessage("--timeout must be a positive duration but was '0s'; e.g. 5s, 2m, 1h");
        Instant now = Instant.parse("2026-11-23T12:00:00Z");
        assertThat(Durations.parseTime("2h", "--since", now)).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
        assertThat(Durations.parseTime("2026-11-23", "--since", now)).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(Durations.parseTime("2026-11-23 05:50", "--since", now))
                .isEqualTo(Instant.parse("2026-11-23T05:50:00Z"));
        assertThat(Durations.parseTime("2026-11-23T05:50:39+01:00", "--since", now))
                .isEqualTo(Instant.parse("2026-11-23T04:50:39Z"));
        assertThatThrownBy(() -> Durations.parseTime("yesterday", "--since", now))
                .hasMessageStartingWith("--since must be a duration like");
        assertThatThrownBy(() -> Durations.parseTime("23/11/2026", "--until", now))
                .hasMessage("--until must be a duration ago (30m, 2h, 7d) or a timestamp (2026-11-23T05:50:39Z,"
                        + " 2026-11-23 05:50, 2026-11-23; UTC unless an offset is given) but was '23/11/2026'");
    }

    @Test
    void ratesAndPacingAgainstTheStart() {
        assertThat(RatePacer.parse("100/s")).isEqualTo(100);
        assertThat(RatePacer.parse("100")).isEqualTo(100);
        assertThat(RatePacer.parse("6000/m")).isEqualTo(100);
        assertThat(RatePacer.parse("3600/h")).isEqualTo(1);
        assertThatThrownBy(() -> RatePacer.parse("fast"))
                .hasMessage("--rate must be messages per second, minute or hour, like 100/s, 6000/m or 100, but was"
                        + " 'fast'");
        assertThatThrownBy(() -> RatePacer.parse("0/s")).hasMessage("--rate must be positive but was '0/s'");
        RatePacer p = new RatePacer(100);
        assertThat(p.waitNanos(0, 0, 0)).isZero();
        assertThat(p.waitNanos(10, 0, 0)).isEqualTo(100_000_000L);
        assertThat(p.waitNanos(10, 0, 60_000_000L))
                .as("a slow publish is caught up")
                .isEqualTo(40_000_000L);
        assertThat(p.waitNanos(10, 0, 200_000_000L)).isZero();
    }

    @Test
    void groupIdsUseTheFirstFrameWithoutLineOrModule() {
        String stack = "com.acme.PaymentException: declined\n\tat java.base/java.util.Objects.requireNonNull(Objects"
                + ".java:233)\n\tat com.acme.Billing.charge(Billing.java:42)\n";
        assertThat(GroupKey.firstFrame(stack)).isEqualTo("java.util.Objects.requireNonNull");
        assertThat(GroupKey.firstFrame("no frames here")).isNull();
        GroupKey a = new GroupKey("ORDERS", "billing", "handler-error", "X", "a.B.c");
        assertThat(a.id())
                .matches("[0-9a-f]{8}")
                .isEqualTo(new GroupKey("ORDERS", "billing", "handler-error", "X", "a.B.c").id());
        assertThat(a.id()).isNotEqualTo(new GroupKey("ORDERS", "shipping", "handler-error", "X", "a.B.c").id());
        assertThat(a.error()).isEqualTo("X at a.B.c");
        assertThat(new GroupKey("ORDERS", "billing", "max-deliveries", "MaxDeliveriesExceeded", null).error())
                .isEqualTo("MaxDeliveriesExceeded");
    }

    @Test
    void progressLineHasRateAndEta() {
        Progress p = new Progress(
                dev.jscontract.cli.Terminal.builder()
                        .out(System.out)
                        .err(System.err)
                        .build(),
                "replaying",
                1000);
        assertThat(p.line(250, 1_000_000_000L))
                .isEqualTo("replaying [#######.......................] 250/1000  250/s  ETA 3s");
    }
}
