package dev.jscontract.testing.internal;

import dev.jscontract.testing.NatsServerBinary;
import dev.jscontract.testing.NatsServerMatrix;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Where a {@code @NatsServerMatrix} invocation records the binary its servers must run. */
public final class NatsMatrix {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NatsMatrix.class);
    private static final String KEY = "binary";

    private NatsMatrix() {}

    /** Records the binary for a class template invocation. */
    public static void select(ExtensionContext invocation, NatsServerBinary binary) {
        invocation.getStore(NAMESPACE).put(KEY, binary);
    }

    /** Whether the test class is a {@code @NatsServerMatrix} class template. */
    public static boolean isMatrix(ExtensionContext context) {
        return context.getTestClass()
                .map(c -> AnnotationSupport.isAnnotated(c, NatsServerMatrix.class))
                .orElse(false);
    }

    /** The binary chosen for the enclosing matrix invocation, or null outside a matrix. */
    public static @Nullable NatsServerBinary binary(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(KEY, NatsServerBinary.class);
    }
}
