package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Colour follows the {@code nats} CLI and no-color.org: only at a terminal, and never with {@code NO_COLOR} (set and
 * not empty) or {@code TERM=dumb}; with colour off, output carries no ANSI escape.
 */
class TerminalTest {
    private static final String ESC = "\u001b[";

    @Test
    void colourOnlyAtATerminalWithoutNoColorOrADumbTerm() {
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of()))).isTrue();
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of("TERM", "xterm-256color"))))
                .isTrue();
        assertThat(Terminal.wantsColour(false, Environment.of(Map.of())))
                .as("not a terminal")
                .isFalse();
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of("NO_COLOR", "1"))))
                .isFalse();
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of("NO_COLOR", "false"))))
                .as("any non-empty value counts")
                .isFalse();
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of("NO_COLOR", ""))))
                .as("an empty NO_COLOR is unset (no-color.org)")
                .isTrue();
        assertThat(Terminal.wantsColour(true, Environment.of(Map.of("TERM", "dumb"))))
                .isFalse();
        assertThat(Terminal.system(Environment.of(Map.of())).colour())
                .as("tests run without a console")
                .isFalse();
    }

    @Test
    void lintPaintsErrorsRedAtAColourTerminalAndNotWithNoColorOrDumbTerm(@TempDir Path dir) throws Exception {
        Path contract = Files.writeString(
                dir.resolve("billing.json"),
                """
                {"format": 1, "stream": "ORDERS", "durable": "billing", "ackWait": "PT30S", "maxDeliver": 5,
                 "backoff": {"type": "fixed", "delay": "PT5S"}, "deadLetter": {}, "metadata": {"team": "payments"}}
                """);
        String[] args = {"lint", contract.toString(), "--server-version", "2.9.10"};

        CliRun.Result colour = CliRun.isolated().colourTerminal().run(args);
        assertThat(colour.code()).as(colour.toString()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(colour.out()).as("VER-001: metadata needs 2.10").contains(ESC + "31merror" + ESC + "0m");

        for (Map.Entry<String, String> off :
                Map.of("NO_COLOR", "1", "TERM", "dumb").entrySet()) {
            CliRun.Result plain = CliRun.isolated()
                    .env(off.getKey(), off.getValue())
                    .colourTerminal()
                    .run(args);
            assertThat(plain.code()).isEqualTo(ExitCodes.FINDINGS);
            assertThat(plain.out()).as(off.toString()).contains("error ").doesNotContain(ESC);
            assertThat(plain.err()).as(off.toString()).doesNotContain(ESC);
        }
    }
}
