package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.consumer.ConsumerEvent.PullError;
import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractDriftException;
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
            ConsumerContract contract = Fixtures.contract(stream, "slowbeat")
                    .heartbeatInterval(Duration.ofSeconds(3))
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
    void aConsumerDeletedUnderARunningInstanceIsReportedAsAPullError(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "PV");
            ConsumerContract contract = Fixtures.contract(stream, "doomed").build();
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(events)
                    .build()) {
                consumer.start();
                Thread.sleep(200); // a pull is waiting
                nc.jetStreamManagement().deleteConsumer(stream.name(), "doomed");
                PullError error = events.await(PullError.class, Duration.ofSeconds(10));
                assertThat(error.kind()).isIn(PullErrorKind.CONSUMER_DELETED, PullErrorKind.NO_RESPONDERS);
                assertThat(error.stream()).isEqualTo(stream.name());
                assertThat(consumer.getState()).isEqualTo(ConsumerState.RUNNING);
            }
        }
    }
}
