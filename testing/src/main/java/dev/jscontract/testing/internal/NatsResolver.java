package dev.jscontract.testing.internal;

import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerBinary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.testcontainers.containers.GenericContainer;

/**
 * Finds the nats-server(s) a test runs against, in the documented order:
 *
 * <ol>
 *   <li>{@code JSC_NATS_URL}: an existing server (usable, not controllable);
 *   <li>a binary: {@code JSC_NATS_SERVER_BIN}, else {@code nats-server} on {@code PATH};
 *   <li>Docker, through Testcontainers ({@code JSC_NATS_IMAGE});
 *   <li>otherwise "unavailable": a failure under {@code CI}, a skip outside it, with a message that says how to
 *       provide a server.
 * </ol>
 *
 * <p>The version matrix is the resolved binary plus every {@code <cache>/<version>/nats-server} in {@code
 * JSC_NATS_CACHE} (default {@code ~/.cache/jscontract/nats-server}, filled by {@code scripts/nats-servers}), one per
 * version, optionally narrowed by {@code JSC_NATS_VERSIONS} (comma-separated version prefixes) and checked against
 * {@code JSC_NATS_MATRIX_MIN} (the number of versions that must be present).
 */
public final class NatsResolver {
    /** An existing server to use instead of starting one. */
    public static final String URL = "JSC_NATS_URL";
    /** The nats-server binary to start. */
    public static final String BIN = "JSC_NATS_SERVER_BIN";
    /** Where {@code scripts/nats-servers} unpacks the matrix binaries. */
    public static final String CACHE = "JSC_NATS_CACHE";
    /** Narrows the matrix to these version prefixes, e.g. {@code 2.9,2.15}. */
    public static final String VERSIONS = "JSC_NATS_VERSIONS";
    /** The minimum number of distinct versions the matrix must have. */
    public static final String MATRIX_MIN = "JSC_NATS_MATRIX_MIN";

    private final Environment env;
    private final BooleanSupplier docker;

    /** A resolver over the given environment that asks Testcontainers whether Docker is available. */
    public NatsResolver(Environment env) {
        this(env, Containers::dockerAvailable);
    }

    /** A resolver with an explicit Docker probe (for tests of the resolution rules). */
    public NatsResolver(Environment env, BooleanSupplier docker) {
        this.env = env;
        this.docker = docker;
    }

    /** The binary to start for non-matrix tests, if one is configured or on PATH. */
    public Optional<NatsServerBinary> defaultBinary() {
        String bin = env.get(BIN);
        if (bin != null) {
            try {
                return Optional.of(NatsServerBinary.of(Path.of(bin)));
            } catch (IllegalArgumentException e) {
                throw env.unavailable(BIN + "=" + bin + " is not usable: " + e.getMessage()
                        + ". Point it at a nats-server executable, or unset it to use nats-server from PATH");
            }
        }
        return env.onPath("nats-server").map(NatsServerBinary::of);
    }

    /**
     * Checks, without starting anything, that {@link #server(List)} (or, for a matrix, {@link #matrix()}) can find a
     * server; throws {@link Environment#unavailable(String)} otherwise.
     */
    public void probe(boolean matrix) {
        if (matrix) {
            matrix();
            return;
        }
        String url = env.get(URL);
        if (url != null) {
            external(url).close();
            return;
        }
        if (defaultBinary().isEmpty() && !docker.getAsBoolean()) {
            throw env.unavailable(missingMessage());
        }
    }

    /** Checks that {@link #cluster(NatsServerBinary)} can start a cluster of the default binary. */
    public void probeCluster() {
        if (env.get(URL) != null) {
            throw env.unavailable("a 3-node cluster cannot be made from " + URL + "=" + env.get(URL)
                    + "; unset it and provide a nats-server binary (PATH or " + BIN + ")");
        }
        if (defaultBinary().isEmpty()) {
            throw env.unavailable("a 3-node cluster needs a nats-server binary (Docker clusters are not supported). "
                    + missingMessage());
        }
    }

    /** Starts (or connects to) one server by the resolution order. */
    public NatsServer server(List<String> extraConfig) {
        String url = env.get(URL);
        if (url != null) {
            if (!extraConfig.isEmpty()) {
                throw env.unavailable("this test needs server configuration " + extraConfig + ", which cannot be"
                        + " applied to the external server " + URL + "=" + url + "; unset " + URL
                        + " to let the harness start its own nats-server");
            }
            return external(url);
        }
        Optional<NatsServerBinary> bin = defaultBinary();
        if (bin.isPresent()) {
            return NatsProcess.startSingle(bin.get(), extraConfig);
        }
        if (extraConfig.isEmpty() && docker.getAsBoolean()) {
            return container();
        }
        throw env.unavailable(missingMessage());
    }

