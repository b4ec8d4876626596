package dev.jscontract.cli;

/**
 * The exit codes of {@code jscontract}, the same for every command, so a script or CI pipeline can branch on them.
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><th>code</th><th>meaning</th></tr>
 *   <tr><td>{@value #OK}</td><td>done; lint found nothing that fails (no error, no warning under {@code --strict})</td></tr>
 *   <tr><td>{@value #FINDINGS}</td><td>lint found errors (or warnings under {@code --strict}), or a replay, purge
 *       or requeue did only part of its work</td></tr>
 *   <tr><td>{@value #USAGE}</td><td>a bad flag or value, a refused operation (no confirmation without a
 *       terminal, a replay into a captured dead-letter subject); nothing was changed</td></tr>
 *   <tr><td>{@value #UNAVAILABLE}</td><td>cannot connect, or what was named does not exist (stream, consumer,
 *       sequence, context, file, table)</td></tr>
 * </table>
 */
public final class ExitCodes {
    /** Done; lint clean. */
    public static final int OK = 0;
    /** Lint findings that fail, or a partial failure. */
    public static final int FINDINGS = 1;
    /** Usage error or refused operation; nothing changed. */
    public static final int USAGE = 2;
    /** Cannot connect, or not found. */
    public static final int UNAVAILABLE = 3;

    private ExitCodes() {}
}
