package dev.jscontract.cli.internal.dlq;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.internal.text.Bodies;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import dev.jscontract.contract.DeadLetterEnvelope;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How dead letters look: the {@code list} table and JSON lines, the {@code show} page and document, the {@code
 * stats} table and document. Pure functions of their input (no server), golden-tested.
 */
public final class DlqRender {
    private DlqRender() {}

    /** The {@code list} table; with {@code withStream} a first column names the dead-letter stream. */
    public static Table listTable(boolean withStream) {
        Table t = withStream
                ? new Table("STREAM", "SEQ", "DEAD-LETTERED", "CONSUMER", "REASON", "DELIV", "ERROR", "ORIGINAL")
                : new Table("SEQ", "DEAD-LETTERED", "CONSUMER", "REASON", "DELIV", "ERROR", "ORIGINAL");
        return t.flexible("ERROR", "ORIGINAL").right("SEQ", "DELIV");
    }

    /** Adds a dead letter to a {@link #listTable}. */
    public static void listRow(Table t, DeadLetter d, boolean withStream) {
        DeadLetterEnvelope e = d.envelope();
        String[] cells = {
            Long.toString(d.sequence()),
            time(e.getDeadLetteredAt()),
            e.getOriginalStream() + "/" + e.getConsumer(),
            e.getReason().wireValue(),
            Long.toString(e.getDeliveries()),
            shortSummary(d),
            e.getOriginalSubject() + " #" + e.getOriginalSequence()
        };
        if (withStream) {
            String[] w = new String[cells.length + 1];
            w[0] = d.dlqStream();
            System.arraycopy(cells, 0, w, 1, cells.length);
            t.row(w);
        } else {
            t.row(cells);
        }
    }

    /** One {@code list --json} line. */
    public static void listJson(JsonGenerator g, DeadLetter d) throws IOException {
        DeadLetterEnvelope e = d.envelope();
        g.writeStartObject();
        g.writeStringField("dlqStream", d.dlqStream());
        g.writeNumberField("sequence", d.sequence());
        Json.field(g, "deadLetteredAt", e.getDeadLetteredAt());
        g.writeStringField("consumer", e.getConsumer());
        g.writeStringField("reason", e.getReason().wireValue());
        g.writeNumberField("deliveries", e.getDeliveries());
        Json.field(g, "errorClass", e.getErrorClass().orElse(null));
        Json.field(g, "errorMessage", e.getErrorMessage().orElse(null));
        g.writeStringField("originalStream", e.getOriginalStream());
        g.writeStringField("originalSubject", e.getOriginalSubject());
        g.writeNumberField("originalSequence", e.getOriginalSequence());
        Json.field(g, "originalTimestamp", e.getOriginalTimestamp());
        Json.field(g, "originalMsgId", e.getOriginalMsgId().orElse(null));
        g.writeStringField("group", d.group().id());
        g.writeStringField("instance", e.getInstance());
        g.writeNumberField("bodySize", d.bodySize());
        g.writeEndObject();
    }

    /** The list column: the error class without its package, and the message. */
    static @Nullable String shortSummary(DeadLetter d) {
        String cls = d.envelope().getErrorClass().orElse(null);
        if (cls == null) {
            return null;
        }
        String msg = d.envelope().getErrorMessage().orElse(null);
        return GroupKey.simple(cls) + (msg == null || msg.isEmpty() ? "" : ": " + msg);
    }

    /** The {@code show} page of one dead letter (with its body). */
    public static void showText(PrintStream out, DeadLetter d) {
        DeadLetterEnvelope e = d.envelope();
        byte[] body = e.getBody();
        GroupKey group = d.group();
        out.println("Dead letter " + d.dlqStream() + ":" + d.sequence());
        Table t = new Table("FIELD", "VALUE");
        t.row("dead-lettered at", e.getDeadLetteredAt() + " by " + e.getInstance());
        t.row("consumer", e.getOriginalStream() + "/" + e.getConsumer());
        t.row(
                "reason",
                e.getReason().wireValue() + " after " + e.getDeliveries() + " deliver"
                        + (e.getDeliveries() == 1 ? "y" : "ies"));
        t.row("error", d.errorSummary());
        t.row("group", group.id() + " (" + group.error() + ")");
        t.row(
                "original",
                e.getOriginalSubject() + " #" + e.getOriginalSequence() + " in " + e.getOriginalStream() + ", stored "
                        + e.getOriginalTimestamp());
        t.row("original msg id", e.getOriginalMsgId().orElse(null));
        t.row("body", body.length + " bytes, " + Bodies.kind(body));
        for (String line : t.render(0).split("\n", -1)) {
            if (!line.isEmpty() && !line.startsWith("FIELD")) {
                out.println("  " + line);
            }
        }
        out.println();
        out.println("Original headers");
        if (e.getOriginalHeaders().isEmpty()) {
            out.println("  (none)");
        }
        for (Map.Entry<String, List<String>> h : e.getOriginalHeaders().entrySet()) {
            for (String v : h.getValue()) {
                out.println("  " + h.getKey() + ": " + v);
            }
        }
        out.println();
        out.println("Stack");
        String stack = e.getErrorStack().orElse("(none)");
        for (String line : stack.split("\\r?\\n")) {
            out.println("  " + line);
        }
        out.println();
        out.println("Body");
        out.print(Bodies.indented(body));
    }

    /** The {@code show --json} document. */
    public static void showJson(JsonGenerator g, DeadLetter d) throws IOException {
        DeadLetterEnvelope e = d.envelope();
        byte[] body = e.getBody();
        g.writeStartObject();
        g.writeStringField("dlqStream", d.dlqStream());
        g.writeNumberField("sequence", d.sequence());
        Json.field(g, "storedAt", d.storedAt());
        Json.field(g, "deadLetteredAt", e.getDeadLetteredAt());
        g.writeStringField("instance", e.getInstance());
        g.writeStringField("consumer", e.getConsumer());
        g.writeStringField("reason", e.getReason().wireValue());
        g.writeNumberField("deliveries", e.getDeliveries());
        Json.field(g, "errorClass", e.getErrorClass().orElse(null));
        Json.field(g, "errorMessage", e.getErrorMessage().orElse(null));
        Json.field(g, "errorStack", e.getErrorStack().orElse(null));
        g.writeStringField("group", d.group().id());
        g.writeStringField("originalStream", e.getOriginalStream());
        g.writeStringField("originalSubject", e.getOriginalSubject());
        g.writeNumberField("originalSequence", e.getOriginalSequence());
        Json.field(g, "originalTimestamp", e.getOriginalTimestamp());
        Json.field(g, "originalMsgId", e.getOriginalMsgId().orElse(null));
        g.writeObjectFieldStart("originalHeaders");
        for (Map.Entry<String, List<String>> h : e.getOriginalHeaders().entrySet()) {
            g.writeArrayFieldStart(h.getKey());
            for (String v : h.getValue()) {
                g.writeString(v);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeNumberField("bodySize", body.length);
        String text = Bodies.utf8(body);
        if (text != null) {
            g.writeStringField("body", text);
        } else {
            g.writeBinaryField("bodyBase64", body);
        }
        g.writeEndObject();
    }

    /** A time for tables: ISO-8601 UTC to the second. */
    public static String time(@Nullable Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
