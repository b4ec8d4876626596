package dev.jscontract.testing.internal;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterClassTemplateInvocationCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeClassTemplateInvocationCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The shape shared by the harness's per-class extensions (cluster, database, private database): availability is
 * probed before the class runs (skip outside CI, fail under it), the resource is opened before all tests and closed
 * after them, injected as a parameter, and reachable through the extension's accessor while the class runs. In a
 * {@code @NatsServerMatrix} class, resources that depend on the server version are opened per version instead.
 *
 * <p>Not API: the public extensions extend it so they share one implementation.
 *
 * @param <R> the resource type
 */
public abstract class ClassResourceExtension<R extends AutoCloseable>
        implements BeforeAllCallback,
                AfterAllCallback,
                BeforeClassTemplateInvocationCallback,
                AfterClassTemplateInvocationCallback,
                ParameterResolver,
                ExecutionCondition {
    private final ManagedResource<R> resource;
    private final boolean perVersion;
    private final String description;
    private volatile @Nullable R current;

    /**
     * @param type the resource type tests receive
     * @param perVersion whether a {@code @NatsServerMatrix} class gets one per version (true for nats resources)
     * @param description what the resource is, for messages (e.g. "private PostgreSQL")
     */
    protected ClassResourceExtension(Class<R> type, boolean perVersion, String description) {
        this.resource = new ManagedResource<>(type, this, this::openAndRemember);
        this.perVersion = perVersion;
        this.description = description;
    }

    /** Opens the resource for a class (or matrix invocation) context. */
    protected abstract R open(ExtensionContext context);

    /** Throws {@link Environment#unavailable(String)} when the resource cannot be had. */
    protected abstract void probe(ExtensionContext context);

    private R openAndRemember(ExtensionContext context) {
        R r = open(context);
        current = r;
        return r;
    }

    /**
     * The resource of the running class, for the public accessor named {@code accessor}.
     *
     * @throws IllegalStateException outside the class that registered the extension
     */
    protected R current(String accessor) {
        R r = current;
        if (r == null) {
            throw new IllegalStateException("no " + description + " is running: " + accessor + " is only available"
                    + " while the class that registers this extension runs");
        }
        return r;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> probe(context));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // In a version matrix, @BeforeAll belongs to the template (all versions).
        if (!(perVersion && NatsMatrix.isMatrix(context))) {
            resource.open(context);
        }
    }

    @Override
    public void beforeClassTemplateInvocation(ExtensionContext context) {
        if (perVersion) {
            resource.open(context);
        }
    }

    @Override
    public void afterClassTemplateInvocation(ExtensionContext context) throws Exception {
        if (perVersion) {
            current = null;
            resource.close(context);
        }
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
        return resource.require(
                extensionContext,
                "the " + description + " is started before @BeforeAll methods run"
                        + (perVersion
                                ? "; in a @NatsServerMatrix class it exists only inside tests and"
                                        + " @BeforeEach/@AfterEach methods (@BeforeAll runs once for all versions)"
                                : ""));
    }
}
