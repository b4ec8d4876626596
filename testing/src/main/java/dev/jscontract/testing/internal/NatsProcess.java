package dev.jscontract.testing.internal;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerBinary;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ServerInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A nats-server process started by the harness.
 *
 * <p>Why not {@code io.nats:jnats-server-runner}: the harness needs SIGKILL (not just a graceful stop), a restart on
 * the same port with the same store directory so JetStream state survives, and 3-node clusters whose route ports
 * are known before any node starts. The runner owns its port/config choices and deletes its config on stop, so the
 * launcher is written here: it writes a config file, starts the binary, and waits until the server sends its
 * {@code INFO} line (JetStream is enabled before the client listener opens, so INFO means ready).
 *
 * <p>Work directory layout: {@code nats.conf}, {@code nats.log} (stdout and stderr, appended across restarts),
 * {@code store/} (JetStream).
 */
public final class NatsProcess implements NatsServer {
    private static final Logger LOG = LoggerFactory.getLogger(NatsProcess.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final NatsServerBinary binary;
    private final Path workDir;
    private final Path config;
    private final Path log;
    private final int port;
    private final String name;
    private final boolean ownsWorkDir;
    private @Nullable Process process;

    private NatsProcess(
            NatsServerBinary binary, Path workDir, int port, String name, String configText, boolean ownsWorkDir) {
        this.binary = binary;
        this.workDir = workDir;
        this.config = workDir.resolve("nats.conf");
        this.log = workDir.resolve("nats.log");
        this.port = port;
        this.name = name;
        this.ownsWorkDir = ownsWorkDir;
        try {
            Files.createDirectories(workDir.resolve("store"));
            Files.writeString(config, configText);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write nats-server config in " + workDir, e);
        }
    }

    /**
     * Starts a single server on a free port with a new work directory.
     *
     * @param extraConfig config lines appended to the generated file (e.g. {@code max_payload: 65536})
     */
    public static NatsProcess startSingle(NatsServerBinary binary, List<String> extraConfig) {
        return startWithFreePort(
                binary, port -> "jsc-" + port, (port, name, store) -> config(port, name, store, extraConfig));
    }

    /** Renders the config file for one server; cluster nodes add a {@code cluster} block through extraConfig. */
    static String config(int port, String name, Path store, List<String> extraConfig) {
        StringBuilder sb = new StringBuilder()
                .append("server_name: \"")
                .append(name)
                .append("\"\n")
                .append("listen: \"127.0.0.1:")
                .append(port)
                .append("\"\n")
                .append("jetstream {\n  store_dir: \"")
                .append(store)
                .append("\"\n}\n");
        extraConfig.forEach(line -> sb.append(line).append('\n'));
        return sb.toString();
    }

    /** Renders a config file for a port, server name and store directory. */
    @FunctionalInterface
    interface ConfigRenderer {
        String render(int port, String name, Path store);
    }

    /** Starts a server, retrying with another port when the one picked was taken in the meantime. */
    static NatsProcess startWithFreePort(NatsServerBinary binary, IntFunction<String> naming, ConfigRenderer renderer) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = Ports.free();
            NatsProcess p = create(binary, port, naming.apply(port), renderer);
            try {
                p.start();
                return p;
            } catch (IllegalStateException e) {
                last = e;
                p.close();
            }
        }
        throw last;
    }

    /** Creates (does not start) a server process with a new temporary work directory. */
    static NatsProcess create(NatsServerBinary binary, int port, String name, ConfigRenderer renderer) {
        try {
            Path dir = Files.createTempDirectory("jsc-nats-" + port + "-");
            return new NatsProcess(binary, dir, port, name, renderer.render(port, name, dir.resolve("store")), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for nats-server", e);
        }
    }

    @Override
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String version() {
        return binary.version();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isAtLeast(String version) {
        return binary.isAtLeast(version);
    }

    @Override
    public boolean isControllable() {
        return true;
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public Optional<Path> storeDir() {
        return Optional.of(workDir.resolve("store"));
    }

    /** The server's log file (stdout and stderr of every run). */
    public Path logFile() {
        return log;
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        try {
            Process p = new ProcessBuilder(binary.path().toString(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            ProcessReaper.register(p.toHandle());
            process = p;
            awaitInfo(p);
            LOG.debug("started {} on port {} (pid {})", binary, port, p.pid());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
        }
    }

    private void awaitInfo(Process p) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                ProcessReaper.unregister(p.toHandle());
                process = null;
                throw new IllegalStateException("nats-server " + version() + " on port " + port
                        + " exited during start (exit " + p.exitValue() + "); log tail:\n" + logTail());
            }
            if (readInfo(port).isPresent()) {
                return;
            }
            sleep(20);
        }
        p.destroyForcibly();
        throw new IllegalStateException("nats-server " + version() + " on port " + port
                + " did not accept clients within " + START_TIMEOUT.toSeconds() + " s; log tail:\n" + logTail());
    }

    /** Connects to the port and reads the server's INFO line, if a nats-server answers there. */
    static Optional<ServerInfo> readInfo(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            return line != null && line.startsWith("INFO ") ? Optional.of(new ServerInfo(line)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("nats-server on port {} did not stop within {} s; killing it", port, STOP_TIMEOUT.toSeconds());
                p.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        ProcessReaper.unregister(p.toHandle());
        process = null;
    }

    @Override
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly(); // SIGKILL on Unix
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ProcessReaper.unregister(p.toHandle());
        process = null;
    }

    @Override
    public void restart() {
        stop();
        start();
    }

    @Override
    public Connection connect() throws IOException, InterruptedException {
        return Nats.connect(options().build());
    }

    @Override
    public Options.Builder options() {
        return ClientDefaults.options(url());
    }

    @Override
    public void close() {
        kill();
        if (ownsWorkDir) {
            Files2.deleteRecursively(workDir);
        }
    }

    /** The last lines of the server log, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for nats-server", e);
        }
    }

    @Override
    public String toString() {
        return "nats-server " + version() + " " + name + " at " + url() + (isRunning() ? "" : " (stopped)");
    }
}
