package dev.jscontract.testing;

import io.nats.client.Connection;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A real nats-server with JetStream, as a test sees it.
 *
 * <p>Servers started by the harness are processes of their own: a random free port on 127.0.0.1 and a private
 * store directory, so tests are isolated and may stop, kill and restart them. A server given by {@code
 * JSC_NATS_URL} is external: it can be used but not controlled, and the lifecycle methods report that (see {@link
 * #isControllable()}).
 *
 * <pre>{@code
 * @WithNatsServer
 * class RedeliveryIT {
 *   @Test
 *   void survivesRestart(NatsServer server) throws Exception {
 *     try (Connection nc = server.connect()) {
 *       // ... create a stream, publish ...
 *       server.restart(); // same port and store dir: the stream is still there
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Instances are owned by the extension that created them ({@link NatsServerExtension}) or, when created with
 * {@link NatsServers#start()}, by the caller, who must {@link #close()} them.
 *
 * <p>Thread-safe: tests may connect, restart and kill from several threads; {@link #close()} is idempotent.
 */
public interface NatsServer extends AutoCloseable {

    /** The client URL, e.g. {@code nats://127.0.0.1:41231}. */
    String url();

    /** The client port. */
    int port();

    /** The server's own version string, e.g. {@code 2.10.27}. */
    String version();

    /** The server name (from its INFO), used in cluster and stream-leader information. */
    String name();

    /**
     * Whether the server's version is the given one or newer, compared numerically per component.
     *
     * @param version a version such as {@code 2.10.4}
     */
    boolean isAtLeast(String version);

    /** Whether the harness controls this server's process, so {@link #stop()}, {@link #kill()} etc. work. */
    boolean isControllable();

    /** Whether the server process is currently running (always {@code true} for an external server). */
    boolean isRunning();

    /** The JetStream store directory, when the harness owns it. */
    Optional<Path> storeDir();

    /**
     * Stops the server gracefully (SIGTERM) and waits for the process to exit. Port and store are kept for {@link
     * #start()}.
     *
     * @throws org.opentest4j.TestAbortedException or {@link IllegalStateException} under {@code CI}, when the
     *     server is not {@linkplain #isControllable() controllable}
     */
    void stop();

    /**
     * Starts a stopped or killed server again on the same port with the same store, and waits until it accepts
     * clients. A no-op when it is running.
     */
    void start();

    /** {@link #stop()} then {@link #start()}. */
    void restart();

    /** Kills the process with SIGKILL (no shutdown, no flush) and waits for it to be gone. */
    void kill();

    /**
     * Connects a jnats client with test-friendly defaults: unlimited reconnects every 250 ms, a 5 s connection
     * timeout, and an error listener that logs.
     */
    Connection connect() throws IOException, InterruptedException;

    /**
     * A jnats options builder already pointed at this server, with the defaults {@link #connect()} uses; add to it and pass
     * it to {@code Nats.connect(builder.build())}. jnats appends servers to the list, so to connect through a
     * {@link TcpProxy} start from {@code Options.builder()} instead.
     */
    Options.Builder options();

    /** Stops the server (if the harness owns it) and deletes its store directory. */
    @Override
    void close();
}
