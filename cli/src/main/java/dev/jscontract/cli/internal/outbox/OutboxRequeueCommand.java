package dev.jscontract.cli.internal.outbox;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.outbox.OutboxAdmin;
import java.sql.SQLException;
import java.util.List;

/**
 * {@code jscontract outbox requeue ID... | --all}: moves parked rows back into the outbox (same id and message id,
 * zero attempts), so a relay publishes them at once; asks first (a script passes {@code -f}). Ids that are not
 * parked are reported and make the exit code 1.
 *
 * @param db the outbox
 * @param ids the rows, empty with {@code all}
 * @param all every parked row
 * @param force no confirmation
 * @param json a JSON summary
 */
public record OutboxRequeueCommand(OutboxDb db, List<Long> ids, boolean all, boolean force, boolean json)
        implements CliCommand {

    /** Copies the list. */
    public OutboxRequeueCommand {
        ids = List.copyOf(ids);
    }

    @Override
    public int run(Session session) throws Exception {
        OutboxAdmin admin = db.admin();
        Terminal t = session.terminal();
        try {
            long parked = admin.status().getParked();
            String what =
                    all ? "all " + parked + " parked rows" : ids.size() + " parked row" + (ids.size() == 1 ? "" : "s");
            if (!force) {
                if (!t.isInteractive()) {
                    throw CliException.usage(
                            "refusing to requeue " + what + " of " + db.tables().qualifiedParkedTable()
                                    + " without confirmation: standard input is not a terminal; add -f/--force");
                }
                if (!t.confirm("Requeue " + what + "? A relay publishes them at once.")) {
                    t.err().println("nothing requeued");
                    return ExitCodes.OK;
                }
            }
            int moved = all ? admin.requeueAll() : admin.requeue(ids);
            long asked = all ? parked : ids.size();
            if (json) {
                Json.document(t.out(), g -> {
                    g.writeStartObject();
                    g.writeNumberField("requested", asked);
                    g.writeNumberField("requeued", moved);
                    g.writeEndObject();
                });
            } else {
                t.out()
                        .println("requeued " + moved + " of " + asked + " row" + (asked == 1 ? "" : "s") + " into "
                                + db.tables().qualifiedTable()
                                + (!all && moved < ids.size()
                                        ? "; " + (ids.size() - moved)
                                                + " of the given ids are not parked (see `jscontract outbox"
                                                + " parked`)"
                                        : ""));
            }
            t.out().flush();
            return !all && moved < ids.size() ? ExitCodes.FINDINGS : ExitCodes.OK;
        } catch (SQLException e) {
            throw db.failure("requeue parked rows", e);
        }
    }
}
