package dev.jscontract.testing;

import dev.jscontract.testing.internal.Availability;
import dev.jscontract.testing.internal.ManagedResource;
import dev.jscontract.testing.internal.Resolvers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

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
 * <p>The extension owns the database and drops it after the class.
 */
public final class PostgresExtension
        implements BeforeAllCallback, AfterAllCallback, ParameterResolver, ExecutionCondition {
    private final ManagedResource<PostgresDatabase> resource =
            new ManagedResource<>(PostgresDatabase.class, this, ctx -> Resolvers.postgres()
                    .createDatabase(ctx.getRequiredTestClass().getSimpleName()));
    private volatile @Nullable PostgresDatabase current;

    /** Creates the extension (declaratively through {@link WithPostgres}, or as a {@code @RegisterExtension}). */
    public PostgresExtension() {}

    /**
     * The database of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public PostgresDatabase database() {
        PostgresDatabase d = current;
        if (d == null) {
            throw new IllegalStateException("no database exists: database() is only available while the class that"
                    + " registers this extension runs");
        }
        return d;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> Resolvers.postgres().probe());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        current = resource.open(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        current = null;
        resource.close(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return resource.supports(parameterContext.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return resource.require(extensionContext, "the database is created before @BeforeAll methods run");
    }
}
