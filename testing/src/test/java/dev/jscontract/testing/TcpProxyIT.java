package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loopback proxy: a silent cut (no FIN, no RST), restore, delay and reset. */
@WithNatsServer
class TcpProxyIT {

    @Test
    void cutHoldsDataWithoutClosingAndRestoreDeliversIt() throws Exception {
        try (EchoServer echo = new EchoServer();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.port());
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(300);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            out.write('a');
            assertThat(in.read()).isEqualTo('a');

            proxy.cut();
            out.write('b');
            // Nothing comes back, and the socket is neither closed (read would return -1) nor reset.
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
            assertThat(client.isClosed()).isFalse();

            proxy.restore();
            client.setSoTimeout(2000);
            assertThat(in.read()).isEqualTo('b');
        }
    }

    @Test
    void delayAddsLatency() throws Exception {
        try (EchoServer echo = new EchoServer();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.port());
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            proxy.delay(Duration.ofMillis(200));
            client.setSoTimeout(5000);
            long start = System.nanoTime();
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo('x');
            // one delay on the way up and one on the way down
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void resetClosesConnectionsAbruptly() throws Exception {
        try (EchoServer echo = new EchoServer();
                TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.port());
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(2000);
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo('x');
            proxy.reset();
            assertThatThrownBy(() -> {
                        // the first read sees the RST
                        int r = client.getInputStream().read();
                        if (r == -1) {
                            throw new SocketException("closed without reset");
                        }
                    })
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void natsClientDetectsACutThroughPingsAndReconnectsAfterRestore(NatsServer server) throws Exception {
        BlockingQueue<ConnectionListener.Events> events = new LinkedBlockingQueue<>();
        try (TcpProxy proxy = TcpProxy.start("127.0.0.1", server.port());
                Connection nc = Nats.connect(Options.builder()
                        .server(proxy.url())
                        .pingInterval(Duration.ofMillis(300))
                        .maxPingsOut(2)
                        .connectionListener((conn, type) -> events.add(type))
                        .build())) {
            nc.flush(Duration.ofSeconds(2));
            proxy.cut();
            assertThat(awaitEvent(events, ConnectionListener.Events.DISCONNECTED, Duration.ofSeconds(10)))
                    .as("disconnect noticed through unanswered pings")
                    .isTrue();
            proxy.restore();
            assertThat(awaitEvent(events, ConnectionListener.Events.RECONNECTED, Duration.ofSeconds(10)))
                    .isTrue();
            nc.flush(Duration.ofSeconds(2));
        }
    }

    private static boolean awaitEvent(
            BlockingQueue<ConnectionListener.Events> events, ConnectionListener.Events wanted, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ConnectionListener.Events e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e == wanted) {
                return true;
            }
        }
        return false;
    }

    /** A one-connection-at-a-time echo server on loopback. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());

        EchoServer() throws java.io.IOException {
            Thread t = new Thread(this::serve, "echo");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int b;
                    while ((b = in.read()) >= 0) {
                        out.write(b);
                        out.flush();
                    }
                } catch (java.io.IOException e) {
                    // connection ended; accept the next one (or stop when closed)
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }
}
