package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.ContractLintException;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.Finding;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code start()} lints the contract against the server it runs on: an error refuses to start (nothing is created on
 * the server), with the findings and how to suppress a rule on purpose; warnings are logged and reported in the
 * provision result.
 */
@WithNatsServer
class LintAtStartIT {

    private static ContractBuilder base(TestStream stream, String durable) {
        return ConsumerContract.builder().stream(stream.name())
                .durable(durable)
                .ackWait(Duration.ofSeconds(5))
                .maxDeliver(4)
                .backoff(Backoff.fixed(Duration.ofMillis(200)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject());
    }

    @Test
    void aContractWithLintErrorsDoesNotStartAndNothingIsCreated(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "LS");
            // MAP-001 (error): maxAckPending is not declared; HB-002 (warning): heartbeats without a bound
            ConsumerContract contract = base(stream, "unlinted").build();
            ContractConsumer consumer =
                    ContractConsumer.builder(nc, contract).handler(m -> {}).build();
            assertThatThrownBy(consumer::start)
                    .isInstanceOf(ContractLintException.class)
                    .hasMessageContaining("MAP-001")
                    .hasMessageContaining("is not started")
                    .hasMessageContaining(".suppress(\"MAP-001\", \"<why it does not apply>\")")
                    .satisfies(e -> assertThat(
                                    ((ContractLintException) e).getReport().has("MAP-001"))
                            .isTrue());
            assertThat(consumer.getState()).isEqualTo(ConsumerState.FAILED);
            assertThatThrownBy(() -> nc.jetStreamManagement().getConsumerInfo(stream.name(), "unlinted"))
                    .as("refused before anything was written")
                    .isInstanceOf(JetStreamApiException.class);
        }
    }

    @Test
    void warningsAreReportedInTheProvisionResultAndASuppressedErrorStarts(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "LW");
            ConsumerContract contract = base(stream, "warned")
                    .suppress("MAP-001", "the server default of 1000 is what we want here")
                    .build();
            try (ContractConsumer consumer =
                    ContractConsumer.builder(nc, contract).handler(m -> {}).build()) {
                consumer.start();
                assertThat(consumer.getState()).isEqualTo(ConsumerState.RUNNING);
                assertThat(consumer.getProvisionResult().orElseThrow().getFindings())
                        .extracting(Finding::getRuleId)
                        .contains("HB-002")
                        .doesNotContain("MAP-001");
            }
        }
    }

    @Test
    void theLintAtStartReadsTheLiveStream(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "LQ");
            // MD-002 (error) on a WorkQueue stream: the exhausted message stays in the stream for ever (B-13)
            ConsumerContract contract = ConsumerContract.builder().stream(stream.name())
                    .durable("nosink")
                    .ackWait(Duration.ofSeconds(5))
                    .maxDeliver(4)
                    .backoff(Backoff.fixed(Duration.ofMillis(200)))
                    .deadLetter(DeadLetterPolicy.none())
                    .maxAckPending(10)
                    .build();
            ContractConsumer consumer =
                    ContractConsumer.builder(nc, contract).handler(m -> {}).build();
            assertThatThrownBy(consumer::start)
                    .isInstanceOf(ContractLintException.class)
                    .hasMessageContaining("MD-002")
                    .hasMessageContaining("stays in the WorkQueue stream forever (B-13)")
                    .hasMessageContaining(".suppress(\"MD-002\", \"<why it does not apply>\")");
            assertThat(consumer.getState()).isEqualTo(ConsumerState.FAILED);
        }
    }

    @Test
    void aWorkQueueDeadLetterStreamStartDoesNotCreateIsReported(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.limits(nc, "LD");
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("DLQ_" + stream.name())
                            .subjects("dlq." + stream.name() + ".>")
                            .retentionPolicy(RetentionPolicy.WorkQueue)
                            .build());
            ConsumerContract contract = base(stream, "ownDlq").maxAckPending(10).build();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .createDeadLetterStreams(false)
                    .noSweeper()
                    .build()) {
                consumer.start();
                assertThat(consumer.getState()).isEqualTo(ConsumerState.RUNNING);
                assertThat(consumer.getProvisionResult().orElseThrow().getFindings())
                        .extracting(Finding::getRuleId)
                        .contains("DLQ-003");
            }
        }
    }
}
