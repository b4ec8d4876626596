package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The single-server handle: start, stop/start with state kept, kill, restart. */
@WithNatsServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NatsServerLifecycleIT {

    @Test
    @Order(1)
    void startsWithJetStreamOnLoopbackAndReportsItsVersion(NatsServer server) throws Exception {
        assertThat(server.url()).startsWith("nats://127.0.0.1:");
        assertThat(server.isRunning()).isTrue();
        assertThat(server.isControllable()).isTrue();
        assertThat(server.storeDir()).get().satisfies(dir -> assertThat(Files.isDirectory(dir))
                .isTrue());
        try (Connection nc = server.connect()) {
            assertThat(nc.getServerInfo().isJetStreamAvailable()).isTrue();
            assertThat(nc.getServerInfo().getVersion()).isEqualTo(server.version());
            assertThat(nc.getServerInfo().getServerName()).isEqualTo(server.name());
        }
    }

    @Test
    @Order(2)
    void stopThenStartKeepsPortAndStreams(NatsServer server) throws Exception {
        int port = server.port();
        try (Connection nc = server.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(fileStream("KEEP", "keep.>"));
            nc.jetStream().publish("keep.a", "one".getBytes());
        }
        server.stop();
        assertThat(server.isRunning()).isFalse();
        server.start();
        assertThat(server.port()).isEqualTo(port);
        try (Connection nc = server.connect()) {
            assertThat(nc.jetStreamManagement()
                            .getStreamInfo("KEEP")
                            .getStreamState()
                            .getMsgCount())
                    .isEqualTo(1);
        }
    }

    @Test
    @Order(3)
    void killIsImmediateAndRestartRecoversTheStore(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            nc.jetStreamManagement().addStream(fileStream("KILLED", "killed.>"));
            for (int i = 0; i < 10; i++) {
                nc.jetStream().publish("killed.x", ("m" + i).getBytes());
            }
        }
        server.kill();
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(() -> server.connect().close()).isInstanceOf(IOException.class);
        server.start();
        try (Connection nc = server.connect()) {
            // Acked publishes were written before the PubAck; recovery after SIGKILL finds them.
            assertThat(nc.jetStreamManagement()
                            .getStreamInfo("KILLED")
                            .getStreamState()
                            .getMsgCount())
                    .isEqualTo(10);
        }
    }

    @Test
    @Order(4)
    void restartKeepsStateAndAReconnectingClientCarriesOn(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            server.restart();
            // The client reconnects on its own (unlimited reconnects in the harness defaults).
            StreamConfiguration sc = fileStream("AFTER_RESTART", "after.>");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    nc.jetStreamManagement().addStream(sc);
                    break;
                } catch (IOException | JetStreamApiException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            assertThat(nc.jetStreamManagement().getStreamNames()).contains("KEEP", "KILLED", "AFTER_RESTART");
        }
    }

    private static StreamConfiguration fileStream(String name, String subject) {
        return StreamConfiguration.builder()
                .name(name)
                .subjects(subject)
                .storageType(StorageType.File)
                .build();
    }
}
