package dev.jscontract.cli.internal.text;

import dev.jscontract.cli.CliException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations and times people type: {@code 500ms}, {@code 5s}, {@code 2h}, {@code 1h30m}, {@code 7d}, or
 * ISO-8601 ({@code PT5S}); times as such a duration ago or as a timestamp ({@code 2026-11-23T05:50:39Z}, {@code
 * 2026-11-23T05:50}, {@code 2026-11-23 05:50:39}, {@code 2026-11-23}; without an offset: UTC).
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|ns|d|h|m|s)");

    private Durations() {}

    /**
     * A positive duration.
     *
     * @param option the flag or variable, for the message
     * @throws CliException (exit 2) when the text is not a positive duration
     */
    public static Duration parsePositive(String text, String option) {
        Duration d = parse(text, option);
        if (d.isZero() || d.isNegative()) {
            throw CliException.usage(option + " must be a positive duration but was '" + text + "'; e.g. 5s, 2m, 1h");
        }
        return d;
    }

    /**
     * A duration (zero allowed).
     *
     * @throws CliException (exit 2) when the text is not a duration
     */
    public static Duration parse(String text, String option) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("pt") || t.startsWith("p")) {
            try {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw bad(text, option);
            }
        }
        Matcher m = PART.matcher(t);
        int end = 0;
        double nanos = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            nanos += n
                    * switch (m.group(2)) {
                        case "d" -> 86_400e9;
                        case "h" -> 3_600e9;
                        case "m" -> 60e9;
                        case "s" -> 1e9;
                        case "ms" -> 1e6;
                        case "us" -> 1e3;
                        default -> 1;
                    };
            end = m.end();
        }
        if (end == 0 || end != t.length()) {
            throw bad(text, option);
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    private static CliException bad(String text, String option) {
        return CliException.usage(
                option + " must be a duration like 500ms, 5s, 2h, 1h30m, 7d or PT5S but was '" + text + "'");
    }

    /**
     * A point in time: a duration ago (relative to {@code now}) or a timestamp.
     *
     * @throws CliException (exit 2) when the text is neither
     */
    public static Instant parseTime(String text, String option, Instant now) {
        String t = text.trim();
        if (!t.isEmpty() && (Character.isLetter(t.charAt(t.length() - 1)) && !t.contains("-"))) {
            return now.minus(parse(t, option));
        }
        try {
            return OffsetDateTime.parse(t.replace(' ', 'T')).toInstant();
        } catch (DateTimeParseException e) {
            // not with an offset; try without
        }
        try {
            return Instant.parse(t.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            // try a local date-time in UTC
        }
        try {
            return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // try a date
        }
        try {
            return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw CliException.usage(option + " must be a duration ago (30m, 2h, 7d) or a timestamp"
                    + " (2026-11-23T05:50:39Z, 2026-11-23 05:50, 2026-11-23; UTC unless an offset is given) but was '"
                    + text + "'");
        }
    }

    /** Compact human form: {@code 250ms}, {@code 1.5s}, {@code 2m30s}, {@code 1h5m}, {@code 14d}. */
    public static String human(Duration d) {
        return dev.jscontract.contract.internal.Durations.human(d);
    }
}
