package dev.jscontract.cli.internal.dlq;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.text.Durations;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Progress;
import dev.jscontract.cli.internal.text.Table;
import dev.jscontract.contract.internal.Subjects;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * {@code jscontract dlq replay SEQ... | --group ID | --all}: republishes dead letters to their original subject (or
 * {@code --to}) with the message id {@code replay-<dlq>-<seq>} and {@code Jsc-Replayed-From}, so replaying twice
 * stores once (within the target stream's duplicate window), and removes each from the dead-letter stream after its
 * replay's PubAck unless {@code --keep}.
 *
 * <p>Safety: the set is fixed first (the last sequence is read before anything is published, so dead letters that
 * fail again during the replay are not replayed in a loop); a target subject that a dead-letter stream captures is
 * refused, as is one no stream captures; a person confirms on a terminal, a script passes {@code -f}; {@code
 * --dry-run} shows what would go where. {@code --rate} paces the publishes; Ctrl-C stops publishing, waits for the
 * PubAcks in flight, and reports how far it got. Afterwards, dead letters of the same selection that arrived during
 * the replay are reported (they failed again, or are new).
 *
 * @param selection the dead-letter streams
 * @param filter which dead letters (sequences, group, filters)
 * @param to the target subject instead of each original subject, or null
 * @param ratePerSecond the pace, or null for unthrottled
 * @param dryRun only show what would be replayed where
 * @param keep do not remove the dead letters
 * @param force no confirmation
 * @param json a JSON summary instead of text
 */
public record DlqReplay(
        DlqSelection selection,
        DeadLetterFilter filter,
        @Nullable String to,
        @Nullable Double ratePerSecond,
        boolean dryRun,
        boolean keep,
        boolean force,
        boolean json)
        implements CliCommand {
    private static final int FLUSH_EVERY = 500;

    @Override
    public int run(Session session) throws Exception {
        Terminal term = session.terminal();
        List<String> streams = selection.resolve(session);
        StreamReader reader = new StreamReader(session);
        // A person confirms a counted set, a dry run shows it, named sequences are checked: those read the
        // selection first (headers only). A forced replay fixes only the range and checks each new target subject
        // before its first publish (docs/decisions/cli-replay-removes-after-puback.md).
        boolean countFirst = dryRun || !force || !filter.sequences().isEmpty();
        List<Plan> plans = new ArrayList<>();
        long total = 0;
        for (String stream : streams) {
            Plan p = countFirst ? Plan.of(reader, stream, filter, false, this::target) : Plan.range(reader, stream);
            plans.add(p);
            total += p.matched();
        }
        List<StreamInfo> all = Js.streams(Js.management(session));
        Set<String> checked = new HashSet<>();
        if (to != null) {
            checkTarget(to, all);
            checked.add(to);
        }
        for (Plan p : plans) {
            for (String subject : p.targets().keySet()) {
                if (checked.add(subject)) {
                    checkTarget(subject, all);
                }
            }
        }
        if (total == 0) {
            String msg = "nothing to replay: no dead letters match (" + filter.describe() + ") in "
                    + (streams.isEmpty() ? "any dead-letter stream" : String.join(", ", streams));
            if (json) {
                Json.document(term.out(), g -> summaryJson(g, List.of(), 0, 0, dryRun));
            } else {
                term.out().println(msg);
            }
            plans.forEach(p -> p.malformed().print(term.err()));
            return ExitCodes.OK;
        }
        if (dryRun) {
            if (json) {
                long t = total;
                Json.document(term.out(), g -> planJson(g, plans, t));
            } else {
                printPlan(term, plans, total);
            }
            return ExitCodes.OK;
        }
        String what = total + " dead letter" + (total == 1 ? "" : "s") + " from " + String.join(", ", streams)
                + " to " + (to != null ? to : "their original subjects")
                + (keep ? "" : " and remove them after each" + " PubAck");
        if (!force) {
            if (!term.isInteractive()) {
                throw CliException.usage("refusing to replay " + what + " without confirmation: standard input is"
                        + " not a terminal; add -f/--force (or --dry-run to see what would be replayed)");
            }
            printPlan(term, plans, total);
            if (!term.confirm("Replay " + what + "?")) {
                term.err().println("nothing replayed");
                return ExitCodes.OK;
            }
        }
        RatePacer pacer = ratePerSecond == null ? null : new RatePacer(ratePerSecond);
        ReplayIo io = new NatsReplayIo(session);
        Progress progress = new Progress(term, "replaying", total);
        List<ReplayResult> results = new ArrayList<>();
        long startNanos = System.nanoTime();
        long[] index = {0};
        CliException[] refusal = {null};
        for (Plan p : plans) {
            if (p.matched() == 0) {
                continue;
            }
            ReplayRun run = new ReplayRun(p.stream(), io, keep, session.timeout(), p.first(), p.start());
            long[] seen = {0};
            boolean stopped = false;
            try {
                reader.read(p.stream(), p.start(), p.end(), false, (m, seq) -> {
                    if (session.stopSignal().isRequested()) {
                        return false;
                    }
                    Scanned s = StreamReader.parse(p.stream(), seq, m, false);
                    if (s instanceof Malformed) {
                        run.skip(seq, true);
                        return true;
                    }
                    DeadLetter d = (DeadLetter) s;
                    if (!filter.matches(d)) {
                        run.skip(seq, false);
                        return true;
                    }
                    String subject = target(d);
                    if (!checked.contains(subject)) {
                        try {
                            checkTarget(subject, all);
                            checked.add(subject);
                        } catch (CliException refused) {
                            refusal[0] = refused;
                            return false;
                        }
                    }
                    if (pacer != null && !pace(pacer, index[0], startNanos, session)) {
                        return false;
                    }
                    run.offer(seq, subject, d);
                    index[0]++;
                    if (++seen[0] % FLUSH_EVERY == 0) {
                        run.flush(false);
                    }
                    progress.update(index[0]);
                    return true;
                });
            } finally {
                stopped = session.stopSignal().isRequested();
                results.add(run.finish(stopped));
            }
            if (stopped || refusal[0] != null) {
                break;
            }
        }
        progress.done();
        long selected = countFirst ? total : index[0];
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        long arrived = newArrivals(reader, plans);
        if (json) {
            Json.document(term.out(), g -> summaryJson(g, results, selected, arrived, false));
        } else {
            printSummary(term, results, selected, countFirst ? "" : "up to " + total, took, arrived);
        }
        plans.forEach(p -> p.malformed().print(term.err()));
        if (refusal[0] != null) {
            throw CliException.usage(refusal[0].getMessage() + " (found while replaying; the replays reported above"
                    + " went to other subjects)");
        }
        boolean partial = results.stream().anyMatch(r -> r.failed() > 0 || r.removeFailed() > 0 || r.interrupted());
        return partial ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    /** The subject a dead letter is replayed to. */
    private String target(DeadLetter d) {
        return to != null ? to : d.envelope().getOriginalSubject();
    }

    /** Refuses a subject a dead-letter stream captures (a loop) or no stream captures (every publish would fail). */
    static void checkTarget(String subject, List<StreamInfo> streams) {
        boolean captured = false;
        for (StreamInfo info : streams) {
            StreamConfiguration c = info.getConfiguration();
            for (String pattern : c.getSubjects()) {
                if (Subjects.covers(pattern, subject)) {
                    if (DlqSelection.isDeadLetterStream(c)) {
                        throw CliException.usage("refusing to replay into " + subject + ": dead-letter stream "
                                + c.getName() + " captures it (subject " + pattern + "), so every replay would be a"
                                + " dead letter again; give --to with a subject a source stream captures");
                    }
                    captured = true;
                }
            }
        }
        if (!captured) {
            throw CliException.unavailable(
                    "refusing to replay into " + subject + ": no stream captures it, so every publish would fail;"
                            + " create the stream, or give --to with a subject a stream captures",
                    null);
        }
    }

    /** Waits until message {@code index} is due; false when Ctrl-C came first. */
    private static boolean pace(RatePacer pacer, long index, long startNanos, Session session) {
        long wait;
        while ((wait = pacer.waitNanos(index, startNanos, System.nanoTime())) > 0) {
            if (session.stopSignal().isRequested()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(wait, 50_000_000L));
        }
        return true;
    }

    /** Dead letters of the selection that arrived after the replay's range was fixed. */
    private long newArrivals(StreamReader reader, List<Plan> plans) throws Exception {
        DeadLetterFilter f = filter.withSequences(Set.of());
        if (!filter.sequences().isEmpty()) {
            return 0; // named sequences are not "the same selection" for new arrivals
        }
        long count = 0;
        for (Plan p : plans) {
            StreamState st = reader.state(p.stream());
            if (st.getLastSequence() <= p.end()) {
                continue;
            }
            long[] n = {0};
            reader.read(p.stream(), p.end() + 1, st.getLastSequence(), true, (m, seq) -> {
                Scanned s = StreamReader.parse(p.stream(), seq, m, true);
                if (s instanceof DeadLetter d && f.matches(d)) {
                    n[0]++;
                }
                return true;
            });
            count += n[0];
        }
        return count;
    }

    private void printPlan(Terminal term, List<Plan> plans, long total) {
        Table t = new Table("DLQ STREAM", "TARGET SUBJECT", "DEAD LETTERS").right("DEAD LETTERS");
        for (Plan p : plans) {
            p.targets().forEach((subject, n) -> t.row(p.stream(), subject, Long.toString(n)));
        }
        t.print(term.out(), term.width());
        term.out()
                .println((dryRun ? "would replay " : "will replay ") + total + " dead letter"
                        + (total == 1 ? "" : "s") + (dryRun ? " (dry run: nothing was published)" : "")
                        + (keep || dryRun
                                ? ""
                                : "; each is removed from its dead-letter stream after its replay's PubAck"));
        term.out().flush();
    }

    private static void planJson(JsonGenerator g, List<Plan> plans, long total) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("dryRun", true);
        g.writeNumberField("selected", total);
        g.writeArrayFieldStart("targets");
        for (Plan p : plans) {
            for (var e : p.targets().entrySet()) {
                g.writeStartObject();
                g.writeStringField("dlqStream", p.stream());
                g.writeStringField("subject", e.getKey());
                g.writeNumberField("count", e.getValue());
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void printSummary(
            Terminal term, List<ReplayResult> results, long total, String bound, Duration took, long arrived) {
        long published = 0;
        long stored = 0;
        long dups = 0;
        long failed = 0;
        long skipped = 0;
        long removed = 0;
        long removeFailed = 0;
        boolean interrupted = false;
        List<String> failures = new ArrayList<>();
        for (ReplayResult r : results) {
            published += r.published();
            stored += r.stored();
            dups += r.duplicates();
            failed += r.failed();
            skipped += r.skipped();
            removed += r.removed();
            removeFailed += r.removeFailed();
            interrupted |= r.interrupted();
            failures.addAll(r.failures());
        }
        double seconds = Math.max(took.toNanos() / 1e9, 1e-9);
        term.out()
                .printf(
                        java.util.Locale.ROOT,
                        "replayed %d of %s dead letters in %s (%.0f/s): %d stored, %d duplicates (already replayed), %d failed,"
                                + " %d skipped%n",
                        stored + dups,
                        interrupted && !bound.isEmpty() ? bound : Long.toString(total),
                        Durations.human(took),
                        published / seconds,
                        stored,
                        dups,
                        failed,
                        skipped);
        if (keep) {
            term.out().println("kept the dead letters (--keep)");
        } else {
            term.out()
                    .println("removed " + removed + " dead letter" + (removed == 1 ? "" : "s")
                            + " after their replay's PubAck" + (failed > 0 ? "; failed ones were kept" : "")
                            + (removeFailed > 0 ? "; " + removeFailed + " replayed but not removed" : ""));
        }
        for (String f : failures) {
            term.out().println("  " + f);
        }
        if (interrupted) {
            term.out()
                    .println("interrupted: stopped after " + published + " of " + (bound.isEmpty() ? total : bound)
                            + "; the rest are still in"
                            + " the dead-letter stream; run the same command again to continue (replays already stored are"
                            + " recognized as duplicates)");
        }
        if (arrived > 0) {
            term.out()
                    .println("warning: " + arrived + " new dead letter" + (arrived == 1 ? "" : "s")
                            + " of this selection arrived during the replay (failed again, or new); they were not replayed:"
                            + " see `jscontract dlq stats`");
        }
        term.out().flush();
    }

    private void summaryJson(JsonGenerator g, List<ReplayResult> results, long total, long arrived, boolean dry)
            throws IOException {
        g.writeStartObject();
        g.writeNumberField("selected", total);
        g.writeBooleanField("dryRun", dry);
        long[] sums = new long[8];
        boolean interrupted = false;
        for (ReplayResult r : results) {
            sums[0] += r.published();
            sums[1] += r.stored();
            sums[2] += r.duplicates();
            sums[3] += r.failed();
            sums[4] += r.skipped();
            sums[5] += r.removed();
            sums[6] += r.removeFailed();
            interrupted |= r.interrupted();
        }
        g.writeNumberField("replayed", sums[1] + sums[2]);
        g.writeNumberField("stored", sums[1]);
        g.writeNumberField("duplicates", sums[2]);
        g.writeNumberField("failed", sums[3]);
        g.writeNumberField("skipped", sums[4]);
        g.writeNumberField("removed", sums[5]);
        g.writeNumberField("removeFailed", sums[6]);
        g.writeBooleanField("kept", keep);
        g.writeBooleanField("interrupted", interrupted);
        g.writeNumberField("newDeadLetters", arrived);
        g.writeArrayFieldStart("failures");
        for (ReplayResult r : results) {
            for (String f : r.failures()) {
                g.writeString(f);
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
