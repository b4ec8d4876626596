package dev.jscontract.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP proxy between a client and a server, for network faults that a clean disconnect does not
 * reproduce.
 *
 * <ul>
 *   <li>{@link #cut()}: a silent partition. Nothing is forwarded in either direction and no FIN or RST is sent;
 *       bytes in flight stay in socket buffers, as on a real network whose packets are dropped. New connections are
 *       accepted but not connected upstream. The client notices only through its own timeouts (for jnats: ping
 *       interval × max pings out).
 *   <li>{@link #restore()}: forwarding resumes, including what was held back, as after a healed partition.
 *   <li>{@link #delay(Duration)}: every chunk is held this long before it is forwarded (one-way added latency).
 *   <li>{@link #reset()}: every open connection is closed abruptly (RST), as after a crashed middlebox.
 * </ul>
 *
 * <pre>{@code
 * try (TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
 *      Connection nc = Nats.connect(Options.builder().server(proxy.url())
 *          .pingInterval(Duration.ofMillis(500)).build())) {
 *   proxy.cut();      // the client keeps its socket; pings go unanswered
 *   // ... the client's timeouts fire ...
 *   proxy.restore();
 * }
 * }</pre>
 *
 * <p>Owned by the caller: {@link #close()} stops the listener and closes every connection. Thread-safe: the fault
 * methods ({@link #cut()}, {@link #restore()}, {@link #delay(Duration)}, {@link #reset()}) may be called from any
 * thread while connections forward. One thread per direction per connection; meant for tests, not for load.
 */
public final class TcpProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpProxy.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final int id = IDS.incrementAndGet();
    private volatile boolean cut;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean closed;

    private TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-" + id + "-accept");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Starts a proxy on a free port of 127.0.0.1 that forwards to {@code host:port}.
     *
     * @throws UncheckedIOException when no listening socket can be opened
     */
    public static TcpProxy start(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 but was " + port);
        }
        try {
            return new TcpProxy(host, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the proxy's listening socket", e);
        }
    }

    /** The proxy's port on 127.0.0.1. */
    public int port() {
        return listener.getLocalPort();
    }

    /** {@code nats://127.0.0.1:<port>}, for pointing a NATS client through the proxy. */
    public String url() {
        return "nats://127.0.0.1:" + port();
    }

    /** Starts a silent partition; see the class description. */
    public void cut() {
        cut = true;
        LOG.debug("proxy {} -> {}:{} cut", port(), targetHost, targetPort);
    }

    /** Ends a partition: forwarding resumes, including data held back. */
    public void restore() {
        synchronized (gate) {
            cut = false;
            gate.notifyAll();
        }
        LOG.debug("proxy {} -> {}:{} restored", port(), targetHost, targetPort);
    }

    /** Whether the proxy is currently cut. */
    public boolean isCut() {
        return cut;
    }

    /**
     * Adds latency to every forwarded chunk; {@link Duration#ZERO} removes it.
     *
     * @throws IllegalArgumentException when the delay is negative
     */
    public void delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative but was " + delay);
        }
        this.delay = delay;
    }

    /** Closes every open connection with a TCP RST; the listener stays open for new connections. */
    public void reset() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                LOG.debug("reset of {} failed: {}", s, e.toString());
            }
        }
        sockets.clear();
    }

    /** The number of open client connections. */
    public int openConnections() {
        return sockets.size() / 2;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Thread t = new Thread(() -> connect(client), "tcp-proxy-" + id + "-connect");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy {} stopped accepting: {}", id, e.toString());
                }
                return;
            }
        }
    }

    private void connect(Socket client) {
        try {
            sockets.add(client);
            client.setTcpNoDelay(true);
            awaitOpen(); // a partitioned network does not reach the server
            Socket upstream = new Socket();
            // both legs without Nagle's algorithm, as jnats's own socket: with it, a small write waits for the
            // peer's delayed ACK (40 ms on Linux), and a consumer behind the proxy ran at a tenth of its speed
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5000);
            sockets.add(upstream);
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        } catch (IOException e) {
            closeQuietly(client);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            awaitOpen();
                            Duration d = delay;
                            if (!d.isZero()) {
                                Thread.sleep(d.toMillis());
                                awaitOpen();
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                        to.shutdownOutput(); // pass a FIN on
                    } catch (IOException e) {
                        closeQuietly(to); // a reset or close on one side ends the other
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        sockets.remove(from);
                    }
                },
                "tcp-proxy-" + id + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (cut && !closed) {
                gate.wait();
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.trace("close: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (gate) {
            gate.notifyAll();
        }
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing listener: {}", e.toString());
        }
        sockets.forEach(TcpProxy::closeQuietly);
        sockets.clear();
    }

    @Override
    public String toString() {
        return "TcpProxy 127.0.0.1:" + port() + " -> " + targetHost + ":" + targetPort + (cut ? " (cut)" : "");
    }
}
