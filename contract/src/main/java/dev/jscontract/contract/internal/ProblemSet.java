package dev.jscontract.contract.internal;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The problems a long-running part (a consumer, a relay) has right now, each either one it recovers from on its own or
 * one that halts it, with a sentence for the operator and since when. {@link #shown()} picks the one a health state
 * shows: the first halting problem in the enum's order, else the first recovering one. Not thread-safe: the owner
 * guards it.
 *
 * @param <P> the problem enum
 */
public final class ProblemSet<P extends Enum<P>> {
    /** One recorded problem. */
    public record Entry<P>(P problem, boolean halted, String detail, Instant since) {}

    private final Map<P, Entry<P>> problems;

    /** An empty set for problems of {@code type}. */
    public ProblemSet(Class<P> type) {
        this.problems = new EnumMap<>(type);
    }

    /** Records or updates a problem; keeps the time it started when it is already recorded. */
    public void put(P problem, boolean halted, String detail, Instant now) {
        Entry<P> old = problems.get(problem);
        problems.put(problem, new Entry<>(problem, halted, detail, old != null ? old.since() : now));
    }

    /** Ends a problem; false when it was not recorded. */
    public boolean remove(P problem) {
        return problems.remove(problem) != null;
    }

    /** Whether a problem is recorded. */
    public boolean has(P problem) {
        return problems.containsKey(problem);
    }

    /** When a recorded problem started, or null. */
    public @Nullable Instant since(P problem) {
        Entry<P> e = problems.get(problem);
        return e == null ? null : e.since();
    }

    /** The problem a health state shows, or null when there is none. */
    public @Nullable Entry<P> shown() {
        Entry<P> recovering = null;
        for (Entry<P> e : problems.values()) {
            if (e.halted()) {
                return e;
            }
            if (recovering == null) {
                recovering = e;
            }
        }
        return recovering;
    }
}
