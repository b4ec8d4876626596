package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import io.nats.client.api.StreamState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code jscontract dlq purge SEQ... | --group ID | --all}: counts what would be deleted, asks (a script passes
 * {@code -f}), then deletes exactly the counted dead letters. The range is fixed first, so dead letters that arrive
 * meanwhile are not deleted and the count shown is the count deleted (unless another tool deleted some meanwhile;
 * the summary says so). {@code --all} without filters purges the stream up to the fixed last sequence in one
 * request; otherwise each counted dead letter is deleted by sequence.
 *
 * @param selection the dead-letter streams
 * @param filter which dead letters (sequences, group, filters)
 * @param force no confirmation
 * @param json a JSON summary instead of text
 */
public record DlqPurge(DlqSelection selection, DeadLetterFilter filter, boolean force, boolean json)
        implements CliCommand {

    @Override
    public int run(Session session) throws Exception {
        Terminal term = session.terminal();
        List<String> streams = selection.resolve(session);
        StreamReader reader = new StreamReader(session);
        List<Plan> plans = new ArrayList<>();
        List<Long> wholeCounts = new ArrayList<>();
        long total = 0;
        for (String stream : streams) {
            if (filter.isEmpty()) {
                StreamState st = reader.state(stream);
                long n = st.getMsgCount();
                plans.add(new Plan(
                        stream,
                        st.getFirstSequence(),
                        st.getFirstSequence(),
                        st.getLastSequence(),
                        n,
                        java.util.Map.of(),
                        null,
                        new MalformedReport()));
                wholeCounts.add(n);
                total += n;
            } else {
                Plan p = Plan.of(reader, stream, filter, true, null);
                plans.add(p);
                wholeCounts.add(-1L);
                total += p.matched();
            }
        }
        if (total == 0) {
            if (json) {
                Json.document(term.out(), g -> summary(g, 0, 0, 0, 0));
            } else {
                term.out()
                        .println("nothing to purge: no dead letters match (" + filter.describe() + ") in "
                                + (streams.isEmpty() ? "any dead-letter stream" : String.join(", ", streams)));
            }
            return ExitCodes.OK;
        }
        Table preview = new Table("DLQ STREAM", "TO DELETE").right("TO DELETE");
        for (Plan p : plans) {
            preview.row(p.stream(), Long.toString(p.matched()));
        }
        String what = total + " dead letter" + (total == 1 ? "" : "s") + " (" + filter.describe() + ")";
        if (!force) {
            if (!term.isInteractive()) {
                throw CliException.usage("refusing to purge " + what + " without confirmation: standard input is not"
                        + " a terminal; add -f/--force");
            }
            preview.print(term.err(), term.width());
            if (!term.confirm("Delete " + what + "? This cannot be undone.")) {
                term.err().println("nothing deleted");
                return ExitCodes.OK;
            }
        }
        ReplayIo io = new NatsReplayIo(session);
        AtomicLong deleted = new AtomicLong();
        AtomicLong gone = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            if (p.matched() == 0) {
                continue;
            }
            if (wholeCounts.get(i) >= 0) {
                long purged = io.purgeBelow(p.stream(), p.end() + 1);
                deleted.addAndGet(purged);
                gone.addAndGet(Math.max(0, p.matched() - purged));
                continue;
            }
            List<CompletableFuture<Boolean>> pending = new ArrayList<>();
            for (long seq : p.sequences()) {
                pending.add(io.delete(p.stream(), seq).whenComplete((ok, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        synchronized (failures) {
                            if (failures.size() < 10) {
                                failures.add(p.stream() + ":" + seq + ": " + e.getMessage());
                            }
                        }
                    } else if (ok) {
                        deleted.incrementAndGet();
                    } else {
                        gone.incrementAndGet();
                    }
                }));
                if (pending.size() >= 1000) {
                    await(pending, session);
                }
            }
            await(pending, session);
        }
        if (json) {
            long t = total;
            Json.document(term.out(), g -> summary(g, t, deleted.get(), gone.get(), failed.get()));
        } else {
            term.out()
                    .println("deleted " + deleted.get() + " of " + total + " dead letter" + (total == 1 ? "" : "s")
                            + " from " + String.join(", ", streams)
                            + (gone.get() > 0 ? "; " + gone.get() + " were already gone (deleted by someone else)" : "")
                            + (failed.get() > 0 ? "; " + failed.get() + " could not be deleted" : ""));
            failures.forEach(f -> term.out().println("  " + f));
        }
        return failed.get() > 0 ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    private static void await(List<CompletableFuture<Boolean>> pending, Session session) throws InterruptedException {
        long waitMillis = session.timeout().toMillis() * 2 + 5_000;
        try {
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                    .get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // each failure was counted by its own callback
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CliException(
                    ExitCodes.FINDINGS,
                    "deletes got no answer within " + waitMillis + " ms; see what is left with `jscontract dlq stats`",
                    e);
        }
        pending.clear();
    }

    private static void summary(
            com.fasterxml.jackson.core.JsonGenerator g, long selected, long deleted, long gone, long failed)
            throws java.io.IOException {
        g.writeStartObject();
        g.writeNumberField("selected", selected);
        g.writeNumberField("deleted", deleted);
        g.writeNumberField("alreadyGone", gone);
        g.writeNumberField("failed", failed);
        g.writeEndObject();
    }
}
