package dev.jscontract.cli;

import dev.jscontract.cli.internal.command.DefaultSession;
import dev.jscontract.cli.internal.command.Leaf;
import dev.jscontract.cli.internal.command.RootCommand;
import io.nats.client.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code jscontract} command line, runnable in-process: parses arguments into an immutable {@link CliCommand}
 * ({@link #parse}), runs it against a {@link Session}, prints failures as one line (what, the value, what to do; the
 * stack only with {@code --trace}), and returns the exit code ({@link ExitCodes}).
 *
 * <pre>{@code
 * int code = Cli.builder()
 *     .environment(Environment.of(Map.of("XDG_CONFIG_HOME", tmp.toString())))
 *     .terminal(Terminal.builder().out(out).err(err).build())
 *     .build()
 *     .run("dlq", "list", "--stream", "ORDERS", "--json");
 * }</pre>
 *
 * <p>{@link Main} runs it with the process's environment and terminal. Tests may inject a connection ({@link
 * Builder#connection}), which the command uses instead of connecting and never closes.
 */
public final class Cli {
    private final Environment environment;
    private final Terminal terminal;
    private final StopSignal stopSignal;
    private final Clock clock;
    private final @Nullable Connection connection;

    private Cli(Builder b) {
        this.environment = b.environment;
        this.terminal = b.terminal != null ? b.terminal : Terminal.system(b.environment);
        this.stopSignal = b.stopSignal;
        this.clock = b.clock;
        this.connection = b.connection;
    }

    /** A builder; defaults: the process's environment and terminal, the system clock, a fresh stop signal. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a command line into the command it describes, without running or connecting.
     *
     * @throws CliException (exit 2) for a bad flag or value, or when help or version was asked for
     */
    public static CliCommand parse(Clock clock, String... args) {
        return parse(clock, Environment.of(java.util.Map.of()), args);
    }

    /**
     * Parses a command line with defaults from {@code env}, without running or connecting.
     *
     * @throws CliException (exit 2) for a bad flag or value, or when help or version was asked for
     */
    public static CliCommand parse(Clock clock, Environment env, String... args) {
        CommandLine cl = commandLine(new RootCommand());
        ParseResult pr;
        try {
            pr = cl.parseArgs(args);
        } catch (ParameterException e) {
            throw CliException.usage(e.getMessage());
        }
        String misplaced = misplacedOption(pr);
        if (misplaced != null) {
            throw CliException.usage(misplaced);
        }
        CommandLine leaf = deepest(pr).commandSpec().commandLine();
        if (!(leaf.getCommand() instanceof Leaf l)) {
            throw CliException.usage("'" + String.join(" ", args) + "' names no command; see jscontract --help");
        }
        return l.toCommand(clock, env);
    }

    /** Runs a command line; returns the exit code. Never throws for a failure of the command. */
    public int run(String... args) {
        RootCommand root = new RootCommand();
        CommandLine cl = commandLine(root);
        ParseResult pr;
        try {
            pr = cl.parseArgs(args);
        } catch (ParameterException e) {
            CommandLine where = e.getCommandLine();
            terminal.err()
                    .println("jscontract: error: " + e.getMessage() + "; see `"
                            + where.getCommandSpec().qualifiedName() + " --help`");
            terminal.err().flush();
            return ExitCodes.USAGE;
        }
        String misplaced = misplacedOption(pr);
        if (misplaced != null) {
            terminal.err().println("jscontract: error: " + misplaced);
            terminal.err().flush();
            return ExitCodes.USAGE;
        }
        ParseResult leafResult = deepest(pr);
        CommandLine leaf = leafResult.commandSpec().commandLine();
        CommandLine.Help.Ansi ansi = terminal.colour() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF;
        for (ParseResult p = pr; p != null; p = p.hasSubcommand() ? p.subcommand() : null) {
            if (p.isUsageHelpRequested()) {
                p.commandSpec().commandLine().usage(terminal.out(), ansi);
                terminal.out().flush();
                return ExitCodes.OK;
            }
            if (p.isVersionHelpRequested()) {
                p.commandSpec().commandLine().printVersionHelp(terminal.out(), ansi);
                terminal.out().flush();
                return ExitCodes.OK;
            }
        }
        if (!(leaf.getCommand() instanceof Leaf parsed)) {
            leaf.usage(terminal.out(), ansi);
            terminal.out().flush();
            return args.length == 0 ? ExitCodes.USAGE : ExitCodes.OK;
        }
        boolean trace = root.trace();
        try (DefaultSession session =
                new DefaultSession(environment, terminal, stopSignal, clock, root.flags(), connection)) {
            CliCommand command = parsed.toCommand(clock, environment);
            return command.run(session);
        } catch (CliException e) {
            report(e.getMessage(), e, trace);
            return e.getExitCode();
        } catch (Exception e) {
            report(
                    "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + (trace ? "" : " (run again with --trace for the stack trace)"),
                    e,
                    trace);
            return ExitCodes.FINDINGS;
        } finally {
            terminal.out().flush();
            stopSignal.finished();
        }
    }

    private void report(String message, Throwable e, boolean trace) {
        terminal.out().flush();
        terminal.err().println("jscontract: error: " + message);
        if (trace) {
            e.printStackTrace(terminal.err());
        }
        terminal.err().flush();
    }

    /**
     * An option of a command given before one of its subcommands applies to that command only, so the subcommand
     * would run without it ({@code dlq --stream ORDERS purge --all} would purge every dead-letter stream). Such a
     * command line is refused; the global options (connection, {@code --trace}) are inherited and may go anywhere.
     */
    private static @Nullable String misplacedOption(ParseResult pr) {
        for (ParseResult p = pr; p.hasSubcommand(); p = p.subcommand()) {
            for (CommandLine.Model.OptionSpec o : p.matchedOptions()) {
                if (o.scopeType() == ScopeType.INHERIT || o.inherited() || o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String command = p.commandSpec().qualifiedName();
                String sub = p.subcommand().commandSpec().name();
                return "option " + o.longestName() + " was given before the subcommand '" + sub + "', where it would"
                        + " apply to '" + command + "' only and be ignored; put it after '" + sub + "': "
                        + command + " " + sub + " " + o.longestName() + " ...";
            }
        }
        return null;
    }

    private static ParseResult deepest(ParseResult pr) {
        ParseResult p = pr;
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p;
    }

    private static CommandLine commandLine(RootCommand root) {
        CommandLine cl = new CommandLine(root);
        cl.setUsageHelpWidth(100);
        return cl;
    }

    /** The names of the top-level commands (for documentation tests). */
    public static List<String> commands() {
        return List.copyOf(commandLine(new RootCommand()).getSubcommands().keySet());
    }

    @Override
    public String toString() {
        return "Cli{" + terminal + (connection != null ? ", injected connection" : "") + "}";
    }

    /** Builds a {@link Cli}. */
    public static final class Builder {
        private Environment environment = Environment.system();
        private @Nullable Terminal terminal;
        private StopSignal stopSignal = new StopSignal();
        private Clock clock = Clock.systemUTC();
        private @Nullable Connection connection;

        private Builder() {}

        /** The environment (variables, home). */
        public Builder environment(Environment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The terminal. */
        public Builder terminal(Terminal terminal) {
            this.terminal = Objects.requireNonNull(terminal, "terminal");
            return this;
        }

        /** The stop signal (Ctrl-C). */
        public Builder stopSignal(StopSignal stopSignal) {
            this.stopSignal = Objects.requireNonNull(stopSignal, "stopSignal");
            return this;
        }

        /** The clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A connection to use instead of connecting (the caller keeps owning it). */
        public Builder connection(Connection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            return this;
        }

        /** Builds the runner. */
        public Cli build() {
            return new Cli(this);
        }
    }
}
