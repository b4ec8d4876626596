package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.internal.connect.ConnectionFlags;
import dev.jscontract.cli.internal.lint.ExplainCommand;
import dev.jscontract.cli.internal.lint.LintCommand;
import dev.jscontract.cli.internal.text.Durations;
import dev.jscontract.contract.ServerVersion;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * The {@code jscontract} command line: global connection options (the {@code nats} CLI's names, usable before or
 * after the subcommand), {@code --trace}, and the subcommands.
 */
@Command(
        name = "jscontract",
        mixinStandardHelpOptions = true,
        versionProvider = RootCommand.Version.class,
        description =
                "Operate JetStream consumers that run under a jscontract contract: inspect, replay and purge dead letters, lint live consumers and contract files, explain a contract's delivery timeline, and look after the PostgreSQL outbox.",
        subcommands = {
            DlqCommands.Dlq.class,
            RootCommand.Lint.class,
            RootCommand.Explain.class,
            OutboxCommands.Outbox.class
        },
        footerHeading = "%n",
        footer = {
            "Connection: flags, else NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY,",
            "NATS_CERT, NATS_KEY, NATS_CA, NATS_TIMEOUT, else the nats CLI context (--context, NATS_CONTEXT,",
            "or the one selected in $XDG_CONFIG_HOME/nats/context.txt), else nats://127.0.0.1:4222.",
            "",
            "Exit codes: 0 ok; 1 lint findings, or a replay/purge/requeue did part of its work;",
            "2 usage error or refused operation (nothing changed); 3 cannot connect, or not found.",
            "Output: tables for people (no colour without a terminal or with NO_COLOR), -j/--json for scripts."
        })
public final class RootCommand {
    @Option(
            names = {"-s", "--server"},
            paramLabel = "URL",
            scope = ScopeType.INHERIT,
            description = "NATS server URL(s), comma-separated (NATS_URL).")
    @Nullable
    String server;

    @Option(
            names = "--context",
            paramLabel = "NAME|FILE",
            scope = ScopeType.INHERIT,
            description = "nats CLI context: a saved name or a .json file (NATS_CONTEXT).")
    @Nullable
    String context;

