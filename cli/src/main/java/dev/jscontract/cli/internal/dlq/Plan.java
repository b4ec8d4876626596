package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliException;
import io.nats.client.api.StreamState;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a replay or purge of one dead-letter stream will touch, fixed before anything changes: the range (its end is
 * the stream's last sequence read first, so dead letters that arrive meanwhile are not part of it), the matching
 * dead letters counted per target subject, and (for a purge) their sequences. Made by one headers-only read.
 *
 * @param stream the dead-letter stream
 * @param first the stream's first sequence when planned
 * @param start where the range starts
 * @param end where it ends (inclusive)
 * @param matched dead letters that match
 * @param targets matched dead letters per target subject (sorted)
 * @param sequences the matched sequences in order, when collected
 * @param malformed messages in the range that are not dead letters
 */
public record Plan(
        String stream,
        long first,
        long start,
        long end,
        long matched,
        Map<String, Long> targets,
        long @Nullable [] sequences,
        MalformedReport malformed) {

    /**
     * Plans one stream.
     *
     * @param target the subject a dead letter would be replayed to (null: not a replay)
     * @throws CliException (exit 3) when sequences were named that the stream does not hold as dead letters
     */
    public static Plan of(
            StreamReader reader,
            String stream,
            DeadLetterFilter filter,
            boolean collectSequences,
            @Nullable Function<DeadLetter, String> target)
            throws Exception {
        StreamState st = reader.state(stream);
        long first = st.getFirstSequence();
        long end = st.getLastSequence();
        long start = first;
        if (!filter.sequences().isEmpty()) {
            start = Math.max(first, Collections.min(filter.sequences()));
            end = Math.min(end, Collections.max(filter.sequences()));
        }
        Map<String, Long> targets = new TreeMap<>();
        long[][] seqs = {new long[collectSequences ? 64 : 0]};
        long[] matched = {0};
        TreeSet<Long> found = new TreeSet<>();
        MalformedReport malformed = new MalformedReport();
        if (st.getMsgCount() > 0) {
            reader.readMatching(stream, start, end, true, filter, malformed, d -> {
                if (!filter.sequences().isEmpty()) {
                    found.add(d.sequence());
                }
                if (target != null) {
                    targets.merge(target.apply(d), 1L, Long::sum);
                }
                if (collectSequences) {
                    if (matched[0] == seqs[0].length) {
                        seqs[0] = Arrays.copyOf(seqs[0], seqs[0].length * 2);
                    }
                    seqs[0][(int) matched[0]] = d.sequence();
                }
                matched[0]++;
                return true;
            });
        }
        if (!filter.sequences().isEmpty() && found.size() < filter.sequences().size()) {
            DeadLetterFilter rest = filter.withSequences(java.util.Set.of()).withoutStream();
            TreeSet<Long> missing = new TreeSet<>(filter.sequences());
            missing.removeAll(found);
            throw CliException.unavailable(
                    stream + " has no dead letter " + (missing.size() == 1 ? "" : "s ")
                            + String.join(
                                    ", ", missing.stream().map(String::valueOf).toList())
                            + (rest.isEmpty() ? "" : " that matches (" + rest.describe() + ")")
                            + " (it holds " + st.getMsgCount() + " message(s)"
                            + (st.getMsgCount() > 0
                                    ? ", sequences " + st.getFirstSequence() + " to " + st.getLastSequence()
                                    : "")
                            + "); list them with `jscontract dlq list --dlq-stream " + stream + "`",
                    null);
        }
        return new Plan(
                stream,
                first,
                start,
                end,
                matched[0],
                targets,
                collectSequences ? Arrays.copyOf(seqs[0], (int) matched[0]) : null,
                malformed);
    }

    /**
     * The range of one stream, its first to its last sequence now, without reading it: {@code matched} is the number
     * of messages in it (an upper bound of what matches) and no targets are known.
     */
    public static Plan range(StreamReader reader, String stream) {
        StreamState st = reader.state(stream);
        return new Plan(
                stream,
                st.getFirstSequence(),
                st.getFirstSequence(),
                st.getLastSequence(),
                st.getMsgCount(),
                Map.of(),
                null,
                new MalformedReport());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Plan p
                && p.stream.equals(stream)
                && p.first == first
                && p.start == start
                && p.end == end
                && p.matched == matched
                && p.targets.equals(targets)
                && Arrays.equals(p.sequences, sequences);
    }

    @Override
    public int hashCode() {
        return stream.hashCode() * 31 + Long.hashCode(end) + Arrays.hashCode(sequences);
    }

    @Override
    public String toString() {
        return "Plan{" + stream + " " + start + ".." + end + ", " + matched + " matched, targets " + targets + "}";
    }
}
