package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.PublishOptions;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs every example of README's "Operate dead letters" section (the {@code console} blocks after a {@code <!--
 * cli-example -->} marker) against a fresh nats-server and PostgreSQL whose dead letters the real consumer runtime
 * wrote, and compares the output with the README: times are compared as {@code <time>}, the replay's duration and
 * rate as {@code <took>}, a README line {@code ...} stands for any number of lines, and a last line {@code (exit N)}
 * is the exit code when it is not 0. With
 * {@code -Djsc.readme.record=true} it writes the actual output to {@code target/readme-cli-examples.md} instead of
 * failing on the first difference.
 */
@WithNatsServer(perTest = true)
@WithPostgres
class CliReadmeIT {
    private static final Pattern BLOCK =
            Pattern.compile("<!-- cli-example -->\\s*```console\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyExampleOfTheOperateDeadLettersSectionRunsAsShown(NatsServer server, PostgresDatabase db)
            throws Exception {
        setUp(server, db);
        String readme = Files.readString(Path.of("../README.md"));
        Matcher m = BLOCK.matcher(readme);
        List<String> commands = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        while (m.find()) {
            String current = null;
            StringBuilder out = new StringBuilder();
            for (String line : m.group(1).split("\n", -1)) {
                if (line.startsWith("$ jscontract ")) {
                    if (current != null) {
                        commands.add(current);
                        expected.add(out.toString().replaceFirst("\n$", ""));
                    }
                    current = line.substring("$ jscontract ".length());
                    out = new StringBuilder();
                } else if (current != null) {
                    out.append(line).append('\n');
                }
            }
            if (current != null) {
                commands.add(current);
                expected.add(out.toString().replaceFirst("\n$", ""));
            }
        }
        assertThat(commands).as("README examples").hasSizeGreaterThanOrEqualTo(10);
        CliRun cli = CliRun.at(server.url()).width(140);
        StringBuilder record = new StringBuilder();
        boolean recording = Boolean.getBoolean("jsc.readme.record");
        for (int i = 0; i < commands.size(); i++) {
            List<String> args = new ArrayList<>();
            for (String a : commands.get(i).split(" +")) {
                args.add(
                        switch (a) {
                            case "billing.json" ->
                                Path.of("src/test/resources/readme/billing.json")
                                        .toString();
                            case "jdbc:postgresql://db:5432/app" -> db.jdbcUrl();
                            default -> a;
                        });
            }
            CliRun.Result r = cli.run(args.toArray(String[]::new));
            String actual = r.out() + r.err() + (r.code() == 0 ? "" : "(exit " + r.code() + ")\n");
            record.append("$ jscontract ").append(commands.get(i)).append('\n').append(actual);
            actual = normalize(actual);
            if (!recording) {
                assertThat(matches(normalize(expected.get(i)), actual))
                        .as("README output of `jscontract " + commands.get(i) + "`; actual:\n" + actual)
                        .isTrue();
            }
        }
        if (recording) {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/readme-cli-examples.md"), record.toString());
        }
    }

    private static void setUp(NatsServer server, PostgresDatabase db) throws Exception {
        try (Connection nc = server.connect()) {
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("ORDERS")
                            .subjects("orders.>")
                            .build());
            ConsumerContract contract = ConsumerContract.builder().stream("ORDERS")
                    .durable("billing")
                    .ackWait(Duration.ofSeconds(30))
                    .maxDeliver(5)
                    .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)))
                    .deadLetter(DeadLetterPolicy.toDefaultSubject())
                    .filterSubject("orders.>")
                    .maxAckPending(64)
                    .concurrency(1)
                    .build();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(Order.class, (order, message) -> ReadmeBilling.charge(order))
                    .instance("billing-1")
                    .noDeadLetterRateGuard()
                    .build()) {
                consumer.start();
                publish(nc, "orders.created", "{\"id\":\"o-1\",\"cents\":1999}", "o-1");
                publish(nc, "orders.created", "{\"id\":\"o-7\",\"cents\":0}", "o-7");
                publish(nc, "orders.created", "not json", "o-8");
                publish(nc, "orders.updated", "{\"id\":\"o-9\",\"cents\":0}", "o-9");
                DeadLetters.await("3 dead letters", Duration.ofSeconds(20), () -> {
                    try {
                        return nc.jetStreamManagement()
                                        .getStreamInfo("DLQ_ORDERS")
                                        .getStreamState()
                                        .getMsgCount()
                                == 3;
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
            OutboxSchema.install(db.dataSource());
            try (java.sql.Connection c = db.connection()) {
                OutboxWriter.create()
                        .write(
                                c,
                                OutboxMessage.builder()
                                        .subject("payments.requested")
                                        .payload("{\"order\":\"o-7\"}".getBytes(StandardCharsets.UTF_8))
                                        .messageId("payment-o-7")
                                        .build());
            }
            try (OutboxRelay relay = OutboxRelay.builder()
                    .connection(nc)
                    .dataSource(db.dataSource())
                    .maxAttempts(1)
                    .build()) {
                relay.start();
                OutboxAdmin admin = OutboxAdmin.create(db.dataSource());
                DeadLetters.await("the row without a stream parked", Duration.ofSeconds(30), () -> {
                    try {
                        return admin.status().getParked() == 1;
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
    }

    private static void publish(Connection nc, String subject, String body, String id) throws Exception {
        nc.jetStream()
                .publish(
                        subject,
                        new io.nats.client.impl.Headers().add("Trace-Id", "trace-" + id),
                        body.getBytes(StandardCharsets.UTF_8),
                        PublishOptions.builder().messageId("order-" + id).build());
    }

    static String normalize(String s) {
        return s.replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?Z", "<time>")
                .replaceAll(" in \\S+ \\(\\d+/s\\)", " in <took>")
                .replaceAll("(?m)[ \t]+$", "");
    }

    /** Line-by-line equality, where an expected line {@code ...} matches any number of actual lines. */
    static boolean matches(String expected, String actual) {
        return match(expected.split("\n", -1), 0, actual.split("\n", -1), 0);
    }

    private static boolean match(String[] e, int i, String[] a, int j) {
        if (i == e.length) {
            return j == a.length;
        }
        if (e[i].strip().equals("...")) {
            for (int k = j; k <= a.length; k++) {
                if (match(e, i + 1, a, k)) {
                    return true;
                }
            }
            return false;
        }
        return j < a.length && e[i].equals(a[j]) && match(e, i + 1, a, j + 1);
    }
}
