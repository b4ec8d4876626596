package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.spring.boot.ContractConsumerCustomizer;
import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.spring.boot.ContractListener;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The connection and the consumers, condition by condition and property by property, against a real nats-server
 * shared by the class (each test uses its own stream).
 */
@WithNatsServer
class ConsumerAutoConfigurationIT {
    private static Connection admin;
    private static NatsServer nats;

    @BeforeAll
    static void connect(NatsServer server) throws Exception {
        nats = server;
        admin = server.connect();
    }

    @AfterAll
    static void close() throws Exception {
        admin.close();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JsContractNatsAutoConfiguration.class, JsContractConsumerAutoConfiguration.class))
                .withPropertyValues(
                        "jscontract.nats.servers=" + nats.url(),
                        "jscontract.consumer.pull-expiry=1s",
                        "spring.lifecycle.timeout-per-shutdown-phase=10s");
    }

    /** An order as the listener sees it. */
    public record Order(String id, int amount) {}

    /** A bean with a listener method, recording what it got. */
    public static class Billing {
        final List<Order> orders = new CopyOnWriteArrayList<>();
        final Map<String, String> subjects = new ConcurrentHashMap<>();

        @ContractListener("billing")
        public void charge(Order order, Message message) {
            orders.add(order);
            subjects.put(order.id(), message.getSubject());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BillingApp {
        static String stream;

        @Bean
        ConsumerContract billing() {
            return Streams.contract(stream, "billing");
        }

        @Bean
        Billing billingListener() {
            return new Billing();
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void connectsFromPropertiesAndClosesTheConnectionWithTheContext() {
        Connection[] seen = new Connection[1];
        runner().withPropertyValues("jscontract.nats.connection-name=orders-service")
                .run(context -> {
                    assertThat(context).hasSingleBean(Connection.class);
                    Connection nc = context.getBean(Connection.class);
                    seen[0] = nc;
                    assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
                    assertThat(nc.getOptions().getConnectionName()).isEqualTo("orders-service");
                    assertThat(nc.getOptions().getMaxReconnect())
                            .as("unlimited by default")
                            .isEqualTo(-1);
                    assertThat(context).hasSingleBean(ContractConsumers.class);
                });
        assertThat(seen[0].getStatus()).isEqualTo(Connection.Status.CLOSED);
    }

    @Test
    void backsOffWhenTheApplicationDefinesAConnection() throws Exception {
        try (Connection own = nats.connect()) {
            runner().withBean("myConnection", Connection.class, () -> own).run(context -> {
                assertThat(context).hasSingleBean(Connection.class);
                assertThat(context.getBean(Connection.class)).isSameAs(own);
                assertThat(context).doesNotHaveBean("jscontractNatsConnection");
            });
        }
    }

    @Test
    void listenerReceivesDecodedPayloadsWithMetersAndDrainsOnClose() throws Exception {
        String stream = Streams.unique("SB_LISTEN");
        Streams.create(admin, stream);
        BillingApp.stream = stream;
        runner().withUserConfiguration(BillingApp.class).run(context -> {
            assertThat(context).hasNotFailed();
            ContractConsumer consumer =
                    context.getBean(ContractConsumers.class).get("billing").orElseThrow();
            assertThat(consumer.getState()).isEqualTo(ConsumerState.RUNNING);
            for (int i = 0; i < 5; i++) {
                admin.jetStream()
                        .publish(
                                stream + ".created",
                                ("{\"id\":\"o" + i + "\",\"amount\":" + i + ",\"extra\":true}")
                                        .getBytes(StandardCharsets.UTF_8));
            }
            Billing billing = context.getBean(Billing.class);
            Await.until("5 orders charged", Duration.ofSeconds(10), () -> billing.orders.size() == 5);
            assertThat(billing.orders).contains(new Order("o3", 3));
            assertThat(billing.subjects).containsEntry("o1", stream + ".created");
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            Await.until(
                    "the acks are counted on the application's registry",
                    Duration.ofSeconds(5),
                    () -> registry.find("jscontract.consumer.messages").tag("outcome", "acked").counters().stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            == 5);
        });
        assertThat(Streams.info(admin, stream, "billing").getNumAckPending()).isZero();
    }

    @Test
    void aContractWithoutHandlerFailsTheStartNamingTheWayOut() throws Exception {
        String stream = Streams.unique("SB_NOHANDLER");
        runner().withBean("payments", ConsumerContract.class, () -> Streams.contract(stream, "payments"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("contract 'payments'")
                            .hasStackTraceContaining("has no handler")
                            .hasStackTraceContaining("@ContractListener(\"payments\")");
                });
    }

    /** A listener naming a contract that does not exist. */
    public static class Stray {
        @ContractListener("nosuch")
        public void handle(Message message) {}
    }

    @Test
    void aListenerNamingNoContractFailsTheStart() {
        runner().withBean(Stray.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("@ContractListener(\"nosuch\")")
                    .hasStackTraceContaining("names no contract");
        });
    }

    /** A listener with two payload parameters. */
    public static class TwoPayloads {
        @ContractListener("x")
        public void handle(Order a, Order b) {}
    }

    @Test
    void aListenerWithTwoPayloadParametersFailsTheStart() {
        runner().withBean(TwoPayloads.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("has two payload parameters (Order, Order)");
        });
    }

    @Test
    void aCustomizerCanSupplyTheHandlerAndAListenerMatchesByDurable() throws Exception {
        String stream = Streams.unique("SB_CUSTOM");
        Streams.create(admin, stream);
        List<String> raw = new CopyOnWriteArrayList<>();
        ContractConsumerCustomizer customizer = new ContractConsumerCustomizer() {
            @Override
            public void customize(String name, ConsumerContract contract, ContractConsumer.Builder builder) {
                builder.instance("test-instance");
            }

            @Override
            public ContractConsumer.Builder handler(
                    String name, ConsumerContract contract, ContractConsumer.HandlerStage stage) {
                return stage.handler(m -> raw.add(new String(m.getData(), StandardCharsets.UTF_8)));
            }
        };
        runner().withBean("shipping", ConsumerContract.class, () -> Streams.contract(stream, "ship-durable"))
                .withBean(ContractConsumerCustomizer.class, () -> customizer)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    admin.jetStream().publish(stream + ".x", "hello".getBytes(StandardCharsets.UTF_8));
                    Await.until("the raw handler ran", Duration.ofSeconds(10), () -> raw.contains("hello"));
                });
    }

    /** A listener naming the contract by its durable while a customizer also has a handler. */
    public static class ByDurable {
        @ContractListener("ship-durable")
        public void handle(Message message) {}
    }

    @Test
    void aListenerAndACustomizerHandlerForOneContractFailTheStart() {
        String stream = Streams.unique("SB_TWO");
        ContractConsumerCustomizer customizer = new ContractConsumerCustomizer() {
            @Override
            public void customize(String name, ConsumerContract contract, ContractConsumer.Builder builder) {}

            @Override
            public ContractConsumer.Builder handler(
                    String name, ConsumerContract contract, ContractConsumer.HandlerStage stage) {
                return stage.handler(m -> {});
            }
        };
        runner().withBean("shipping", ConsumerContract.class, () -> Streams.contract(stream, "ship-durable"))
                .withBean(ByDurable.class)
                .withBean(ContractConsumerCustomizer.class, () -> customizer)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("contract 'shipping' has 2 handlers")
                            .hasStackTraceContaining("keep exactly one");
                });
    }

    @Test
    void aConsumerThatCannotStartFailsTheApplicationWithItsOwnMessage() {
        String missing = Streams.unique("SB_MISSING");
        BillingApp.stream = missing;
        runner().withUserConfiguration(BillingApp.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("jscontract consumer 'billing' (" + missing + "/billing) did not start: ")
                    .hasStackTraceContaining(missing)
                    .hasStackTraceContaining("jscontract.consumer.fail-fast=false");
        });
    }

    @Test
    void withoutFailFastTheApplicationStartsAndKeepsTheFailure() {
        String missing = Streams.unique("SB_MISSING");
        BillingApp.stream = missing;
        runner().withUserConfiguration(BillingApp.class)
                .withPropertyValues("jscontract.consumer.fail-fast=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ContractConsumers consumers = context.getBean(ContractConsumers.class);
                    assertThat(consumers.getStartFailures()).containsKey("billing");
                    assertThat(consumers.getStartFailures().get("billing").getMessage())
                            .contains(missing);
                    assertThat(consumers.get("billing").orElseThrow().getState())
                            .isEqualTo(ConsumerState.FAILED);
                });
    }

    @Test
    void aBadPullExpiryNamesTheProperty() {
        runner().withPropertyValues("jscontract.consumer.pull-expiry=10ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("jscontract.consumer.pull-expiry")
                    .hasMessageContaining("between 1s and 5m");
        });
    }

    @Test
    void aCircuitBreakerWithoutRegistryNamesTheProperty() {
        String stream = Streams.unique("SB_CB");
        BillingApp.stream = stream;
        runner().withUserConfiguration(BillingApp.class)
                .withPropertyValues("jscontract.consumers.billing.circuit-breaker=payments")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("jscontract.consumers.billing.circuit-breaker")
                            .hasMessageContaining("no Resilience4j CircuitBreakerRegistry bean");
                });
    }

    /** A listener for the contract declared in properties. */
    public static class FromProperties {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @ContractListener("refunds")
        public void handle(Message message) {
            seen.add(message.getSubject());
        }
    }

    @Test
    void aContractFromPropertiesRunsWithTheRegistrysCircuitBreaker() throws Exception {
        String stream = Streams.unique("SB_PROPS");
        Streams.create(admin, stream);
        io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry breakers =
                io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.ofDefaults();
        runner().withBean(FromProperties.class)
                .withBean(io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.class, () -> breakers)
                .withPropertyValues(
                        "jscontract.contracts.refunds.stream=" + stream,
                        "jscontract.contracts.refunds.durable=refunds",
                        "jscontract.contracts.refunds.ack-wait=5s",
                        "jscontract.contracts.refunds.max-deliver=4",
                        "jscontract.contracts.refunds.max-ack-pending=8",
                        "jscontract.contracts.refunds.backoff.type=exponential",
                        "jscontract.contracts.refunds.backoff.initial=200ms",
                        "jscontract.contracts.refunds.backoff.max=2s",
                        "jscontract.contracts.refunds.dead-letter.subject=default",
                        "jscontract.consumers.refunds.circuit-breaker=payments")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ConsumerContract contract = context.getBean(ContractConsumers.class)
                            .getContracts()
                            .get("refunds");
                    assertThat(contract.getAckWait()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(contract.getMaxDeliver()).isEqualTo(4);
                    assertThat(breakers.getAllCircuitBreakers())
                            .as("the consumer's gate is the registry's breaker")
                            .anyMatch(b -> b.getName().equals("payments"));
                    admin.jetStream().publish(stream + ".r1", new byte[] {'{', '}'});
                    FromProperties listener = context.getBean(FromProperties.class);
                    Await.until("the refund handled", Duration.ofSeconds(10), () -> listener.seen.size() == 1);
                });
    }

    @Test
    void aContractInPropertiesWithoutARequiredFieldNamesTheProperty() {
        runner().withPropertyValues(
                        "jscontract.contracts.refunds.stream=REFUNDS",
                        "jscontract.contracts.refunds.durable=refunds",
                        "jscontract.contracts.refunds.max-deliver=4",
                        "jscontract.contracts.refunds.backoff.type=fixed",
                        "jscontract.contracts.refunds.backoff.initial=1s",
                        "jscontract.contracts.refunds.dead-letter.subject=default")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasStackTraceContaining("jscontract.contracts.refunds.ack-wait")
                            .hasStackTraceContaining("it is required");
                });
    }

    @Test
    void aValueTheContractBuilderRefusesNamesTheProperty() {
        runner().withPropertyValues(
                        "jscontract.contracts.refunds.stream=REFUNDS",
                        "jscontract.contracts.refunds.durable=refunds",
                        "jscontract.contracts.refunds.ack-wait=5s",
                        "jscontract.contracts.refunds.max-deliver=0",
                        "jscontract.contracts.refunds.backoff.type=sometimes",
                        "jscontract.contracts.refunds.dead-letter.subject=default")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("jscontract.contracts.refunds.backoff.type")
                            .hasStackTraceContaining("use fixed, exponential, list or none");
                });
        runner().withPropertyValues(
                        "jscontract.contracts.refunds.stream=REFUNDS",
                        "jscontract.contracts.refunds.durable=refunds",
                        "jscontract.contracts.refunds.ack-wait=5s",
                        "jscontract.contracts.refunds.max-deliver=0",
                        "jscontract.contracts.refunds.backoff.type=none",
                        "jscontract.contracts.refunds.dead-letter.subject=default")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("jscontract.contracts.refunds.max-deliver")
                            .hasStackTraceContaining("maxDeliver");
                });
    }

    @Test
    void consumerOptionsForAnUnknownContractNameTheProperty() {
        runner().withPropertyValues("jscontract.consumers.bliling.circuit-breaker=payments")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("jscontract.consumers.bliling")
                            .hasMessageContaining("no contract has this name");
                });
    }
}
