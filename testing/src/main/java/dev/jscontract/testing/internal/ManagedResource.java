package dev.jscontract.testing.internal;

import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/**
 * The lifecycle shared by the harness's JUnit extensions: a resource opened before all tests of a class (or before
 * each test), stored in the JUnit context so tests and lifecycle methods can have it injected, and closed after
 * the class (or test). Resources are closed explicitly, not by the store's auto-close, so the behaviour does not
 * depend on JUnit configuration.
 *
 * @param <R> the resource type
 */
public final class ManagedResource<R extends AutoCloseable> {
    private final Class<R> type;
    private final ExtensionContext.Namespace namespace;
    private final Function<ExtensionContext, R> factory;

    /**
     * @param type the type tests receive as a parameter
     * @param owner the extension class, which makes the store namespace unique
     * @param factory opens the resource for a context
     */
    public ManagedResource(Class<R> type, Object owner, Function<ExtensionContext, R> factory) {
        this.type = type;
        this.namespace = ExtensionContext.Namespace.create(owner.getClass(), type, System.identityHashCode(owner));
        this.factory = factory;
    }

    /** Opens the resource for this context (class or method) and stores it there. */
    public R open(ExtensionContext context) {
        R resource = factory.apply(context);
        context.getStore(namespace).put(type, resource);
        return resource;
    }

    /** Closes and forgets the resource stored in exactly this context, if any. */
    public void close(ExtensionContext context) throws Exception {
        R resource = context.getStore(namespace).remove(type, type);
        if (resource != null) {
            resource.close();
        }
    }

    /** The resource visible from this context (its own or an enclosing one's). */
    public Optional<R> find(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(namespace).get(type, type));
    }

    /** Like {@link #find} but fails parameter resolution with a message saying why nothing is there. */
    public R require(ExtensionContext context, String lifecycleHint) {
        return find(context)
                .orElseThrow(() -> new ParameterResolutionException(
                        "no " + type.getSimpleName() + " is available here: " + lifecycleHint));
    }

    /** Whether a parameter of this type is asked for. */
    public boolean supports(Class<?> parameterType) {
        return parameterType == type;
    }
}
