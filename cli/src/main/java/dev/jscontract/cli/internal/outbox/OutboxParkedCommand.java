package dev.jscontract.cli.internal.outbox;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.dlq.DlqRender;
import dev.jscontract.cli.internal.text.Bodies;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.ParkedRow;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@code jscontract outbox parked [ID]}: the parked rows (oldest first: id, parked at, subject, reason, attempts,
 * error, message id; JSON lines with {@code --json}), or one row with its headers and payload. A row whose headers
 * are not in the documented format is listed all the same, its headers shown as stored.
 *
 * @param db the outbox
 * @param id the row to show, or null to list
 * @param limit how many to list
 * @param json JSON instead of text
 */
public record OutboxParkedCommand(OutboxDb db, @Nullable Long id, int limit, boolean json) implements CliCommand {

    @Override
    public int run(Session session) throws Exception {
        OutboxAdmin admin = db.admin();
        Terminal t = session.terminal();
        try {
            if (id != null) {
                Optional<ParkedRow> row = admin.parkedRow(id);
                if (row.isEmpty()) {
                    throw CliException.unavailable(
                            "row " + id + " is not parked in " + db.tables().qualifiedParkedTable() + "; list the"
                                    + " parked rows with `jscontract outbox parked`",
                            null);
                }
                if (json) {
                    Json.document(t.out(), g -> json(g, row.get(), true));
                } else {
                    show(t, row.get());
                }
                return ExitCodes.OK;
            }
            List<ParkedRow> rows = admin.parked(limit);
            if (json) {
                try (JsonGenerator g = Json.lines(t.out())) {
                    for (ParkedRow r : rows) {
                        Json.line(g, x -> json(x, r, false));
                    }
                }
            } else if (rows.isEmpty()) {
                t.out().println("no parked rows in " + db.tables().qualifiedParkedTable());
            } else {
                Table table = new Table("ID", "PARKED AT", "SUBJECT", "REASON", "ATTEMPTS", "ERROR", "MESSAGE ID")
                        .flexible("ERROR", "MESSAGE ID")
                        .right("ID", "ATTEMPTS");
                for (ParkedRow r : rows) {
                    table.row(
                            Long.toString(r.getId()),
                            DlqRender.time(r.getParkedAt()),
                            r.getSubject(),
                            r.getReason() + (r.hasValidHeaders() ? "" : " (bad headers)"),
                            Integer.toString(r.getAttempts()),
                            r.getError(),
                            r.getMessageId());
                }
                table.print(t.out(), t.width());
                if (rows.size() == limit) {
                    t.out().println("showing the oldest " + limit + "; raise --limit to see more");
                }
            }
            t.out().flush();
            return ExitCodes.OK;
        } catch (SQLException e) {
            throw db.failure("read the parked rows", e);
        }
    }

    private static void show(Terminal t, ParkedRow r) {
        byte[] payload = r.getPayload();
        t.out().println("Parked row " + r.getId());
        Table f = new Table("FIELD", "VALUE");
        f.row("subject", r.getSubject());
        f.row("message id", r.getMessageId());
        f.row("ordering key", r.getOrderingKey());
        f.row("written", r.getCreatedAt().toString());
        f.row("parked", r.getParkedAt() + " after " + r.getAttempts() + " attempt" + (r.getAttempts() == 1 ? "" : "s"));
        f.row("reason", r.getReason());
        f.row("error", r.getError());
        f.row("payload", payload.length + " bytes, " + Bodies.kind(payload));
        for (String line : f.render(0).split("\n")) {
            if (!line.startsWith("FIELD")) {
                t.out().println("  " + line);
            }
        }
        t.out().println();
        t.out().println("Headers");
        if (!r.hasValidHeaders()) {
            t.out().println("  (not in the documented format; as stored) " + r.getHeadersJson());
        } else if (r.getHeaders().isEmpty()) {
            t.out().println("  (none)");
        }
        for (Map.Entry<String, List<String>> h : r.getHeaders().entrySet()) {
            for (String v : h.getValue()) {
                t.out().println("  " + h.getKey() + ": " + v);
            }
        }
        t.out().println();
        t.out().println("Payload");
        t.out().print(Bodies.indented(payload));
        t.out().flush();
    }

    private static void json(JsonGenerator g, ParkedRow r, boolean withPayload) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", r.getId());
        g.writeStringField("subject", r.getSubject());
        g.writeStringField("messageId", r.getMessageId());
        Json.field(g, "orderingKey", r.getOrderingKey());
        Json.field(g, "createdAt", r.getCreatedAt());
        Json.field(g, "parkedAt", r.getParkedAt());
        g.writeNumberField("attempts", r.getAttempts());
        g.writeStringField("reason", r.getReason());
        Json.field(g, "error", r.getError());
        g.writeBooleanField("validHeaders", r.hasValidHeaders());
        if (r.hasValidHeaders()) {
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, List<String>> h : r.getHeaders().entrySet()) {
                g.writeArrayFieldStart(h.getKey());
                for (String v : h.getValue()) {
                    g.writeString(v);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } else {
            Json.field(g, "headersAsStored", r.getHeadersJson());
        }
        byte[] payload = r.getPayload();
        g.writeNumberField("payloadSize", payload.length);
        if (withPayload) {
            String text = Bodies.utf8(payload);
            if (text != null) {
                g.writeStringField("payload", text);
            } else {
                g.writeBinaryField("payloadBase64", payload);
            }
        }
        g.writeEndObject();
    }
}
