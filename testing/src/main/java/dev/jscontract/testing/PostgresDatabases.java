package dev.jscontract.testing;

import dev.jscontract.testing.internal.Environment;
import dev.jscontract.testing.internal.PrivatePostgresServer;
import dev.jscontract.testing.internal.Resolvers;

/**
 * Creates fresh PostgreSQL databases without JUnit (demos, benchmarks, a {@code main}), on the server found by the
 * same rules as {@link WithPostgres}. The caller owns the database and must {@link PostgresDatabase#close()} it,
 * which drops it.
 *
 * <pre>{@code
 * try (PostgresDatabase db = PostgresDatabases.create("orders demo")) {
 *   DataSource ds = db.dataSource();
 * }
 * }</pre>
 */
public final class PostgresDatabases {
    private PostgresDatabases() {}

    /**
     * Creates a database named after {@code hint} (sanitized, with a random suffix).
     *
     * @throws ServerUnavailableException when no PostgreSQL can be found (the message says how to provide one; never a
     *     JUnit skip, since this runs outside JUnit)
     */
    public static PostgresDatabase create(String hint) {
        return Environment.outsideJUnit(() -> Resolvers.postgres().createDatabase(hint));
    }

    /**
     * Starts a PostgreSQL server of the caller's own (as {@link WithPrivatePostgres} does), which it may stop, kill
     * and restart; {@link PrivatePostgres#close()} kills it and deletes its data.
     *
     * @throws ServerUnavailableException when {@code initdb}/{@code pg_ctl} cannot be found or the server does not
     *     start (the message says what to install)
     */
    public static PrivatePostgres startPrivate() {
        return Environment.outsideJUnit(() -> PrivatePostgresServer.start(Environment.system()));
    }
}
