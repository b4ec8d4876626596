package dev.jscontract.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.PermanentFailure;
import dev.jscontract.consumer.inbox.Inbox;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractLinter;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.LintReport;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.outbox.JacksonPayloadCodec;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.outbox.PayloadCodec;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.PostgresDatabases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The end-to-end demo: orders are written to PostgreSQL with their events in the same transaction (the outbox),
 * the relay publishes the events to JetStream with idempotent message ids, and a {@link ContractConsumer} charges
 * each order exactly once (inbox) under a linted contract: a flaky order is retried with backoff and succeeds, an
 * order without an amount and an undecodable event are dead-lettered with full metadata.
 *
 * <p>Run it with {@code ./mvnw -B -q -Pdemo -pl examples -am package -DskipTests}. It starts its own nats-server
 * (the {@code nats-server} on PATH, as the tests do) and creates, then drops, its own database on the local
 * PostgreSQL (127.0.0.1:5432). It exits non-zero when the outcome is not the expected one.
 */
public final class OrdersDemo {
    private static final int ORDERS = 20;
    private static final int NO_AMOUNT = 7; // permanent failure: dead-lettered at once
    private static final int FLAKY = 13; // fails twice, then succeeds
    private static final int GARBLED = 17; // the event is not JSON: poison

    /** An order event. */
    public record OrderCreated(int orderId, long cents) {}

    private OrdersDemo() {}

    /** Runs the demo; throws when the outcome is not the expected one. */
    public static void main(String[] args) throws Exception {
        System.out.println("== jscontract demo: outbox -> JetStream -> contract consumer");
        try (NatsServer server = NatsServers.start();
                PostgresDatabase db = PostgresDatabases.create("orders demo");
                Connection nc = server.connect()) {
            System.out.println("nats-server " + server.version() + " at " + server.url() + ", database " + db.name());
            run(nc, db.dataSource());
        }
    }

    private static void run(Connection nc, DataSource dataSource) throws Exception {
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name("ORDERS")
                        .subjects("orders.>")
                        .retentionPolicy(RetentionPolicy.WorkQueue)
                        .duplicateWindow(Duration.ofMinutes(2))
                        .build());

