package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.api.ConsumerConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The "Write a contract" example of README.md, compiled and run; and the README's lint table checked against the
 * rule catalogue, so the two cannot drift apart.
 */
class ReadmeExampleTest {

    @Test
    void writeAContract() {
        // README: begin write-a-contract
        ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30)) // every delivery's ack deadline; heartbeats extend it
                .maxDeliver(5) // then dead-letter
                .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1))
                        .withJitter(0.2)) // retry delays, applied with nakWithDelay
                .deadLetter(DeadLetterPolicy.toDefaultSubject()) // dlq.ORDERS.billing in stream DLQ_ORDERS
                .filterSubject("orders.created")
                .maxAckPending(64)
                .concurrency(8)
                .expectedP99(Duration.ofSeconds(2))
                .maxProcessingTime(Duration.ofMinutes(2))
                .build();

        LintReport report = ContractLinter.lint(contract, ServerVersion.parse("2.9.10"));
        if (report.hasErrors()) {
            throw new IllegalStateException(report.toText());
        }
        ConsumerConfiguration config = contract.toConsumerConfiguration(ServerVersion.parse("2.9.10"));
        String timeline = contract.explain().toText();
        String json = ContractJson.write(contract); // what `jscontract lint/explain` read from a file
        // README: end write-a-contract

        assertThat(config.getAckWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(timeline).contains("dead-lettered at the latest: +12m30s to dlq.ORDERS.billing");
        assertThat(ContractJson.read(json)).isEqualTo(contract);
    }

    @Test
    void readmeSnippetIsThisTestsCode() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String source = Files.readString(Path.of("src/test/java/dev/jscontract/contract/ReadmeExampleTest.java"));
        String snippet = dedent(source.substring(
                source.indexOf("// README: begin write-a-contract") + "// README: begin write-a-contract".length(),
                source.indexOf("// README: end write-a-contract")));
        assertThat(readme).contains(snippet);
    }

    /** Removes the common indentation of the non-blank lines and the blank lines around them. */
    private static String dedent(String text) {
        java.util.List<String> lines = text.lines().toList();
        int indent = lines.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return lines.stream()
                .map(l -> l.isBlank() ? "" : l.substring(indent))
                .collect(java.util.stream.Collectors.joining("\n"))
                .strip();
    }

    @Test
    void readmeLintTableListsEveryRuleWithItsSeverityAndScope() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (LintRule rule : LintRule.values()) {
            String row = "| " + rule.id() + " | " + rule.defaultSeverity().label() + " | "
                    + rule.scope().name().toLowerCase(java.util.Locale.ROOT) + " | " + rule.prevents() + " |";
            assertThat(readme).as("README lint table row for " + rule.id()).contains(row);
        }
    }
}
