package dev.jscontract.cli;

/**
 * A parsed, immutable command ({@code dlq list ...}, {@code lint ...}): everything the command line said, checked
 * and converted, ready to run against a {@link Session}. Parsing ({@link Cli#parse}) never connects; running never
 * parses.
 */
public interface CliCommand {
    /**
     * Runs the command.
     *
     * @return the exit code ({@link ExitCodes})
     * @throws CliException for failures reported as one line with an exit code
     * @throws Exception for anything unexpected (reported as one line; {@code --trace} shows the stack)
     */
    int run(Session session) throws Exception;
}
