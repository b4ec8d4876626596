package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.ConsumerEvent.PullError;
import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractDriftException;
import dev.jscontract.contract.ContractLintException;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.ProvisionResult;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * UPD-001: start provisions and reads back; drift refuses the start. HB-001: a heartbeat that cannot keep the
 * read-back deadline refuses the start. CON-001: a consumer deleted under a running instance is reported, not
 * swallowed.
 */
@NatsServerMatrix
@WithNatsServer
class ProvisioningIT {

    @Test
    void verifyOnlyRefusesToStartOnDriftAndPullsNothing(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "PV");
            nc.jetStreamManagement()
                    .addOrUpdateConsumer(
                            stream.name(),
                            ConsumerConfiguration.builder()
                                    .durable("billing")
                                    .ackPolicy(AckPolicy.Explicit)
                                    .ackWait(Duration.ofSeconds(30))
                                    .maxDeliver(4)
                                    .filterSubject(stream.prefix() + ".>")
                                    .build());
            Fixtures.publish(nc, stream.subject(), "waits");
            ConsumerContract contract = Fixtures.contract(stream, "billing").build();
            AtomicInteger handled = new AtomicInteger();
            ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> handled.incrementAndGet())
                    .provisioningMode(ContractProvisioner.Mode.VERIFY_ONLY)
                    .build();
            assertThatThrownBy(consumer::start)
                    .isInstanceOf(ContractDriftException.class)
                    .hasMessageContaining("consumer " + stream.name() + "/billing does not match its contract")
                    .hasMessageContaining("ack_wait");
            assertThat(consumer.getState()).isEqualTo(ConsumerState.FAILED);
            Thread.sleep(300);
            assertThat(handled).hasValue(0);
            assertThat(Fixtures.consumerInfo(nc, stream.name(), "billing")
                            .getDelivered()
                            .getConsumerSequence())
                    .isZero();
            consumer.close();

            try (ContractConsumer updating = ContractConsumer.builder(nc, contract)
                    .handler(m -> handled.incrementAndGet())
                    .build()) {
                updating.start();
                assertThat(updating.getProvisionResult().orElseThrow().getAction())
                        .isEqualTo(ProvisionResult.Action.UPDATED);
                Fixtures.await("the waiting message handled", Duration.ofSeconds(5), () -> handled.get() == 1);
            }
        }
    }

    @Test
    void aHeartbeatIntervalNotShorterThanTheReadBackDeadlineRefusesToStart(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "PV");
            ContractConsumer linted = ContractConsumer.builder(
                            nc,
                            Fixtures.contract(stream, "slowbeat")
                                    .heartbeatInterval(Duration.ofSeconds(3))
                                    .build())
                    .handler(m -> {})
                    .build();
            assertThatThrownBy(linted::start)
                    .as("the linter sees it first")
                    .isInstanceOf(ContractLintException.class)
                    .hasMessageContaining("HB-001");
            // With the rule suppressed, the runtime's own check against the read-back deadline still refuses.
            ConsumerContract contract = Fixtures.contract(stream, "slowbeat")
                    .heartbeatInterval(Duration.ofSeconds(3))
                    .suppress("HB-001", "testing the runtime's check of the read-back deadline")
                    .build();
            ContractConsumer consumer =
                    ContractConsumer.builder(nc, contract).handler(m -> {}).build();
            assertThatThrownBy(consumer::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("heartbeatInterval PT3S is not shorter than the shortest ack deadline read back from"
                            + " the server (PT2S), so every delivery would be redelivered while its handler runs;"
                            + " declare a heartbeatInterval of at most PT0.666666666S (HB-001) or leave it unset for"
                            + " the default (a third of the deadline)");
            assertThat(consumer.getState()).isEqualTo(ConsumerState.FAILED);
        }
    }

    @Test
    void aConsumerDeletedUnderARunningInstanceIsReportedAndItResumesWhenRecreated(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "PV");
            ConsumerContract contract = Fixtures.contract(stream, "doomed").build();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(events)
                    .build()) {
                consumer.start();
                Fixtures.await("a pull waiting at the server", Duration.ofSeconds(5), () -> {
                    try {
                        return Fixtures.consumerInfo(nc, stream.name(), "doomed")
                                        .getNumWaiting()
                                > 0;
                    } catch (Exception e) {
                        return false;
                    }
                });
                nc.jetStreamManagement().deleteConsumer(stream.name(), "doomed");
                PullError error = events.await(PullError.class, Duration.ofSeconds(10));
                assertThat(error.kind()).isIn(PullErrorKind.CONSUMER_DELETED, PullErrorKind.NO_RESPONDERS);
                assertThat(error.stream()).isEqualTo(stream.name());
                assertThat(consumer.getState())
                        .as("not RUNNING: the health says what is wrong")
                        .isIn(ConsumerState.HALTED, ConsumerState.RECOVERING);
                assertThat(consumer.getHealth().getProblem().orElseThrow())
                        .isIn(ConsumerHealth.Problem.CONSUMER_DELETED, ConsumerHealth.Problem.JETSTREAM_UNAVAILABLE);

                ContractProvisioner.builder(nc).build().provision(contract); // an operator recreates it
                Fixtures.await(
                        "RUNNING again", Duration.ofSeconds(20), () -> consumer.getState() == ConsumerState.RUNNING);
                Fixtures.publish(nc, stream.subject(), "after the recreate");
                events.await(ConsumerEvent.MessageAcked.class, Duration.ofSeconds(10));
            }
        }
    }
}