    @Option(names = "--user", paramLabel = "USER", scope = ScopeType.INHERIT, description = "User (NATS_USER).")
    @Nullable
    String user;

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            scope = ScopeType.INHERIT,
            description = "Password (NATS_PASSWORD).")
    @Nullable
    String password;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT, description = "Token (NATS_TOKEN).")
    @Nullable
    String token;

    @Option(
            names = "--creds",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "Credentials file (NATS_CREDS).")
    @Nullable
    String creds;

    @Option(
            names = "--nkey",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "User nkey seed file (NATS_NKEY).")
    @Nullable
    String nkey;

    @Option(
            names = "--tlscert",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "TLS client certificate, PEM (NATS_CERT).")
    @Nullable
    String tlsCert;

    @Option(
            names = "--tlskey",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "TLS client key, PEM (NATS_KEY).")
    @Nullable
    String tlsKey;

    @Option(
            names = "--tlsca",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "CA certificates to trust, PEM (NATS_CA).")
    @Nullable
    String tlsCa;

    @Option(
            names = "--tlsfirst",
            scope = ScopeType.INHERIT,
            description = "Start with the TLS handshake (server tls handshake_first).")
    boolean tlsFirst;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            scope = ScopeType.INHERIT,
            description = "Connection and request timeout (NATS_TIMEOUT; default 5s).")
    @Nullable
    String timeout;

    @Option(names = "--js-domain", paramLabel = "DOMAIN", scope = ScopeType.INHERIT, description = "JetStream domain.")
    @Nullable
    String jsDomain;

    @Option(
            names = "--trace",
            scope = ScopeType.INHERIT,
            description = "Show stack traces of errors (and debug logging).")
    boolean trace;

    /** The connection flags as given. */
    public ConnectionFlags flags() {
        Duration t = timeout == null ? null : Durations.parsePositive(timeout, "--timeout");
        return new ConnectionFlags(
                server,
                context,
                user,
                password,
                token,
                creds,
                nkey,
                tlsCert,
                tlsKey,
                tlsCa,
                tlsFirst ? Boolean.TRUE : null,
                t,
                jsDomain);
    }

    /** Whether {@code --trace} was given. */
    public boolean trace() {
        return trace;
    }

    /** {@code --version}: the jar's implementation version. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RootCommand.class.getPackage().getImplementationVersion();
            return new String[] {"jscontract " + (v == null ? "(development build)" : v)};
        }
    }

    @Command(
            name = "lint",
            description =
                    "Lint live consumers (every durable consumer, or --stream/--consumer) with their stream's configuration and the server version, and the dead-letter streams; or contract JSON files. Exit 0 when clean, 1 with errors (and with warnings under --strict).",
            mixinStandardHelpOptions = true)
    static final class Lint implements Leaf {
        @Parameters(
                paramLabel = "CONTRACT.json",
                arity = "0..*",
                description = "Contract files (docs/contract-json.md).")
        List<Path> files = new ArrayList<>();

        @Option(names = "--stream", paramLabel = "STREAM", description = "Only the consumers of this stream.")
        @Nullable
        String stream;

        @Option(names = "--consumer", paramLabel = "DURABLE", description = "Only this consumer.")
        @Nullable
        String consumer;

        @Option(
                names = "--live",
                description =
                        "Lint contract files for the connected server (its version; DLQ-005 against its streams).")
        boolean live;

        @Option(
                names = "--server-version",
                paramLabel = "VERSION",
                description = "Lint contract files for this nats-server version (offline; default: portable rules).")
        @Nullable
        String serverVersion;

        @Option(
                names = "--suppress",
                paramLabel = "RULE=REASON",
                description = "Suppress a rule with the reason it does not apply (repeatable), e.g."
                        + " ACK-002=chosen-in-the-contract.")
        List<String> suppress = new ArrayList<>();

        @Option(names = "--strict", description = "Warnings fail too (exit 1).")
        boolean strict;

        @Option(
                names = {"-j", "--json"},
                description = "One JSON document.")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            if (files.isEmpty() && (live || serverVersion != null)) {
                throw CliException.usage((live ? "--live" : "--server-version") + " applies to contract files; give"
                        + " them (jscontract lint contract.json), or drop it to lint the live consumers");
            }
            if (!files.isEmpty() && (stream != null || consumer != null)) {
                throw CliException.usage("--stream/--consumer select live consumers; with contract files the files"
                        + " say which consumer they describe");
            }
            if (live && serverVersion != null) {
                throw CliException.usage("--live lints for the connected server's version; drop --server-version");
            }
            ServerVersion v = null;
            if (serverVersion != null) {
                try {
                    v = ServerVersion.parse(serverVersion);
                } catch (IllegalArgumentException e) {
                    throw CliException.usage(
                            "--server-version " + e.getMessage().replaceFirst("^version ", ""));
                }
            }
            java.util.Map<String, String> suppressions = new java.util.TreeMap<>();
            for (String x : suppress) {
                int eq = x.indexOf('=');
                if (eq <= 0 || eq == x.length() - 1) {
                    throw CliException.usage("--suppress must be RULE=REASON (the reason says why the rule does not"
                            + " apply), e.g. ACK-002=chosen-in-the-contract, but was '" + x + "'");
                }
                try {
                    suppressions.put(
                            dev.jscontract.contract.LintRule.byId(x.substring(0, eq))
                                    .id(),
                            x.substring(eq + 1));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--suppress " + e.getMessage());
                }
            }
            return new LintCommand(
                    files,
                    Options.streamName(stream, "--stream"),
                    Options.streamName(consumer, "--consumer"),
                    live,
                    v,
                    suppressions,
                    strict,
                    json);
        }
    }

    @Command(
            name = "explain",
            description = "The delivery timeline of contract files: attempts, deadlines, retry delays, dead-lettering.",
            mixinStandardHelpOptions = true)
    static final class Explain implements Leaf {
        @Parameters(paramLabel = "CONTRACT.json", arity = "1..*", description = "Contract files.")
        List<Path> files = new ArrayList<>();

        @Option(
                names = {"-j", "--json"},
                description = "One JSON document {\"contracts\": [...]}; durations in ms.")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            return new ExplainCommand(files, json);
        }
    }
}
