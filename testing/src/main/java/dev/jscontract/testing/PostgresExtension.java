package dev.jscontract.testing;

import dev.jscontract.testing.internal.ClassResourceExtension;
import dev.jscontract.testing.internal.Resolvers;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that creates a fresh PostgreSQL database per test class and injects it as a {@link
 * PostgresDatabase} parameter. Declarative form: {@link WithPostgres}; programmatic form:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresExtension PG = new PostgresExtension();
 * // ... PG.database().dataSource() ...
 * }</pre>
 *
 * <p>The extension owns the database and drops it after the class. Outside CI a class without a reachable
 * PostgreSQL is skipped with the reason; under CI it fails.
 */
public final class PostgresExtension extends ClassResourceExtension<PostgresDatabase> {

    /** Creates the extension (declaratively through {@link WithPostgres}, or as a {@code @RegisterExtension}). */
    public PostgresExtension() {
        super(PostgresDatabase.class, false, "PostgreSQL database");
    }

    /**
     * The database of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public PostgresDatabase database() {
        return current("database()");
    }

    @Override
    protected PostgresDatabase open(ExtensionContext context) {
        return Resolvers.postgres()
                .createDatabase(context.getRequiredTestClass().getSimpleName());
    }

    @Override
    protected void probe(ExtensionContext context) {
        Resolvers.postgres().probe();
    }
}
