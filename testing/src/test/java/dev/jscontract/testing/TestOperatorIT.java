package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator-mode nats-server trusting a {@link TestOperator}: its creds file connects to the application account with
 * JetStream enabled, while a connection without credentials and one with another operator's creds are refused.
 */
class TestOperatorIT {
    @TempDir
    Path dir;

    @Test
    void theCredsFileConnectsToAnAccountWithJetStreamAndNothingElseDoes() throws Exception {
        TestOperator operator = TestOperator.create(dir);
        Path elsewhere = Files.createDirectories(dir.resolve("other"));
        TestOperator stranger = TestOperator.create(elsewhere);
        assertThat(Files.readString(operator.credsFile()))
                .startsWith("-----BEGIN NATS USER JWT-----\n")
                .contains("-----BEGIN USER NKEY SEED-----\nSU");

        try (NatsServer server = NatsServers.start(operator.serverConfig())) {
            try (Connection nc = Nats.connect(server.options()
                    .authHandler(operator.authHandler())
                    .connectionTimeout(Duration.ofSeconds(2))
                    .build())) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                jsm.addStream(StreamConfiguration.builder()
                        .name("OPS")
                        .subjects("ops.>")
                        .build());
                PublishAck ack = nc.jetStream().publish("ops.one", "1".getBytes(StandardCharsets.UTF_8));
                assertThat(ack.getStream()).isEqualTo("OPS");
                assertThat(jsm.getStreamInfo("OPS").getStreamState().getMsgCount())
                        .isEqualTo(1);
            }

            assertThatThrownBy(() -> Nats.connect(server.options()
                            .connectionTimeout(Duration.ofSeconds(2))
                            .build()))
                    .as("no credentials")
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Authorization Violation");
            assertThatThrownBy(() -> Nats.connect(server.options()
                            .authHandler(stranger.authHandler())
                            .connectionTimeout(Duration.ofSeconds(2))
                            .build()))
                    .as("a user of an operator the server does not trust")
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Authorization Violation");
        }
    }
}
