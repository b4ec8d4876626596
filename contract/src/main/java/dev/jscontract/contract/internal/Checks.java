package dev.jscontract.contract.internal;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Argument and name checks shared by the builders. Every message names the option (as the method is called), the
 * value, and what to do.
 */
public final class Checks {
    /** nats-server's limit on stream and consumer name length. */
    public static final int MAX_NAME_LENGTH = 255;

    private Checks() {}

    /** Fails when {@code value} is null, naming the option. */
    public static <T> T notNull(@Nullable T value, String option) {
        return Objects.requireNonNull(value, () -> option + " must not be null");
    }

    /** A positive duration, or an {@link IllegalArgumentException} naming the option and value. */
    public static Duration positive(@Nullable Duration value, String option) {
        notNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive but was " + value);
        }
        return value;
    }

    /** A positive int, or an {@link IllegalArgumentException} naming the option and value. */
    public static int positive(int value, String option) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be positive but was " + value);
        }
        return value;
    }

    /** Fails with an {@link IllegalStateException} when an option is set a second time ({@code current} not null). */
    public static void once(@Nullable Object current, String option) {
        once(current != null, option, current);
    }

    /**
     * Fails with an {@link IllegalStateException} when an option is set a second time. The one message every builder
     * of the toolkit gives: {@code <option> was already set to <current>; set each option once}.
     */
    public static void once(boolean alreadySet, String option, @Nullable Object current) {
        if (alreadySet) {
            throw new IllegalStateException(
                    option + " was already set" + (current == null ? "" : " to " + current) + "; set each option once");
        }
    }

    /**
     * Requires a non-null duration with {@code min <= value <= max}, or an {@link IllegalArgumentException} naming the
     * option, the bounds and the value.
     */
    public static Duration range(@Nullable Duration value, Duration min, Duration max, String option) {
        notNull(value, option);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    option + " must be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }

    /** Requires {@code min <= value <= max}, or an {@link IllegalArgumentException} naming the option and value. */
    public static int range(int value, int min, int max, String option) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    option + " must be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }

    /**
     * Checks a stream or consumer name as JetStream does: non-empty, at most 255 characters, printable ASCII, and
     * none of {@code . * > / \} or whitespace.
     */
    public static String name(@Nullable String value, String option) {
        notNull(value, option);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(option + " must not be empty");
        }
        if (value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(option + " must be at most " + MAX_NAME_LENGTH + " characters but was "
                    + value.length() + " characters long");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String problem = null;
            if (c == '.') {
                problem = "'.'";
            } else if (c == '*' || c == '>') {
                problem = "the wildcard '" + c + "'";
            } else if (c == '/' || c == '\\') {
                problem = "'" + c + "'";
            } else if (Character.isWhitespace(c)) {
                problem = "whitespace";
            } else if (c < 0x21 || c > 0x7e) {
                problem = "the non-printable or non-ASCII character U+" + String.format("%04X", (int) c);
            }
            if (problem != null) {
                throw new IllegalArgumentException(option + " must be a valid JetStream name but was '" + value
                        + "': it contains " + problem + "; names may not contain '.', '*', '>', '/', '\\' or"
                        + " whitespace (use '_' or '-' instead, e.g. '" + suggestion(value) + "')");
            }
        }
        return value;
    }

    private static String suggestion(String value) {
        return value.replaceAll("[.*>/\\\\\\s]+", "_");
    }

    /**
     * Checks a subject (wildcards allowed when {@code wildcards}): non-empty tokens separated by single dots, no
     * whitespace, {@code *} only as a whole token, {@code >} only as the whole last token.
     */
    public static String subject(@Nullable String value, String option, boolean wildcards) {
        notNull(value, option);
        String problem = subjectProblem(value, wildcards);
        if (problem != null) {
            throw new IllegalArgumentException(
                    option + " must be a valid NATS subject but was '" + value + "': " + problem);
        }
        return value;
    }

    /** Why {@code value} is not a valid subject, or null when it is. */
    public static @Nullable String subjectProblem(String value, boolean wildcards) {
        if (value.isEmpty()) {
            return "it is empty; use tokens separated by dots, e.g. 'orders.created'";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || c < 0x21 || c == 0x7f) {
                return "it contains whitespace or a control character at position " + i
                        + "; subjects are tokens separated by dots";
            }
        }
        String[] tokens = value.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) {
                return "token " + (i + 1) + " is empty (a leading, trailing or double dot); remove the extra dot";
            }
            boolean hasWildcard = t.contains("*") || t.contains(">");
            if (hasWildcard && !wildcards) {
                return "wildcards are not allowed here; use a literal subject";
            }
            if (hasWildcard && !t.equals("*") && !t.equals(">")) {
                return "token '" + t + "' mixes a wildcard with other characters; '*' and '>' must be whole tokens";
            }
            if (t.equals(">") && i != tokens.length - 1) {
                return "'>' must be the last token";
            }
        }
        return null;
    }
}
