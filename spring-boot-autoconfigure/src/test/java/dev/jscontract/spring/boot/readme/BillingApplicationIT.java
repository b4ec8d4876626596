package dev.jscontract.spring.boot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import io.nats.client.Connection;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The README's testing pattern: a real nats-server from the testing module, bound with {@code @DynamicPropertySource},
 * and the README's application started by {@code @SpringBootTest}.
 */
// readme:test
@SpringBootTest(classes = BillingApplication.class, properties = "jscontract.consumer.pull-expiry=1s")
class BillingApplicationIT {
    static final NatsServer NATS = NatsServers.start(); // a real nats-server, JetStream on, random port

    @DynamicPropertySource
    static void nats(DynamicPropertyRegistry registry) {
        registry.add("jscontract.nats.servers", NATS::url);
    }

    @BeforeAll
    static void createStream() throws Exception { // before the context starts the consumer
        try (Connection nc = NATS.connect()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("ORDERS")
                            .subjects("orders.>")
                            .build());
        }
    }

    @AfterAll
    static void stopServer() {
        NATS.close();
    }

    @Autowired
    Connection connection;

    @Autowired
    BillingListener billing;

    @Autowired
    ContractConsumers consumers;

    @Test
    void chargesEachOrder() throws Exception {
        connection
                .jetStream()
                .publish("orders.created", "{\"id\":\"o-1\",\"cents\":1250}".getBytes(StandardCharsets.UTF_8));
        Await.until("the order is charged", Duration.ofSeconds(10), () -> billing.charged.size() == 1);
        assertThat(billing.charged).containsExactly(new BillingListener.Order("o-1", 1250));
        assertThat(consumers.get("billing").orElseThrow().getHealth().getState().tagValue())
                .isEqualTo("running");
    }
}
// readme:end
