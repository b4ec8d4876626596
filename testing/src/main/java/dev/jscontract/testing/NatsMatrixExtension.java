package dev.jscontract.testing;

import dev.jscontract.testing.internal.Availability;
import dev.jscontract.testing.internal.NatsMatrix;
import dev.jscontract.testing.internal.Resolvers;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContext;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContextProvider;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/** Provides one class template invocation per nats-server version; registered by {@link NatsServerMatrix}. */
public final class NatsMatrixExtension implements ClassTemplateInvocationContextProvider, ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Availability.probe(() -> Resolvers.nats().matrix());
    }

    @Override
    public boolean supportsClassTemplate(ExtensionContext context) {
        return AnnotationSupport.isAnnotated(context.getRequiredTestClass(), NatsServerMatrix.class);
    }

    @Override
    public Stream<ClassTemplateInvocationContext> provideClassTemplateInvocationContexts(ExtensionContext context) {
        List<NatsServerBinary> matrix = Resolvers.nats().matrix();
        if (matrix.isEmpty()) {
            // JSC_NATS_URL or Docker: a single run against whatever the default resolution gives.
            return Stream.of(new Invocation(null));
        }
        return matrix.stream().map(Invocation::new);
    }

    private static final class Invocation implements ClassTemplateInvocationContext {
        private final @Nullable NatsServerBinary binary;

        Invocation(@Nullable NatsServerBinary binary) {
            this.binary = binary;
        }

        @Override
        public String getDisplayName(int invocationIndex) {
            return binary != null ? "[nats-server " + binary.version() + "]" : "[nats-server: external or Docker]";
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return binary == null ? List.of() : List.of(new VersionInFailures(binary.version()));
        }

        @Override
        public void prepareInvocation(ExtensionContext context) {
            if (binary != null) {
                NatsMatrix.select(context, binary);
            }
        }
    }

    /**
     * Prefixes failures with the invocation's version, because build reports (Surefire/Failsafe XML) show the
     * method name only and the three runs of a method would otherwise look alike.
     */
    static final class VersionInFailures
            implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
        private final String version;

        VersionInFailures(String version) {
            this.version = version;
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
            throw withVersion(throwable);
        }

        @Override
        public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw withVersion(throwable);
        }

        @Override
        public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw withVersion(throwable);
        }

        private Throwable withVersion(Throwable t) {
            if (t instanceof TestAbortedException
                    || String.valueOf(t.getMessage()).startsWith("[nats-server ")) {
                return t;
            }
            AssertionError e = new AssertionError(
                    "[nats-server " + version + "] " + t.getClass().getName() + ": " + t.getMessage(), t);
            e.setStackTrace(t.getStackTrace());
            return e;
        }
    }
}
