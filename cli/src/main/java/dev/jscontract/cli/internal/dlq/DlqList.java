package dev.jscontract.cli.internal.dlq;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code jscontract dlq list}: the dead letters that match the filter, newest first (or {@code --oldest} first),
 * at most {@code limit} per dead-letter stream ({@code 0}: all), as a table or JSON lines. Paged with {@code --before
 * SEQ} (newest first) or {@code --after SEQ} (oldest first); the table's last line says the next page's flag.
 *
 * <p>Reads headers only. Oldest first is one forward read that stops after the page; newest first reads backwards
 * in growing chunks (256 up to 8192 sequences, each read forward), so memory is bounded by a chunk and a page of
 * the newest costs about a page of reading.
 *
 * @param selection the dead-letter streams
 * @param filter which dead letters
 * @param limit how many per stream, 0 for all
 * @param oldestFirst oldest first instead of newest first
 * @param before only sequences below this ({@code --before}), or null
 * @param after only sequences above this ({@code --after}), or null
 * @param json JSON lines instead of a table
 */
public record DlqList(
        DlqSelection selection,
        DeadLetterFilter filter,
        int limit,
        boolean oldestFirst,
        @Nullable Long before,
        @Nullable Long after,
        boolean json)
        implements CliCommand {
    private static final int FIRST_CHUNK = 256;
    private static final int MAX_CHUNK = 8192;

    @Override
    public int run(Session session) throws Exception {
        List<String> streams = selection.resolve(session);
        if ((before != null || after != null) && streams.size() > 1) {
            throw CliException.usage("--before/--after page through one dead-letter stream, but " + streams.size()
                    + " are selected (" + String.join(", ", streams) + "); add --dlq-stream or --stream");
        }
        Terminal term = session.terminal();
        StreamReader reader = new StreamReader(session);
        MalformedReport malformed = new MalformedReport();
        boolean withStream = streams.size() > 1;
        Table table = DlqRender.listTable(withStream);
        List<String> nextPages = new ArrayList<>();
        try (JsonGenerator g = json ? Json.lines(term.out()) : null) {
            for (String stream : streams) {
                StreamState st = reader.state(stream);
                if (st.getMsgCount() == 0) {
                    continue;
                }
                long from = Math.max(st.getFirstSequence(), after == null ? 1 : after + 1);
                long to = Math.min(st.getLastSequence(), before == null ? Long.MAX_VALUE : before - 1);
                Page page = new Page(limit);
                Sink sink = d -> {
                    if (json) {
                        Json.line(g, x -> DlqRender.listJson(x, d));
                    } else {
                        DlqRender.listRow(table, d, withStream);
                    }
                };
                if (oldestFirst) {
                    forward(reader, stream, from, to, page, sink, malformed);
                } else {
                    backward(reader, stream, from, to, page, sink, malformed);
                }
                if (page.more && page.lastSeq > 0) {
                    nextPages.add((streams.size() > 1 ? stream + ": " : "")
                            + (oldestFirst ? "--after " : "--before ")
                            + page.lastSeq);
                }
                if (g != null) {
                    g.flush();
                }
            }
        }
        if (!json) {
            if (table.isEmpty()) {
                term.out()
                        .println("no dead letters match (" + filter.describe() + ") in "
                                + (streams.isEmpty() ? "any dead-letter stream" : String.join(", ", streams)));
            } else {
                table.print(term.out(), term.width());
                if (!nextPages.isEmpty()) {
                    term.out().println("more: " + String.join("; ", nextPages));
                }
            }
        }
        term.out().flush();
        malformed.print(term.err());
        return ExitCodes.OK;
    }

    private void forward(
            StreamReader reader, String stream, long from, long to, Page page, Sink sink, MalformedReport malformed)
            throws Exception {
        reader.readMatching(stream, from, to, true, filter, malformed, d -> {
            if (page.full()) {
                page.more = true;
                return false;
            }
            page.take(d.sequence());
            sink.accept(d);
            return true;
        });
    }

    private void backward(
            StreamReader reader, String stream, long from, long to, Page page, Sink sink, MalformedReport malformed)
            throws Exception {
        long hi = to;
        int chunk = FIRST_CHUNK;
        List<DeadLetter> buffer = new ArrayList<>();
        while (hi >= from && !page.more) {
            long lo = Math.max(from, hi - chunk + 1);
            buffer.clear();
            long chunkEnd = hi;
            reader.readMatching(stream, lo, chunkEnd, true, filter, malformed, d -> buffer.add(d));
            for (int i = buffer.size() - 1; i >= 0; i--) {
                if (page.full()) {
                    page.more = true;
                    break;
                }
                page.take(buffer.get(i).sequence());
                sink.accept(buffer.get(i));
            }
            hi = lo - 1;
            chunk = Math.min(MAX_CHUNK, chunk * 2);
        }
    }

    @FunctionalInterface
    private interface Sink {
        void accept(DeadLetter d) throws IOException;
    }

    /** How many were shown of a stream, and whether more would follow. */
    private static final class Page {
        final int limit;
        int shown;
        long lastSeq;
        boolean more;

        Page(int limit) {
            this.limit = limit;
        }

        boolean full() {
            return limit > 0 && shown >= limit;
        }

        void take(long seq) {
            shown++;
            lastSeq = seq;
        }
    }
}
