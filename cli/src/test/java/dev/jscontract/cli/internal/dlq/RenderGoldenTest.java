package dev.jscontract.cli.internal.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import io.nats.client.impl.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table and JSON output of {@code dlq list}, {@code show} and {@code stats}, compared with golden files under
 * {@code src/test/resources/golden/}. Rendering needs no server: the dead letters are built with the envelope
 * builder. Regenerate a golden file by deleting it and running the test once (it writes the file and fails).
 */
class RenderGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final Instant T0 = Instant.parse("2026-11-23T05:50:39.123Z");

    static DeadLetter deadLetter(
            long seq,
            DeadLetterReason reason,
            String errorClass,
            String message,
            String frame,
            byte[] body,
            int minutes) {
        String stack = errorClass + ": " + message + "\n\tat " + frame + "(Billing.java:42)\n\tat java.base/java.lang"
                + ".Thread.run(Thread.java:840)\n";
        DeadLetterEnvelope e = DeadLetterEnvelope.builder()
                .originalStream("ORDERS")
                .originalSubject("orders.created")
                .originalSequence(100 + seq)
                .originalTimestamp(T0.minusSeconds(60))
                .originalHeaders(
                        new Headers().add("Nats-Msg-Id", "order-" + seq).add("Trace-Id", "t-" + seq))
                .consumer("billing")
                .deliveries(reason == DeadLetterReason.HANDLER_ERROR ? 5 : 1)
                .reason(reason)
                .error(errorClass, message)
                .deadLetteredAt(T0.plusSeconds(60L * minutes))
                .instance("billing-7d9f/4242")
                .body(body)
                .build();
        e = e.toBuilder().build();
        DeadLetterEnvelope withStack = DeadLetterEnvelope.read(withStack(e.toHeaders(), stack), body);
        return new DeadLetter("DLQ_ORDERS", seq, T0.plusSeconds(60L * minutes), withStack, body.length);
    }

    private static Headers withStack(Headers h, String stack) {
        h.put(
                "Jsc-Error-Stack",
                stack.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t"));
        return h;
    }

    static List<DeadLetter> sample() {
        byte[] json = "{\"id\":\"o-7\",\"cents\":0}".getBytes(StandardCharsets.UTF_8);
        return List.of(
                deadLetter(
                        3,
                        DeadLetterReason.HANDLER_ERROR,
                        "java.net.SocketTimeoutException",
                        "payment gateway did not answer within 5000 ms (attempt 5 of 5, host pay.internal:443)",
                        "com.acme.billing.PaymentClient.charge",
                        json,
                        12),
                deadLetter(
                        2,
                        DeadLetterReason.POISON,
                        "dev.jscontract.consumer.DecodingException",
                        "payload on subject orders.created is not valid JSON for com.acme.Order",
                        "com.fasterxml.jackson.core.JsonParser._constructError",
                        new byte[] {0x00, (byte) 0xff, 0x41},
                        5),
                deadLetter(
                        1,
                        DeadLetterReason.PERMANENT_ERROR,
                        "dev.jscontract.consumer.PermanentFailure",
                        "order o-7 has no amount",
                        "com.acme.billing.Billing.charge",
                        json,
                        0));
    }

    @Test
    void listTable() throws IOException {
        var t = DlqRender.listTable(false);
        sample().forEach(d -> DlqRender.listRow(t, d, false));
        golden("list.txt", t.render(0));
        golden("list-width-100.txt", t.render(100));
    }

    @Test
    void listJsonLines() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.lines(out)) {
            for (DeadLetter d : sample()) {
                Json.line(g, x -> DlqRender.listJson(x, d));
            }
        }
        golden("list.jsonl", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void showTextOfJsonAndBinaryBodies() throws IOException {
        golden("show-json-body.txt", show(sample().get(0)));
        golden("show-binary-body.txt", show(sample().get(1)));
    }

    @Test
    void showJson() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.document(out, g -> DlqRender.showJson(g, sample().get(1)));
        golden("show.json", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void statsTableAndJson() throws IOException {
        GroupStats stats = new GroupStats();
        stats.stream("DLQ_ORDERS");
        sample().forEach(stats::add);
        stats.add(deadLetter(
                4,
                DeadLetterReason.PERMANENT_ERROR,
                "dev.jscontract.consumer.PermanentFailure",
                "order o-8 has no amount",
                "com.acme.billing.Billing.charge",
                new byte[0],
                30));
        golden("stats.txt", stats.table().render(0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.document(out, stats::json);
        golden("stats.json", out.toString(StandardCharsets.UTF_8));
    }

    private static String show(DeadLetter d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DlqRender.showText(new PrintStream(out, true, StandardCharsets.UTF_8), d);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void golden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (!Files.exists(file)) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual);
            throw new AssertionError("wrote missing golden file " + file + "; check it and run again");
        }
        assertThat(actual).as(name).isEqualTo(Files.readString(file));
    }
}
