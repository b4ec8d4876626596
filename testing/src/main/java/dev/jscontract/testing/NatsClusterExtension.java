package dev.jscontract.testing;

import dev.jscontract.testing.internal.ClassResourceExtension;
import dev.jscontract.testing.internal.NatsMatrix;
import dev.jscontract.testing.internal.Resolvers;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that starts a 3-node nats-server cluster for a test class (for each version in a {@link
 * NatsServerMatrix} class) and injects it as a {@link NatsCluster} parameter. Declarative form: {@link
 * WithNatsCluster}; programmatic form:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NatsClusterExtension CLUSTER = new NatsClusterExtension();
 * // ... CLUSTER.cluster().connect() ...
 * }</pre>
 *
 * <p>The extension owns the cluster and stops it after the class. Outside CI a class whose cluster cannot be
 * started (no nats-server binary) is skipped with the reason; under CI it fails.
 */
public final class NatsClusterExtension extends ClassResourceExtension<NatsCluster> {

    /** Creates the extension (declaratively through {@link WithNatsCluster}, or as a {@code @RegisterExtension}). */
    public NatsClusterExtension() {
        super(NatsCluster.class, true, "nats-server cluster");
    }

    /**
     * The cluster of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public NatsCluster cluster() {
        return current("cluster()");
    }

    @Override
    protected NatsCluster open(ExtensionContext context) {
        return Resolvers.nats().cluster(NatsMatrix.binary(context));
    }

    @Override
    protected void probe(ExtensionContext context) {
        Resolvers.nats().probeCluster();
    }
}
