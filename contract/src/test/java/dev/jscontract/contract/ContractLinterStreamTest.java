package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.Test;

/**
 * {@link ContractLinter#lint(ConsumerContract, StreamConfiguration, ServerVersion, LintOptions)}: a contract linted
 * against its live stream, as {@link ContractProvisioner} does at start, gets the stream-dependent rules that the
 * contract alone cannot decide. The 2.12.3/2.12.4 servers MD-003 is about are not in the test matrix, so it is shown
 * here; {@code ProvisionerIT} shows the provisioner passing the live stream on every server of the matrix.
 */
class ContractLinterStreamTest {
    private static final ServerVersion V2_12_4 = ServerVersion.parse("2.12.4");

    private static StreamConfiguration orders(RetentionPolicy retention, int replicas) {
        return StreamConfiguration.builder()
                .name("ORDERS")
                .subjects("orders.>")
                .retentionPolicy(retention)
                .replicas(replicas)
                .build();
    }

    @Test
    void md003FiresForAContractOnAReplicatedWorkQueueStreamOnTheAffectedServers() {
        ConsumerContract c = Fixtures.clean().build();
        assertThat(ContractLinter.lint(c, V2_12_4).has("MD-003"))
                .as("without the stream the rule cannot be decided")
                .isFalse();
        LintReport onBug = ContractLinter.lint(c, orders(RetentionPolicy.WorkQueue, 3), V2_12_4, LintOptions.none());
        assertThat(onBug.getFindings("MD-003")).singleElement().satisfies(f -> {
            assertThat(f.getSeverity()).isEqualTo(Severity.ERROR);
            assertThat(f.getValues())
                    .containsEntry("retention", "workqueue")
                    .containsEntry("replicas", "3")
                    .containsEntry("maxDeliver", "5");
        });
        assertThat(onBug.hasErrors()).isTrue();
        assertThat(ContractLinter.lint(c, orders(RetentionPolicy.WorkQueue, 1), V2_12_4, LintOptions.none())
                        .getFindings("MD-003"))
                .singleElement()
                .extracting(Finding::getSeverity)
                .isEqualTo(Severity.WARNING);
        assertThat(ContractLinter.lint(c, orders(RetentionPolicy.Limits, 3), V2_12_4, LintOptions.none())
                        .has("MD-003"))
                .isFalse();
        assertThat(ContractLinter.lint(
                                c,
                                orders(RetentionPolicy.WorkQueue, 3),
                                ServerVersion.parse("2.12.5"),
                                LintOptions.none())
                        .has("MD-003"))
                .isFalse();
    }

    @Test
    void md003CanBeSuppressedInTheContractLikeAnyRule() {
        ConsumerContract c = Fixtures.clean()
                .suppress("MD-003", "the sweeper is off and dead letters come from the handler only")
                .build();
        LintReport r = ContractLinter.lint(c, orders(RetentionPolicy.WorkQueue, 3), V2_12_4, LintOptions.none());
        assertThat(r.has("MD-003")).isFalse();
        assertThat(r.hasErrors()).isFalse();
        assertThat(r.getSuppressed()).hasSize(1);
    }

    @Test
    void md002SaysTheExhaustedMessageStaysInAWorkQueueStream() {
        ConsumerContract noSink = Fixtures.clean().build().toBuilder()
                .deadLetter(DeadLetterPolicy.none())
                .build();
        ServerVersion v = ServerVersion.parse("2.10.27");
        assertThat(ContractLinter.lint(noSink, orders(RetentionPolicy.WorkQueue, 1), v, LintOptions.none())
                        .getFindings("MD-002"))
                .singleElement()
                .satisfies(f -> assertThat(f.getMessage()).contains("stays in the WorkQueue stream forever (B-13)"));
        assertThat(ContractLinter.lint(noSink, orders(RetentionPolicy.Limits, 1), v, LintOptions.none())
                        .getFindings("MD-002"))
                .singleElement()
                .satisfies(f -> assertThat(f.getMessage()).doesNotContain("WorkQueue"));
    }

    @Test
    void theStreamMustBeTheContractsStream() {
        StreamConfiguration other = StreamConfiguration.builder()
                .name("PAYMENTS")
                .subjects("payments.>")
                .build();
        assertThatThrownBy(() -> ContractLinter.lint(Fixtures.clean().build(), other, V2_12_4, LintOptions.none()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stream must be the contract's stream ORDERS but was PAYMENTS; pass the configuration of"
                        + " ORDERS");
    }
}
