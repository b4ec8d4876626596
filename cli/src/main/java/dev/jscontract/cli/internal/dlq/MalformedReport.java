package dev.jscontract.cli.internal.dlq;

import java.io.PrintStream;

/**
 * Collects messages that are not readable envelopes during a read and reports them on the error stream: the first
 * few with where and why, then how many more. They are never listed, counted in groups, replayed or purged.
 */
public final class MalformedReport {
    private static final int SHOWN = 3;

    private long count;
    private final StringBuilder lines = new StringBuilder();

    /** Records one. */
    public void add(Malformed m) {
        if (count < SHOWN) {
            lines.append("warning: skipped ").append(m.describe()).append('\n');
        }
        count++;
    }

    /** How many were recorded. */
    public long count() {
        return count;
    }

    /** Prints the report (nothing when there was none). */
    public void print(PrintStream err) {
        if (count == 0) {
            return;
        }
        err.print(lines);
        if (count > SHOWN) {
            err.println("warning: skipped " + (count - SHOWN) + " more message(s) that are not jscontract dead"
                    + " letters");
        }
    }
}
