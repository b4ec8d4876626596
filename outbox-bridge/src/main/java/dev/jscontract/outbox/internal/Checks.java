package dev.jscontract.outbox.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Argument and state checks whose messages say what was wrong, the value, and what to do. */
public final class Checks {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    /** Longest base table name: leaves room for the suffixes of derived names within PostgreSQL's 63 bytes. */
    public static final int MAX_TABLE_NAME = 40;

    private Checks() {}

    /** Requires a positive duration. */
    public static Duration positive(@Nullable Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
        return value;
    }

    /** Requires {@code min <= value <= max}. */
    public static int range(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }

    /** Throws when an option is set a second time. */
    public static void notSet(boolean alreadySet, String name, Object current) {
        if (alreadySet) {
            throw new IllegalStateException(
                    name + " was already set to " + current + "; set each option once (builders do not overwrite)");
        }
    }

    /**
     * Requires an unquoted SQL identifier: lowercase letters, digits and underscores, not starting with a digit, at
     * most {@code maxLength} characters.
     */
    public static String identifier(@Nullable String value, String name, int maxLength) {
        Objects.requireNonNull(value, name);
        if (!IDENTIFIER.matcher(value).matches() || value.length() > maxLength) {
            throw new IllegalArgumentException(name + " must be an unquoted SQL identifier (lowercase letters, digits"
                    + " and '_', not starting with a digit, at most " + maxLength + " characters) but was '"
                    + value + "'");
        }
        return value;
    }

    /** A duration as people read it: {@code 1.5 s}, {@code 2 min}, {@code 250 ms}. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 120_000) {
            return (ms % 1000 == 0
                            ? String.valueOf(ms / 1000)
                            : String.format(java.util.Locale.ROOT, "%.1f", ms / 1000.0))
                    + " s";
        }
        long s = d.toSeconds();
        return s % 60 == 0 ? (s / 60) + " min" : String.format(java.util.Locale.ROOT, "%.1f min", s / 60.0);
    }
}