        // 1. The contract, linted for the server we run against, and its timeline.
        ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(10))
                .maxDeliver(4)
                .backoff(Backoff.exponential(Duration.ofMillis(200), 2.0, Duration.ofSeconds(2)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .filterSubject("orders.created")
                .maxAckPending(16)
                .concurrency(4)
                .expectedP99(Duration.ofMillis(100))
                .maxProcessingTime(Duration.ofSeconds(30))
                .build();
        LintReport lint = ContractLinter.lint(contract, ServerVersion.of(nc));
        System.out.println();
        System.out.print(lint.toText());
        if (lint.hasErrors()) {
            throw new IllegalStateException("the demo contract has lint errors");
        }
        System.out.println();
        System.out.print(contract.explain().toText());

        // 2. The application's tables, the outbox and the inbox.
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create table orders (id int primary key, cents bigint not null)");
            st.execute("create table charges (order_id int primary key, cents bigint not null)");
        }
        OutboxSchema.install(dataSource);
        Inbox inbox = Inbox.create();
        inbox.install(dataSource);

        // 3. Orders and their events commit together.
        OutboxWriter outbox = OutboxWriter.create();
        PayloadCodec json = JacksonPayloadCodec.of(new ObjectMapper());
        for (int id = 1; id <= ORDERS; id++) {
            long cents = id == NO_AMOUNT ? 0 : 1000L + id;
            try (java.sql.Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("insert into orders values (" + id + ", " + cents + ")");
                }
                OutboxMessage.Builder event = id == GARBLED
                        ? OutboxMessage.builder()
                                .subject("orders.created")
                                .payload("{order 17, oops".getBytes(StandardCharsets.UTF_8))
                        : OutboxMessage.builder().subject("orders.created").payload(new OrderCreated(id, cents), json);
                outbox.write(c, event.messageId("order-" + id + "-created").build());
                c.commit();
            }
        }
        System.out.println();
        System.out.println("wrote " + ORDERS + " orders with their events in the outbox");

        // 4. Relay and consumer.
        MeterRegistry registry = new SimpleMeterRegistry();
        Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
        Map<String, Long> outcomes = new TreeMap<>();
        long published;
        try (OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(dataSource)
                        .streams("ORDERS")
                        .meterRegistry(registry)
                        .build();
                ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                        .handler(OrderCreated.class, (order, message) -> {
                            int attempt = attempts.computeIfAbsent(order.orderId(), k -> new AtomicInteger())
                                    .incrementAndGet();
                            if (order.cents() <= 0) {
                                throw new PermanentFailure("order " + order.orderId() + " has no amount");
                            }
                            if (order.orderId() == FLAKY && attempt <= 2) {
                                throw new IllegalStateException("payment provider timed out (attempt " + attempt + ")");
                            }
                            inbox.runOnce(dataSource, "billing", message, tx -> {
                                try (Statement st = tx.createStatement()) {
                                    st.execute("insert into charges values (" + order.orderId() + ", " + order.cents()
                                            + ")");
                                }
                            });
                        })
                        .metrics(MicrometerConsumerMetrics.create(registry, contract))
                        .build()) {
            relay.start();
            consumer.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && (charges(dataSource) < ORDERS - 2 || deadLetters(nc) < 2)) {
                Thread.sleep(200);
            }
            // read the meters while their owners are open (closing them removes their meters)
            registry.find("jscontract.consumer.messages")
                    .counters()
                    .forEach(c -> outcomes.merge(c.getId().getTag("outcome"), (long) c.count(), Long::sum));
            published = (long) registry.find("jscontract.outbox.published").counters().stream()
                    .mapToDouble(Counter::count)
                    .sum();
            consumer.drain(Duration.ofSeconds(10));
        }

        // 5. What happened.
        int charged = charges(dataSource);
        List<DeadLetterEnvelope> dead = readDeadLetters(nc);
        System.out.println();
        System.out.println("charged " + charged + " orders (each exactly once, by the inbox)");
        System.out.println("consumer outcomes: " + outcomes);
        System.out.println("outbox published: " + published + " events");
        System.out.println("order " + FLAKY + " took " + attempts.get(FLAKY) + " attempts (retried with backoff)");
        System.out.println("dead letters in DLQ_ORDERS:");
        for (DeadLetterEnvelope e : dead) {
            System.out.println("  " + e.messageId() + ": reason " + e.getReason() + ", deliveries "
                    + e.getDeliveries() + ", " + e.getErrorClass().orElse("-") + ": "
                    + e.getErrorMessage().orElse("-") + ", original id "
                    + e.getOriginalMsgId().orElse("-"));
        }

        List<String> problems = new ArrayList<>();
        if (charged != ORDERS - 2) {
            problems.add("expected " + (ORDERS - 2) + " charges but found " + charged);
        }
        if (published != ORDERS) {
            problems.add("expected the relay to publish " + ORDERS + " events but it published " + published);
        }
        if (dead.size() != 2) {
            problems.add("expected 2 dead letters but found " + dead.size());
        }
        if (attempts.get(FLAKY) == null || attempts.get(FLAKY).get() != 3) {
            problems.add("expected order " + FLAKY + " to succeed on its third attempt");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the demo did not end as expected: " + problems);
        }
        System.out.println();
        System.out.println("OK: every committed order was published once, charged once or dead-lettered with a reason");
    }

    private static int charges(DataSource dataSource) throws Exception {
        try (java.sql.Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from charges")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long deadLetters(Connection nc) throws Exception {
        try {
            return nc.jetStreamManagement()
                    .getStreamInfo("DLQ_ORDERS")
                    .getStreamState()
                    .getMsgCount();
        } catch (io.nats.client.JetStreamApiException e) {
            return 0; // the stream appears when the consumer starts
        }
    }

    private static List<DeadLetterEnvelope> readDeadLetters(Connection nc) throws Exception {
        nc.jetStreamManagement()
                .addOrUpdateConsumer(
                        "DLQ_ORDERS",
                        ConsumerConfiguration.builder().durable("demo-reader").build());
        JetStreamSubscription sub =
                nc.jetStream().subscribe(null, PullSubscribeOptions.bind("DLQ_ORDERS", "demo-reader"));
        List<DeadLetterEnvelope> out = new ArrayList<>();
        for (Message m : sub.fetch(10, Duration.ofSeconds(1))) {
            out.add(DeadLetterEnvelope.read(m));
            m.ack();
        }
        return out;
    }
}
