package dev.jscontract.contract;

import org.jspecify.annotations.Nullable;

/**
 * A contract file could not be read: malformed JSON, an unknown or missing field, a wrong type, or a value the
 * builder rejects. The message names the source, the line and column when known, the field, and the fix.
 */
public final class ContractFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String field;
    private final int line;

    /**
     * @param message the full message
     * @param field the field path (e.g. {@code deadLetter.maxAge}), if known
     * @param line the 1-based line, or -1
     */
    public ContractFormatException(String message, @Nullable String field, int line, @Nullable Throwable cause) {
        super(message, cause);
        this.field = field;
        this.line = line;
    }

    /** The field path, e.g. {@code deadLetter.maxAge}, if known. */
    public @Nullable String getField() {
        return field;
    }

    /** The 1-based line of the problem, or -1 when unknown. */
    public int getLine() {
        return line;
    }
}
