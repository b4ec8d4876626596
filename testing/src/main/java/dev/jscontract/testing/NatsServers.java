package dev.jscontract.testing;

import dev.jscontract.testing.internal.Environment;
import dev.jscontract.testing.internal.Resolvers;
import java.util.List;
import java.util.Optional;

/**
 * Starts servers without JUnit, for code that manages its own lifecycle (benchmarks, demos, a {@code main}).
 * Everything returned is owned by the caller and must be closed. When no server can be had, the methods throw {@link
 * ServerUnavailableException} with the message that says how to provide one (never a JUnit skip).
 *
 * <pre>{@code
 * try (NatsServer server = NatsServers.start()) {
 *   ...
 * }
 * }</pre>
 */
public final class NatsServers {
    private NatsServers() {}

    /** Starts (or connects to) a server by the documented resolution order. */
    public static NatsServer start(String... config) {
        return Environment.outsideJUnit(() -> Resolvers.nats().server(List.of(config)));
    }

    /** Starts a server of the given binary. */
    public static NatsServer start(NatsServerBinary binary, String... config) {
        return Environment.outsideJUnit(() -> Resolvers.nats().server(binary, List.of(config)));
    }

    /** Starts a 3-node cluster of the default binary. */
    public static NatsCluster startCluster() {
        return Environment.outsideJUnit(() -> Resolvers.nats().cluster(null));
    }

    /** The default binary ({@code JSC_NATS_SERVER_BIN} or {@code nats-server} on PATH), if there is one. */
    public static Optional<NatsServerBinary> defaultBinary() {
        return Resolvers.nats().defaultBinary();
    }

    /** The binaries of the version matrix, oldest first (see {@link NatsServerMatrix}). */
    public static List<NatsServerBinary> matrix() {
        return Resolvers.nats().matrix();
    }
}
