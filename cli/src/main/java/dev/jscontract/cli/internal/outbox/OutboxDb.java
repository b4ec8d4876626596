package dev.jscontract.cli.internal.outbox;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxTables;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Which outbox the {@code outbox} commands work on: a PostgreSQL JDBC URL ({@code --jdbc-url}, else {@code
 * JSCONTRACT_JDBC_URL}) and the table names the relays use ({@code --schema}, {@code --table}, {@code
 * --parked-table}, as {@link OutboxTables}), plus the translation of database failures into one line.
 *
 * @param jdbcUrl the JDBC URL
 * @param tables the outbox's tables
 */
public record OutboxDb(String jdbcUrl, OutboxTables tables) {

    /**
     * Checks the options and builds the tables.
     *
     * @throws CliException (exit 2) for a missing or non-PostgreSQL URL or bad table names
     */
    public static OutboxDb of(
            @Nullable String jdbcUrl, @Nullable String schema, @Nullable String table, @Nullable String parkedTable) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw CliException.usage("give the outbox's database with --jdbc-url"
                    + " jdbc:postgresql://HOST:5432/DB?user=USER (or set JSCONTRACT_JDBC_URL)");
        }
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw CliException.usage(
                    "--jdbc-url must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:5432/DB) but was '"
                            + redact(jdbcUrl) + "'");
        }
        try {
            OutboxTables.Builder b = OutboxTables.builder();
            if (schema != null) {
                b.schema(schema);
            }
            if (table != null) {
                b.table(table);
            }
            if (parkedTable != null) {
                b.parkedTable(parkedTable);
            }
            return new OutboxDb(jdbcUrl, b.build());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** The admin on a data source for the URL. */
    public OutboxAdmin admin() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl);
        ds.setApplicationName("jscontract-cli");
        ds.setConnectTimeout(10);
        return OutboxAdmin.create(ds, tables);
    }

    /** A database failure as one line with what to do. */
    public CliException failure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08") || state.equals("28P01") || state.equals("28000") || state.equals("3D000")) {
            return new CliException(
                    ExitCodes.UNAVAILABLE,
                    "cannot connect to " + redact(jdbcUrl) + ": " + e.getMessage() + "; check --jdbc-url (host, port,"
                            + " database, user, password)",
                    e);
        }
        if (state.equals("42P01")) {
            return new CliException(
                    ExitCodes.UNAVAILABLE,
                    "the outbox tables " + tables.qualifiedTable() + " / " + tables.qualifiedParkedTable() + " are not"
                            + " in this database (" + e.getMessage() + "); give --schema/--table as the relay's"
                            + " OutboxTables, or install the schema with OutboxSchema.install",
                    e);
        }
        return new CliException(
                ExitCodes.UNAVAILABLE, "cannot " + what + " in " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }

    /** The URL without a password parameter. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "OutboxDb{" + redact(jdbcUrl) + ", " + tables + "}";
    }
}
