package dev.jscontract.cli.internal.text;

import dev.jscontract.cli.Terminal;
import java.util.Locale;

/**
 * A one-line progress bar with rate and ETA on the error stream, redrawn at most every 200 ms; drawn only on an
 * interactive terminal (piped output stays clean). Call {@link #update} from the working thread, {@link #done} at
 * the end.
 */
public final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int BAR = 30;

    private final Terminal terminal;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /** Progress towards {@code total} items. */
    public Progress(Terminal terminal, String label, long total) {
        this.terminal = terminal;
        this.label = label;
        this.total = total;
    }

    /** Reports {@code done} items so far. */
    public void update(long done) {
        if (!terminal.isInteractive()) {
            return;
        }
        long now = System.nanoTime();
        if (drawn && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        terminal.err().print("\r" + line(done, now - start) + "\u001b[K");
        terminal.err().flush();
    }

    /** The line for {@code done} items after {@code elapsedNanos}. */
    String line(long done, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        int filled = total > 0 ? (int) Math.min(BAR, BAR * done / total) : 0;
        String eta = rate > 0 && total > done
                ? Durations.human(java.time.Duration.ofSeconds((long) Math.ceil((total - done) / rate)))
                : "-";
        return String.format(
                Locale.ROOT,
                "%s [%s%s] %d/%d  %.0f/s  ETA %s",
                label,
                "#".repeat(filled),
                ".".repeat(BAR - filled),
                done,
                total,
                rate,
                eta);
    }

    /** Clears the line. */
    public void done() {
        if (drawn) {
            terminal.err().print("\r\u001b[K");
            terminal.err().flush();
        }
    }

    @Override
    public String toString() {
        return "Progress{" + label + ", total " + total + "}";
    }
}
