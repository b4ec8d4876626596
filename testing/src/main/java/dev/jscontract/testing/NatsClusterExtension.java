package dev.jscontract.testing;

import dev.jscontract.testing.internal.Availability;
import dev.jscontract.testing.internal.ManagedResource;
import dev.jscontract.testing.internal.NatsMatrix;
import dev.jscontract.testing.internal.Resolvers;
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
 * JUnit 5 extension that starts a 3-node nats-server cluster for a test class and injects it as a {@link
 * NatsCluster} parameter. Declarative form: {@link WithNatsCluster}; programmatic form:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NatsClusterExtension CLUSTER = new NatsClusterExtension();
 * // ... CLUSTER.cluster().connect() ...
 * }</pre>
 *
 * <p>The extension owns the cluster and stops it after the class.
 */
public final class NatsClusterExtension
        implements BeforeAllCallback,
                AfterAllCallback,
                BeforeClassTemplateInvocationCallback,
                AfterClassTemplateInvocationCallback,
                ParameterResolver,
                ExecutionCondition {
    private final ManagedResource<NatsCluster> resource =
            new ManagedResource<>(NatsCluster.class, this, this::startCluster);
    private volatile @Nullable NatsCluster current;

    /** Creates the extension (declaratively through {@link WithNatsCluster}, or as a {@code @RegisterExtension}). */
    public NatsClusterExtension() {}

    private NatsCluster startCluster(ExtensionContext context) {
        NatsCluster c = Resolvers.nats().cluster(NatsMatrix.binary(context));
        current = c;
        return c;
    }

    /**
     * The cluster of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public NatsCluster cluster() {
        NatsCluster c = current;
        if (c == null) {
            throw new IllegalStateException("no cluster is running: cluster() is only available while the class that"
                    + " registers this extension runs");
        }
        return c;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> Resolvers.nats().probeCluster());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // In a version matrix, @BeforeAll belongs to the template (all versions): clusters start per invocation.
        if (!NatsMatrix.isMatrix(context)) {
            resource.open(context);
        }
    }

    @Override
    public void beforeClassTemplateInvocation(ExtensionContext context) {
        resource.open(context);
    }

    @Override
    public void afterClassTemplateInvocation(ExtensionContext context) throws Exception {
        current = null;
        resource.close(context);
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
                "the cluster is started before @BeforeAll methods run; in a @NatsServerMatrix class it exists only"
                        + " inside tests and @BeforeEach/@AfterEach methods (@BeforeAll runs once for all versions)");
    }
}
