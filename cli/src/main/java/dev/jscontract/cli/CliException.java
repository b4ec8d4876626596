package dev.jscontract.cli;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A failure the command reports as one line (what was wrong, the value, what to do) and an exit code from {@link
 * ExitCodes}; the cause, if any, is printed only with {@code --trace}.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * A failure with an exit code and a one-line message.
     *
     * @param exitCode one of {@link ExitCodes}
     * @param message what was wrong, the value, and what to do
     */
    public CliException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    /**
     * A failure with an exit code, a one-line message and the cause ({@code --trace} shows it).
     *
     * @param exitCode one of {@link ExitCodes}
     * @param message what was wrong, the value, and what to do
     * @param cause the underlying exception
     */
    public CliException(int exitCode, String message, @Nullable Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.exitCode = exitCode;
    }

    /** A usage error ({@link ExitCodes#USAGE}). */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    /** Not found or unreachable ({@link ExitCodes#UNAVAILABLE}). */
    public static CliException unavailable(String message, @Nullable Throwable cause) {
        return new CliException(ExitCodes.UNAVAILABLE, message, cause);
    }

    /** The exit code. */
    public int getExitCode() {
        return exitCode;
    }
}
