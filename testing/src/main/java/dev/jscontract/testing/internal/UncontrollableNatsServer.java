package dev.jscontract.testing.internal;

import dev.jscontract.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ServerInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A server the harness can use but not control: one named by {@code JSC_NATS_URL}, or one in a Docker container
 * (whose host port changes when the container restarts). Lifecycle calls report "not possible": a skip outside CI,
 * a failure under CI.
 */
public final class UncontrollableNatsServer implements NatsServer {
    private final String url;
    private final String origin;
    private final ServerInfo info;
    private final Environment env;
    private final @Nullable AutoCloseable owned;

    /**
     * @param url the client URL
     * @param origin where the server comes from, for messages (e.g. "JSC_NATS_URL")
     * @param owned closed by {@link #close()} (e.g. the container), or null when nothing is owned
     */
    public UncontrollableNatsServer(String url, String origin, Environment env, @Nullable AutoCloseable owned)
            throws IOException, InterruptedException {
        this.url = url;
        this.origin = origin;
        this.env = env;
        this.owned = owned;
        try (Connection nc =
                Nats.connect(ClientDefaults.options(url).maxReconnects(0).build())) {
            this.info = nc.getServerInfo();
        }
        if (!info.isJetStreamAvailable()) {
            throw new IllegalStateException("the nats-server at " + url + " (" + origin + ") does not have JetStream"
                    + " enabled; start it with -js");
        }
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public int port() {
        return java.net.URI.create(url).getPort();
    }

    @Override
    public String version() {
        return info.getVersion();
    }

    @Override
    public String name() {
        return info.getServerName();
    }

    @Override
    public boolean isAtLeast(String version) {
        return Versions.compare(version(), version) >= 0;
    }

    @Override
    public boolean isControllable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return true;
    }

    @Override
    public Optional<Path> storeDir() {
        return Optional.empty();
    }

    private RuntimeException notPossible(String what) {
        return env.unavailable("cannot " + what + " the nats-server at " + url + ": it comes from " + origin
                + " and the harness does not control its process. Tests that stop, kill or restart servers need a"
                + " local nats-server binary: unset JSC_NATS_URL and put nats-server on PATH (or set"
                + " JSC_NATS_SERVER_BIN)");
    }

    @Override
    public void stop() {
        throw notPossible("stop");
    }

    @Override
    public void start() {
        throw notPossible("start");
    }

    @Override
    public void restart() {
        throw notPossible("restart");
    }

    @Override
    public void kill() {
        throw notPossible("kill");
    }

    @Override
    public Connection connect() throws IOException, InterruptedException {
        return Nats.connect(options().build());
    }

    @Override
    public Options.Builder options() {
        return ClientDefaults.options(url);
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop " + origin + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "nats-server " + version() + " at " + url + " (" + origin + ")";
    }
}
