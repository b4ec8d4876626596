package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The 3-node cluster: R3 streams, and losing the stream leader. */
@WithNatsCluster
class NatsClusterIT {

    @Test
    void r3StreamSurvivesLeaderLossAndTheOldLeaderRejoins(NatsCluster cluster) throws Exception {
        assertThat(cluster.nodes()).hasSize(3);
        try (Connection nc = cluster.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder()
                    .name("R3")
                    .subjects("r3.>")
                    .replicas(3)
                    .build());
            JetStream js = nc.jetStream();
            for (int i = 0; i < 20; i++) {
                js.publish("r3.a", ("m" + i).getBytes());
            }

            NatsServer leader = cluster.streamLeader("R3");
            assertThat(cluster.nodes()).contains(leader);
            leader.kill();

            NatsServer next = cluster.awaitNewStreamLeader("R3", leader, Duration.ofSeconds(30));
            assertThat(next).isNotSameAs(leader);
            publishWithRetry(js, "r3.a", Duration.ofSeconds(20));
            assertThat(jsm.getStreamInfo("R3").getStreamState().getMsgCount()).isEqualTo(21);

            leader.start();
            cluster.awaitReady(Duration.ofSeconds(30));
            assertThat(jsm.getStreamInfo("R3").getClusterInfo().getReplicas()).hasSize(2);
        }
    }

    private static void publishWithRetry(JetStream js, String subject, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                js.publish(subject, "after".getBytes());
                return;
            } catch (IOException | JetStreamApiException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
