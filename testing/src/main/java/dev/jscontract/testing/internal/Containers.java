package dev.jscontract.testing.internal;

import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The Docker fallback of server resolution (Testcontainers), used only when no URL, binary or local server is
 * found. Images: {@code JSC_NATS_IMAGE} (default {@value #DEFAULT_NATS_IMAGE}) and {@code JSC_POSTGRES_IMAGE}
 * (default {@value #DEFAULT_POSTGRES_IMAGE}).
 */
public final class Containers {
    static final String DEFAULT_NATS_IMAGE = "nats:2.10";
    static final String DEFAULT_POSTGRES_IMAGE = "postgres:15-alpine";

    private Containers() {}

    /** Whether a Docker engine answers. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Starts a JetStream-enabled nats-server container; returns it started. */
    public static GenericContainer<?> nats(Environment env) {
        String image = env.get("JSC_NATS_IMAGE");
        GenericContainer<?> c = new GenericContainer<>(
                        DockerImageName.parse(image != null ? image : DEFAULT_NATS_IMAGE))
                .withCommand("-js")
                .withExposedPorts(4222)
                .waitingFor(Wait.forListeningPort())
                .withStartupTimeout(Duration.ofMinutes(2));
        c.start();
        return c;
    }

    /** Starts a PostgreSQL container with trust authentication for user {@code postgres}; returns it started. */
    public static GenericContainer<?> postgres(Environment env) {
        String image = env.get("JSC_POSTGRES_IMAGE");
        GenericContainer<?> c = new GenericContainer<>(
                        DockerImageName.parse(image != null ? image : DEFAULT_POSTGRES_IMAGE))
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                .withExposedPorts(5432)
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 2))
                .withStartupTimeout(Duration.ofMinutes(2));
        c.start();
        return c;
    }
}
