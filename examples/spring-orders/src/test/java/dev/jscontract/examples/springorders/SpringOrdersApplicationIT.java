package dev.jscontract.examples.springorders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.PermanentFailure;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterHeaders;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.testing.Await;
import dev.jscontract.testing.ContractAssertions;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The whole application over real HTTP against a real nats-server and a real PostgreSQL, both the test's own (from
 * the {@code testing} module, bound with {@code @DynamicPropertySource}): orders are charged exactly once, a poison
 * order ends in the dead-letter stream with the envelope's reason, a rolled-back {@code POST} leaves no event, and
 * the actuator reports the jscontract components.
 *
 * <p>{@code @WithNatsServer} and {@code @WithPostgres} come before {@code @SpringBootTest}: JUnit starts the servers
 * before Spring's extension and stops them after it, and {@code @DirtiesContext} closes the application (draining
 * its consumer and relay) before the servers go.
 */
@WithNatsServer
@WithPostgres
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // short pulls: the graceful stop at the end waits for at most one
        properties = "jscontract.consumer.pull-expiry=1s")
@AutoConfigureRestTestClient
@DirtiesContext
class SpringOrdersApplicationIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static NatsServer nats;
    private static PostgresDatabase db;

    @BeforeAll
    static void servers(NatsServer server, PostgresDatabase database) {
        nats = server;
        db = database;
    }

    @DynamicPropertySource
    static void bindServers(DynamicPropertyRegistry registry) {
        registry.add("jscontract.nats.servers", () -> nats.url());
        registry.add("spring.datasource.url", () -> db.jdbcUrl()); // with user (and password) in the URL
    }

    @Autowired
    RestTestClient http;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Connection connection;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ConsumerContract billing;

    @Test
    void everyGoodOrderIsChargedOnceAndThePoisonOrderIsDeadLetteredWithItsReason() throws Exception {
        int good = 20;
        double storedBefore = published("stored");
        long inboxBefore = count("select count(*) from jsc_inbox where consumer = 'billing'");
        for (int i = 1; i <= good; i++) {
            post("good-" + i, 1000 + i).expectStatus().isCreated();
        }
        post("poison-1", -5).expectStatus().isCreated();

        Await.until(
                "every order settled: charged or dead-lettered, nothing pending on billing",
                TIMEOUT,
                () -> count("select count(*) from charges where order_id like 'good-%'") >= good
                        && deadLetters() >= 1
                        && billingInfo().getNumAckPending() == 0
                        && billingInfo().getNumPending() == 0);

        assertThat(deadLetters()).as("only the poison order is dead-lettered").isEqualTo(1);
        assertThat(count("select count(*) from charges where order_id like 'good-%' and amount = 1000 +"
                        + " cast(substring(order_id from 6) as int)"))
                .as("each good order charged once, with its amount")
                .isEqualTo(good);
        assertThat(count("select count(*) from charges where order_id = 'poison-1'"))
                .as("no charge for the poison order")
                .isZero();
        assertThat(count("select count(*) from jsc_inbox where consumer = 'billing'") - inboxBefore)
                .as("each good order's message recorded once in the inbox")
                .isEqualTo(good);
        for (int i = 1; i <= good; i++) {
            get("good-" + i).jsonPath("$.status").isEqualTo("CHARGED");
        }
        get("poison-1")
                .jsonPath("$.status")
                .isEqualTo("REJECTED")
                .jsonPath("$.amount")
                .isEqualTo(-5);

        // the dead letter: the envelope's headers say what, why, and from where (docs/dead-letter-envelope.md)
        MessageInfo dead = jsm().getMessage("DLQ_ORDERS", firstSequence("DLQ_ORDERS"));
        assertThat(dead.getSubject()).isEqualTo("dlq.ORDERS.billing");
        assertThat(dead.getHeaders().getFirst(DeadLetterHeaders.REASON)).isEqualTo("permanent-error");
        DeadLetterEnvelope envelope = DeadLetterEnvelope.read(dead.getHeaders(), dead.getData());
        ContractAssertions.assertThat(envelope)
                .hasReason(DeadLetterReason.PERMANENT_ERROR)
                .hasDeliveries(1) // permanent: dead-lettered at its first delivery, no retries spent
                .hasErrorClass(PermanentFailure.class);
        assertThat(envelope.getErrorMessage()).hasValue("order poison-1 has amount -5; it can never be charged");
        assertThat(envelope.getOriginalMsgId()).hasValue("order-poison-1-created");
        assertThat(envelope.getOriginalStream()).isEqualTo("ORDERS");
        assertThat(envelope.getOriginalSubject()).isEqualTo("orders.created");
        assertThat(envelope.getConsumer()).isEqualTo("billing");
        assertThat(new String(envelope.getBody(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"id\":\"poison-1\"");

        Await.until("every event published and removed from the outbox", TIMEOUT, () -> outboxRows() == 0);
        assertThat(published("stored") - storedBefore)
                .as("one event stored per order")
                .isEqualTo(good + 1);
        ContractAssertions.assertThat(connection).consumer("ORDERS", "billing").matches(billing);
    }

    @Test
    void aPostWhoseTransactionRollsBackLeavesNoEvent() throws Exception {
        post("dup-1", 700).expectStatus().isCreated();
        Await.until(
                "dup-1 charged and its event gone from the outbox",
                TIMEOUT,
                () -> count("select count(*) from charges where order_id = 'dup-1'") == 1 && outboxRows() == 0);
        double publishedBefore = published();

        // the service writes the event, then the insert fails on the duplicate id: both roll back
        post("dup-1", 999)
                .expectStatus()
                .isEqualTo(HttpStatus.CONFLICT)
                .expectBody()
                .jsonPath("$.detail")
                .isEqualTo("an order with this id exists; nothing was stored, and no event was written");

        // A leaked event would still be in the outbox, or, once published, counted: the relay counts a row before it
        // deletes it. So these two reads, in this order, see any leak without waiting for it.
        assertThat(count("select count(*) from outbox where message_id = 'order-dup-1-created'"))
                .as("the rolled-back event is not in the outbox")
                .isZero();
        assertThat(published()).as("and the relay published nothing more").isEqualTo(publishedBefore);
        get("dup-1").jsonPath("$.amount").isEqualTo(700).jsonPath("$.status").isEqualTo("CHARGED");
        assertThat(count("select count(*) from charges where order_id = 'dup-1'"))
                .isEqualTo(1);
    }

    @Test
    void healthReportsTheConsumerAndTheRelay() {
        http.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP")
                .jsonPath("$.components.jscontractConsumers.status")
                .isEqualTo("UP")
                .jsonPath("$.components.jscontractConsumers.details.billing.state")
                .isEqualTo("running")
                .jsonPath("$.components.jscontractConsumers.details.billing.stream")
                .isEqualTo("ORDERS")
                .jsonPath("$.components.jscontractOutboxRelay.status")
                .isEqualTo("UP")
                .jsonPath("$.components.jscontractOutboxRelay.details.state")
                .isEqualTo("running")
                .jsonPath("$.components.jscontractOutboxRelay.details.parked")
                .isEqualTo(0);

        http.get()
                .uri("/actuator/jscontract")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.consumers.billing.contract.durable")
                .isEqualTo("billing")
                .jsonPath("$.consumers.billing.serverFindings")
                .isArray()
                .jsonPath("$.consumers.billing.serverFindings[?(@.severity == 'error')]")
                .isEmpty();
    }

    private RestTestClient.ResponseSpec post(String id, long amount) {
        return http.post()
                .uri("/orders")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("id", id, "amount", amount))
                .exchange();
    }

    private RestTestClient.BodyContentSpec get(String id) {
        return http.get()
                .uri("/orders/{id}", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.id")
                .isEqualTo(id);
    }

    private long count(String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? 0 : n;
    }

    private long outboxRows() {
        return count("select count(*) from outbox");
    }

    /** Rows the relay had acknowledged by the stream, stored or duplicate. */
    private double published() {
        return meters.find("jscontract.outbox.published").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    /** Rows the relay had acknowledged by the stream with this outcome ({@code stored} or {@code duplicate}). */
    private double published(String outcome) {
        return meters.find("jscontract.outbox.published").tag("outcome", outcome).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private JetStreamManagement jsm() throws Exception {
        return connection.jetStreamManagement();
    }

    private ConsumerInfo billingInfo() {
        try {
            return jsm().getConsumerInfo("ORDERS", "billing");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long deadLetters() {
        try {
            return jsm().getStreamInfo("DLQ_ORDERS").getStreamState().getMsgCount();
        } catch (JetStreamApiException e) {
            return 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long firstSequence(String stream) throws Exception {
        return jsm().getStreamInfo(stream).getStreamState().getFirstSequence();
    }
}
