package dev.jscontract.contract.internal;

import java.time.Duration;

/** Human-readable durations for reports: {@code 250ms}, {@code 1.5s}, {@code 2m30s}, {@code 1h5m}, {@code 14d}. */
public final class Durations {
    private Durations() {}

    /** Formats a duration compactly; exact to the millisecond below one second. */
    public static String human(Duration d) {
        if (d.isNegative()) {
            return "-" + human(d.negated());
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return d.isZero() ? "0s" : ms == 0 ? d.toNanos() / 1000 + "us" : ms + "ms";
        }
        if (ms < 60_000) {
            return ms % 1000 == 0 ? ms / 1000 + "s" : trim(String.format("%.3f", ms / 1000.0)) + "s";
        }
        long s = d.getSeconds();
        long days = s / 86_400;
        long h = (s % 86_400) / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        StringBuilder sb = new StringBuilder();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (sec > 0 && days == 0) {
            sb.append(sec).append('s');
        }
        return sb.toString();
    }

    private static String trim(String decimal) {
        String t = decimal.replaceAll("0+$", "");
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }
}
