package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.spring.boot.ContractListener;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The consumers' health indicator against a real nats-server: UP while running, DOWN when the consumer cannot work. */
@WithNatsServer
class ConsumerHealthIT {
    private static NatsServer nats;
    private static Connection admin;

    @BeforeAll
    static void connect(NatsServer server) throws Exception {
        nats = server;
        admin = server.connect();
    }

    @AfterAll
    static void close() throws Exception {
        admin.close();
    }

    /** A listener that does nothing. */
    public static class Sink {
        @ContractListener("audit")
        public void handle(Message message) {}
    }

    private ApplicationContextRunner runner(String stream) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class,
                        JsContractConsumerAutoConfiguration.class,
                        HealthProbe.autoConfiguration(),
                        JsContractEndpointAutoConfiguration.class))
                .withPropertyValues(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.consumer.pull-expiry=1s",
                        "spring.lifecycle.timeout-per-shutdown-phase=5s")
                .withBean("audit", ConsumerContract.class, () -> Streams.contract(stream, "audit"))
                .withBean(Sink.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> audit(HealthProbe indicator) {
        return (Map<String, Object>) indicator.details().get("audit");
    }

    @Test
    void upWhileRunningAndDownWhenTheConsumerIsDeletedOnTheServer() throws Exception {
        String stream = Streams.unique("SB_HEALTH_DEL");
        Streams.create(admin, stream);
        runner(stream).run(context -> {
            HealthProbe indicator = HealthProbe.of(context, "jscontractConsumersHealthIndicator");
            assertThat(indicator.status()).isEqualTo("UP");
            assertThat(audit(indicator)).containsEntry("state", "running").containsEntry("durable", "audit");

            admin.jetStreamManagement().deleteConsumer(stream, "audit");
            Await.until("health DOWN after the consumer was deleted", Duration.ofSeconds(15), () -> indicator
                    .status()
                    .equals("DOWN"));
            assertThat(audit(indicator)).containsEntry("state", "halted").containsEntry("problem", "consumer-deleted");
        });
    }

    @Test
    void downWhenTheConnectionIsClosed() throws Exception {
        String stream = Streams.unique("SB_HEALTH_CLOSED");
        Streams.create(admin, stream);
        runner(stream).run(context -> {
            HealthProbe indicator = HealthProbe.of(context, "jscontractConsumersHealthIndicator");
            assertThat(indicator.status()).isEqualTo("UP");
            context.getBean(Connection.class).close();
            Await.until("health DOWN after the connection closed", Duration.ofSeconds(15), () -> indicator
                    .status()
                    .equals("DOWN"));
            assertThat(audit(indicator)).containsEntry("problem", "connection-closed");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void theEndpointListsConsumersWithTheirContractStateAndLiveLintFindings() throws Exception {
        String stream = Streams.unique("SB_ENDPOINT");
        Streams.create(admin, stream);
        runner(stream).run(context -> {
            Map<String, Object> body = context.getBean(JsContractEndpoint.class).consumers();
            assertThat((String) body.get("server")).startsWith(nats.version().substring(0, 3));
            Map<String, Object> audit =
                    (Map<String, Object>) ((Map<String, Object>) body.get("consumers")).get("audit");
            assertThat((Map<String, Object>) audit.get("contract"))
                    .containsEntry("stream", stream)
                    .containsEntry("durable", "audit")
                    .containsEntry("ackWait", "PT2S")
                    .containsEntry("maxDeliver", 3);
            assertThat(audit).containsEntry("state", "running").containsKeys("contractFindings", "serverFindings");
            assertThat((java.util.List<Map<String, Object>>) audit.get("serverFindings"))
                    .as("the live configuration agrees with the contract: no error")
                    .noneMatch(f -> "error".equals(f.get("severity")));

            admin.jetStreamManagement().deleteConsumer(stream, "audit");
            Map<String, Object> after =
                    (Map<String, Object>) ((Map<String, Object>) context.getBean(JsContractEndpoint.class)
                                    .consumers()
                                    .get("consumers"))
                            .get("audit");
            assertThat((java.util.List<Map<String, Object>>) after.get("serverFindings"))
                    .anySatisfy(
                            f -> assertThat((String) f.get("message")).contains("cannot read " + stream + "/audit"));
        });
    }

    @Test
    void aConsumerThatDidNotStartIsDown() {
        String missing = Streams.unique("SB_HEALTH_MISSING");
        runner(missing)
                .withPropertyValues("jscontract.consumer.fail-fast=false")
                .run(context -> {
                    HealthProbe indicator = HealthProbe.of(context, "jscontractConsumersHealthIndicator");
                    assertThat(indicator.status()).isEqualTo("DOWN");
                    assertThat(audit(indicator)).containsEntry("state", "failed");
                    assertThat((String) audit(indicator).get("detail"))
                            .startsWith("did not start: ")
                            .contains(missing);
                });
    }
}
