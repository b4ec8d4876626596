package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.Environment;
import java.time.Clock;

/** A picocli command class that becomes an immutable {@link CliCommand} once its options are parsed. */
public interface Leaf {
    /**
     * The parsed command.
     *
     * @param clock for relative times such as {@code --since 2h}
     * @param env for defaults taken from the environment ({@code JSCONTRACT_JDBC_URL})
     * @throws dev.jscontract.cli.CliException (exit 2) for values that parse but do not make sense together
     */
    CliCommand toCommand(Clock clock, Environment env);
}
