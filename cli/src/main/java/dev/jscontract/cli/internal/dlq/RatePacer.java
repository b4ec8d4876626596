package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paces a replay at {@code N} messages per second: message {@code i} (0-based) is due {@code i / N} seconds after
 * the start. Scheduling against the start instead of the previous message keeps the long-run rate exact whatever a
 * single publish costs. Pure: it takes the times and returns how long to wait.
 */
public final class RatePacer {
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:/\\s*(s|sec|m|min|h))?");

    private final double perSecond;

    /**
     * A pacer for a rate.
     *
     * @throws IllegalArgumentException when the rate is not positive
     */
    public RatePacer(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive but was " + perSecond);
        }
        this.perSecond = perSecond;
    }

    /**
     * Parses {@code 100}, {@code 100/s}, {@code 6000/m} or {@code 50000/h} into messages per second.
     *
     * @throws CliException (exit 2) for anything else
     */
    public static double parse(String text) {
        Matcher m = RATE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw CliException.usage("--rate must be messages per second, minute or hour, like 100/s, 6000/m or"
                    + " 100, but was '" + text + "'");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double perSecond =
                switch (unit) {
                    case "m", "min" -> n / 60;
                    case "h" -> n / 3600;
                    default -> n;
                };
        if (!(perSecond > 0)) {
            throw CliException.usage("--rate must be positive but was '" + text + "'");
        }
        return perSecond;
    }

    /** Messages per second. */
    public double perSecond() {
        return perSecond;
    }

    /** Nanoseconds to wait before sending message {@code index}, given the start and the current time. */
    public long waitNanos(long index, long startNanos, long nowNanos) {
        long due = startNanos + (long) (index * 1e9 / perSecond);
        return Math.max(0, due - nowNanos);
    }

    @Override
    public String toString() {
        return "RatePacer{" + perSecond + "/s}";
    }
}
