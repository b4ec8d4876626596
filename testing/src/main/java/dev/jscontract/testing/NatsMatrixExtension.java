package dev.jscontract.testing;

import dev.jscontract.testing.internal.NatsMatrix;
import dev.jscontract.testing.internal.Resolvers;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContext;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContextProvider;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Provides one class template invocation per nats-server version; registered by {@link NatsServerMatrix}. */
public final class NatsMatrixExtension implements ClassTemplateInvocationContextProvider {

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
        public void prepareInvocation(ExtensionContext context) {
            if (binary != null) {
                NatsMatrix.select(context, binary);
            }
        }
    }
}
