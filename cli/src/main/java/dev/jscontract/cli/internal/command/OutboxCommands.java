package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.internal.outbox.OutboxDb;
import dev.jscontract.cli.internal.outbox.OutboxParkedCommand;
import dev.jscontract.cli.internal.outbox.OutboxRequeueCommand;
import dev.jscontract.cli.internal.outbox.OutboxStatusCommand;
import dev.jscontract.outbox.WalSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code outbox} command and its subcommands. */
final class OutboxCommands {
    private OutboxCommands() {}

    /** The outbox's database and tables. */
    static final class Db {
        @Option(
                names = "--jdbc-url",
                paramLabel = "URL",
                description = "PostgreSQL JDBC URL of the outbox's database (JSCONTRACT_JDBC_URL).")
        @Nullable
        String jdbcUrl;

        @Option(names = "--schema", paramLabel = "SCHEMA", description = "The tables' schema (default: search path).")
        @Nullable
        String schema;

        @Option(names = "--table", paramLabel = "TABLE", description = "The outbox table (default outbox).")
        @Nullable
        String table;

        @Option(
                names = "--parked-table",
                paramLabel = "TABLE",
                description = "The parked-rows table (default <table>_parked).")
        @Nullable
        String parkedTable;

        OutboxDb toDb(Environment env) {
            String url = jdbcUrl != null ? jdbcUrl : env.getOrNull("JSCONTRACT_JDBC_URL");
            String parked = parkedTable != null ? parkedTable : table != null ? table + "_parked" : null;
            return OutboxDb.of(url, schema, table, parked);
        }
    }

    @Command(
            name = "outbox",
            description = "Look after the PostgreSQL outbox: status (backlog, lag, parked, partition owners, xmin"
                    + " blockers), parked rows, requeue.",
            mixinStandardHelpOptions = true,
            subcommands = {Status.class, Parked.class, Requeue.class})
    static final class Outbox {}

    @Command(
            name = "status",
            description = "Backlog, lag, parked rows, the partitions and the relay owning each, and the transactions"
                    + " that hold back the xmin horizon.",
            mixinStandardHelpOptions = true)
    static final class Status implements Leaf {
        @Mixin
        Db db = new Db();

        @Option(
                names = {"-j", "--json"},
                description = "One JSON document.")
        boolean json;

        @Option(
                names = "--slot",
                paramLabel = "SLOT",
                description = "The WAL-mode relay's replication slot (default " + WalSettings.DEFAULT_SLOT
                        + ", shown when it exists).")
        @Nullable
        String slot;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            return new OutboxStatusCommand(
                    db.toDb(env), json, slot != null ? slot : WalSettings.DEFAULT_SLOT, slot != null);
        }
    }

    @Command(
            name = "parked",
            description = "The parked rows, oldest first; with an ID, that row with its headers and payload.",
            mixinStandardHelpOptions = true)
    static final class Parked implements Leaf {
        @Mixin
        Db db = new Db();

        @Parameters(paramLabel = "ID", arity = "0..1", description = "Show this row.")
        @Nullable
        Long id;

        @Option(
                names = {"-n", "--limit"},
                paramLabel = "N",
                defaultValue = "50",
                description = "At most N rows, 1 to 10000 (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(
                names = {"-j", "--json"},
                description = "JSON (lines when listing).")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            if (limit < 1 || limit > 10_000) {
                throw CliException.usage("--limit must be between 1 and 10000 but was " + limit);
            }
            return new OutboxParkedCommand(db.toDb(env), id, limit, json);
        }
    }

    @Command(
            name = "requeue",
            description = "Move parked rows back into the outbox (same id and message id, zero attempts).",
            mixinStandardHelpOptions = true)
    static final class Requeue implements Leaf {
        @Mixin
        Db db = new Db();

        @Parameters(paramLabel = "ID", arity = "0..*", description = "Parked row ids.")
        List<Long> ids = new ArrayList<>();

        @Option(names = "--all", description = "Every parked row.")
        boolean all;

        @Mixin
        Options.Confirm confirm = new Options.Confirm();

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            if (ids.isEmpty() == !all) {
                throw CliException.usage("say what to requeue: row ids (jscontract outbox requeue 12 13) or --all");
            }
            return new OutboxRequeueCommand(db.toDb(env), ids, all, confirm.force, confirm.json);
        }
    }
}
