package dev.jscontract.outbox.internal;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The SQL names the relay accepts for its tables; other argument checks are {@code contract.internal.Checks}. */
public final class SqlIdentifiers {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    /** Longest base table name: leaves room for the suffixes of derived names within PostgreSQL's 63 bytes. */
    public static final int MAX_TABLE_NAME = 40;

    private SqlIdentifiers() {}

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
}
