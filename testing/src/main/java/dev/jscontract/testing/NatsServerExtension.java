package dev.jscontract.testing;

import dev.jscontract.testing.internal.Availability;
import dev.jscontract.testing.internal.ManagedResource;
import dev.jscontract.testing.internal.NatsMatrix;
import dev.jscontract.testing.internal.Resolvers;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterClassTemplateInvocationCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeClassTemplateInvocationCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension that starts a real nats-server for a test class (or each test) and injects it as a {@link
 * NatsServer} parameter. Declarative form: {@link WithNatsServer}. Programmatic form:
 *
 * <pre>{@code
 * class MyIT {
 *   @RegisterExtension
 *   static final NatsServerExtension NATS = NatsServerExtension.perClass();
 *
 *   @Test
 *   void works() throws Exception {
 *     try (Connection nc = NATS.server().connect()) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>The server is resolved as described in the README ("How the harness finds servers"); inside a {@link
 * NatsServerMatrix} class it is the invocation's version. The extension owns the server and closes it after the
 * class (or test).
 */
public final class NatsServerExtension
        implements BeforeAllCallback,
                AfterAllCallback,
                BeforeClassTemplateInvocationCallback,
                AfterClassTemplateInvocationCallback,
                BeforeEachCallback,
                AfterEachCallback,
                ParameterResolver,
                ExecutionCondition {

    private final @Nullable Boolean perTestOverride;
    private final List<String> configOverride;
    private final ManagedResource<NatsServer> resource;
    private volatile @Nullable NatsServer current;

    /** The declarative form; settings come from {@link WithNatsServer} on the test class. */
    public NatsServerExtension() {
        this(null, List.of());
    }

    private NatsServerExtension(@Nullable Boolean perTest, List<String> config) {
        this.perTestOverride = perTest;
        this.configOverride = List.copyOf(config);
        this.resource = new ManagedResource<>(NatsServer.class, this, this::startServer);
    }

    /** One server for all tests of the class. */
    public static NatsServerExtension perClass(String... config) {
        return new NatsServerExtension(false, List.of(config));
    }

    /** A fresh server for every test. */
    public static NatsServerExtension perTest(String... config) {
        return new NatsServerExtension(true, List.of(config));
    }

    /**
     * The server of the running class or test.
     *
     * @throws IllegalStateException outside a test of the class that registered this extension
     */
    public NatsServer server() {
        NatsServer s = current;
        if (s == null) {
            throw new IllegalStateException("no nats-server is running: server() is only available while a test of the"
                    + " class that registers this extension runs");
        }
        return s;
    }

    private boolean perTest(ExtensionContext context) {
        if (perTestOverride != null) {
            return perTestOverride;
        }
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithNatsServer.class)
                .map(WithNatsServer::perTest)
                .orElse(false);
    }

    private List<String> config(ExtensionContext context) {
        if (perTestOverride != null) {
            return configOverride;
        }
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithNatsServer.class)
                .map(a -> List.of(a.config()))
                .orElse(List.of());
    }

    private NatsServer startServer(ExtensionContext context) {
        NatsServerBinary binary = NatsMatrix.binary(context);
        List<String> config = config(context);
        NatsServer s = binary != null
                ? Resolvers.nats().server(binary, config)
                : Resolvers.nats().server(config);
        current = s;
        return s;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> Resolvers.nats().probe(NatsMatrix.isMatrix(context)));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // In a version matrix, @BeforeAll belongs to the template (all versions): servers start per invocation.
        if (!perTest(context) && !NatsMatrix.isMatrix(context)) {
            resource.open(context);
        }
    }

    @Override
    public void beforeClassTemplateInvocation(ExtensionContext context) {
        if (!perTest(context)) {
            resource.open(context);
        }
    }

    @Override
    public void afterClassTemplateInvocation(ExtensionContext context) throws Exception {
        current = null;
        resource.close(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (perTest(context)) {
            resource.open(context);
        } else {
            current = resource.find(context).orElse(null);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
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
        Objects.requireNonNull(extensionContext, "extensionContext");
        return resource.require(
                extensionContext,
                "with perTest the server exists only inside a test, and in a @NatsServerMatrix class only inside"
                        + " tests and @BeforeEach/@AfterEach methods (@BeforeAll runs once for all versions)");
    }
}