    /** Starts one server of a given binary (matrix invocations). */
    public NatsServer server(NatsServerBinary binary, List<String> extraConfig) {
        return NatsProcess.startSingle(binary, extraConfig);
    }

    /** Starts a 3-node cluster of the given binary, or of the resolved default binary when null. */
    public NatsCluster cluster(@Nullable NatsServerBinary binary) {
        if (binary == null) {
            if (env.get(URL) != null) {
                throw env.unavailable("a 3-node cluster cannot be made from " + URL + "=" + env.get(URL)
                        + "; unset it and provide a nats-server binary (PATH or " + BIN + ")");
            }
            binary = defaultBinary()
                    .orElseThrow(() -> env.unavailable(
                            "a 3-node cluster needs a nats-server binary (Docker clusters are not supported). "
                                    + missingMessage()));
        }
        return NatsClusterImpl.start(binary);
    }

    /** The server versions to run matrix tests against, one binary per version, oldest first. */
    public List<NatsServerBinary> matrix() {
        if (env.get(URL) != null) {
            return List.of(); // the external server is the only "version"; see MatrixEntry
        }
        Map<String, NatsServerBinary> byVersion = new LinkedHashMap<>();
        defaultBinary().ifPresent(b -> byVersion.put(b.version(), b));
        for (NatsServerBinary b : cached()) {
            byVersion.putIfAbsent(b.version(), b);
        }
        List<NatsServerBinary> all = new ArrayList<>(byVersion.values());
        String only = env.get(VERSIONS);
        if (only != null) {
            List<String> prefixes = Arrays.stream(only.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList();
            all.removeIf(b -> prefixes.stream()
                    .noneMatch(p -> b.version().equals(p) || b.version().startsWith(p + ".")));
        }
        all.sort(null);
        String min = env.get(MATRIX_MIN);
        if (min != null && all.size() < Integer.parseInt(min)) {
            throw env.unavailable("the nats-server version matrix has " + all.size() + " version(s) " + versions(all)
                    + " but " + MATRIX_MIN + "=" + min + " are required. Run scripts/nats-servers to fetch the"
                    + " Debian trixie and sid builds into " + cacheDir() + ", and install nats-server (apt-get"
                    + " install nats-server) for the system version");
        }
        if (all.isEmpty() && (only != null || !docker.getAsBoolean())) {
            throw env.unavailable(
                    only != null
                            ? "no nats-server of version " + only + " (" + VERSIONS + ") was found on PATH, in " + BIN
                                    + " or in " + cacheDir() + "; run scripts/nats-servers or change " + VERSIONS
                            : missingMessage());
        }
        return all;
    }

    private static String versions(List<NatsServerBinary> bins) {
        return bins.stream().map(NatsServerBinary::version).toList().toString();
    }

    /** The binaries unpacked by scripts/nats-servers. */
    List<NatsServerBinary> cached() {
        Path dir = cacheDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(d -> d.resolve("nats-server"))
                    .filter(Files::isExecutable)
                    .map(NatsServerBinary::of)
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    Path cacheDir() {
        String c = env.get(CACHE);
        return c != null ? Path.of(c) : env.home().resolve(".cache/jscontract/nats-server");
    }

    /** Connects to the server named by {@code JSC_NATS_URL}. */
    public NatsServer external(String url) {
        try {
            return new UncontrollableNatsServer(url, URL, env, null);
        } catch (IOException | RuntimeException e) {
            throw env.unavailable(URL + "=" + url + " does not answer as a JetStream-enabled nats-server ("
                    + e.getMessage() + "); start it with 'nats-server -js', or unset " + URL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Starts a nats-server container. */
    public NatsServer container() {
        GenericContainer<?> c = Containers.nats(env);
        try {
            return new UncontrollableNatsServer(
                    "nats://" + c.getHost() + ":" + c.getMappedPort(4222), "a Docker container", env, c::stop);
        } catch (IOException | RuntimeException e) {
            c.stop();
            throw new IllegalStateException("the nats-server container does not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.stop();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What to do when no server can be had. */
    String missingMessage() {
        String bin = env.get(BIN);
        return "no nats-server is available for this test. Checked, in order: " + URL + " (unset); " + BIN + " ("
                + (bin == null ? "unset" : bin) + "); 'nats-server' on PATH (not found in PATH=" + env.get("PATH")
                + "); Docker (no engine answers). Provide one of: a nats-server binary on PATH (Debian/Ubuntu:"
                + " 'apt-get install nats-server'; others: https://github.com/nats-io/nats-server/releases), or "
                + BIN + "=/path/to/nats-server, or " + URL + "=nats://host:port for a running server started with"
                + " -js (kill/restart tests then report 'not possible'), or a running Docker engine";
    }
}
