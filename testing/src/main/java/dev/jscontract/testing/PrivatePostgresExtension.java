package dev.jscontract.testing;

import dev.jscontract.testing.internal.Availability;
import dev.jscontract.testing.internal.Environment;
import dev.jscontract.testing.internal.ManagedResource;
import dev.jscontract.testing.internal.PrivatePostgresServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts a private PostgreSQL server per test class and injects it as a {@link
 * PrivatePostgres} parameter. Declarative form: {@link WithPrivatePostgres}; programmatic form:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PrivatePostgresExtension PG = new PrivatePostgresExtension();
 * // ... PG.server().kill(); PG.server().start(); ...
 * }</pre>
 *
 * <p>The extension owns the server and deletes it after the class.
 */
public final class PrivatePostgresExtension
        implements BeforeAllCallback, AfterAllCallback, ParameterResolver, ExecutionCondition {
    private final ManagedResource<PrivatePostgres> resource = new ManagedResource<>(
            PrivatePostgres.class, this, ctx -> PrivatePostgresServer.start(Environment.system()));
    private volatile @Nullable PrivatePostgres current;

    /** Creates the extension (declaratively through {@link WithPrivatePostgres}, or as a {@code @RegisterExtension}). */
    public PrivatePostgresExtension() {}

    /**
     * The server of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public PrivatePostgres server() {
        PrivatePostgres p = current;
        if (p == null) {
            throw new IllegalStateException("no private PostgreSQL is running: server() is only available while the"
                    + " class that registers this extension runs");
        }
        return p;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> PrivatePostgresServer.probe(Environment.system()));
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
        return resource.require(extensionContext, "the server is started before @BeforeAll methods run");
    }
}
