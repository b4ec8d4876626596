package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.text.Json;
import io.nats.client.api.StreamState;
import java.util.List;

/**
 * {@code jscontract dlq stats} (also plain {@code jscontract dlq}): dead letters counted by group (consumer x reason
 * x error class + first stack frame), with first and last seen and the group id that {@code list}, {@code replay}
 * and {@code purge} take with {@code --group}. Reads headers only, every matching message once.
 *
 * @param selection the dead-letter streams
 * @param filter which dead letters
 * @param json one JSON document instead of a table
 */
public record DlqStats(DlqSelection selection, DeadLetterFilter filter, boolean json) implements CliCommand {

    @Override
    public int run(Session session) throws Exception {
        List<String> streams = selection.resolve(session);
        StreamReader reader = new StreamReader(session);
        GroupStats stats = new GroupStats();
        MalformedReport malformed = new MalformedReport();
        for (String stream : streams) {
            stats.stream(stream);
            StreamState st = reader.state(stream);
            if (st.getMsgCount() == 0) {
                continue;
            }
            reader.readMatching(stream, st.getFirstSequence(), st.getLastSequence(), true, filter, malformed, d -> {
                stats.add(d);
                return true;
            });
        }
        stats.malformed(malformed.count());
        Terminal term = session.terminal();
        if (json) {
            Json.document(term.out(), stats::json);
        } else if (streams.isEmpty()) {
            term.out().println("no dead-letter streams (DLQ_*) on this server: nothing was dead-lettered yet");
        } else if (stats.total() == 0) {
            term.out()
                    .println("no dead letters" + (filter.isEmpty() ? "" : " match (" + filter.describe() + ")") + " in "
                            + String.join(", ", streams));
        } else {
            term.out()
                    .println(stats.total() + " dead letter" + (stats.total() == 1 ? "" : "s") + " in "
                            + stats.groups().size() + " group" + (stats.groups().size() == 1 ? "" : "s") + " ("
                            + String.join(", ", streams) + ")");
            stats.table().print(term.out(), term.width());
            term.out()
                    .println(
                            "see a group: jscontract dlq list --group ID; replay it: jscontract dlq replay --group ID");
        }
        term.out().flush();
        malformed.print(term.err());
        return ExitCodes.OK;
    }
}
