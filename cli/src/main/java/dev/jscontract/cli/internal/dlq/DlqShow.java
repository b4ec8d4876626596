package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.internal.text.Json;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.util.List;

/**
 * {@code jscontract dlq show SEQ}: every envelope field, the original headers, the stack and the body (pretty JSON,
 * text, or a hex dump); {@code --raw} writes the body bytes alone, {@code --json} one document (the body as text
 * when it is UTF-8, else base64).
 *
 * @param selection the dead-letter stream (one must be selected, or be the only one)
 * @param sequence the sequence in it
 * @param raw the body bytes alone
 * @param json one JSON document
 */
public record DlqShow(DlqSelection selection, long sequence, boolean raw, boolean json) implements CliCommand {

    @Override
    public int run(Session session) throws Exception {
        List<String> streams = selection.resolve(session);
        if (streams.isEmpty()) {
            throw CliException.unavailable(
                    "there is no dead-letter stream on this server; nothing was dead-lettered yet", null);
        }
        if (streams.size() > 1) {
            throw CliException.usage(
                    "sequence " + sequence + " is ambiguous: " + streams.size() + " dead-letter streams" + " exist ("
                            + String.join(", ", streams) + "); add --dlq-stream or --stream");
        }
        String stream = streams.get(0);
        JetStreamManagement jsm = Js.management(session);
        MessageInfo mi;
        try {
            mi = jsm.getMessage(stream, sequence);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == Js.NO_MESSAGE_FOUND || e.getErrorCode() == 404) {
                StreamState st = new StreamReader(session).state(stream);
                throw CliException.unavailable(
                        stream + " has no message " + sequence + " (it holds " + st.getMsgCount() + " message(s)"
                                + (st.getMsgCount() > 0
                                        ? ", sequences " + st.getFirstSequence() + " to " + st.getLastSequence()
                                        : "")
                                + "); list them with `jscontract dlq list --dlq-stream " + stream + "`",
                        e);
            }
            throw Js.apiError("read " + stream + ":" + sequence, e);
        } catch (IOException e) {
            throw Js.io("read " + stream + ":" + sequence, e);
        }
        Scanned s =
                StreamReader.parse(stream, sequence, mi.getTime().toInstant(), mi.getHeaders(), mi.getData(), false);
        if (s instanceof Malformed bad) {
            throw CliException.unavailable(bad.describe(), null);
        }
        DeadLetter d = (DeadLetter) s;
        if (raw) {
            session.terminal().out().write(d.envelope().getBody());
        } else if (json) {
            Json.document(session.terminal().out(), g -> DlqRender.showJson(g, d));
        } else {
            DlqRender.showText(session.terminal().out(), d);
        }
        session.terminal().out().flush();
        return ExitCodes.OK;
    }
}
