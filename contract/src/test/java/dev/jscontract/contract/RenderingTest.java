package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code toConsumerConfiguration(version)}: what is rendered, and what a version would drop is refused. */
class RenderingTest {
    private static final ServerVersion V2_9 = ServerVersion.parse("2.9.10");
    private static final ServerVersion V2_10 = ServerVersion.parse("2.10.27");
    private static final ServerVersion V2_11 = ServerVersion.parse("2.11.0");
    private static final ServerVersion V2_15 = ServerVersion.parse("2.15.1");

    @Test
    void rendersExplicitAcksAckWaitMaxDeliverAndNoServerBackoff() {
        ConsumerConfiguration cc =
                Fixtures.clean().filterSubject("orders.created").build().toConsumerConfiguration(V2_9);
        assertThat(cc.getDurable()).isEqualTo("billing");
        assertThat(cc.getAckPolicy()).isEqualTo(AckPolicy.Explicit);
        assertThat(cc.getAckWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cc.getMaxDeliver()).isEqualTo(5);
        assertThat(cc.getBackoff()).isEmpty();
        assertThat(cc.getMaxAckPending()).isEqualTo(64);
        assertThat(cc.getFilterSubject()).isEqualTo("orders.created");
        assertThat(cc.getDeliverPolicy()).isEqualTo(DeliverPolicy.All);
        assertThat(cc.getDeliverSubject()).isNull();
    }

    @Test
    void serverBackoffOnlyWhenOptedIn() {
        ConsumerConfiguration cc = Fixtures.minimal()
                .serverBackoff(Duration.ofSeconds(30), Duration.ofMinutes(1))
                .build()
                .toConsumerConfiguration(V2_10);
        assertThat(cc.getBackoff()).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(1));
    }

    @Test
    void unlimitedMaxDeliverIsLeftToTheServerDefault() {
        ConsumerConfiguration cc =
                Fixtures.minimal().build().toBuilder().maxDeliver(-1).build().toConsumerConfiguration(V2_10);
        assertThat(cc.getMaxDeliver()).isEqualTo(-1);
        assertThat(cc.toJson()).doesNotContain("max_deliver");
    }

    @Test
    void optionalFieldsAreRendered() {
        ConsumerConfiguration cc = Fixtures.minimal()
                .description("billing of orders")
                .metadata(Map.of("team", "payments"))
                .deliverFromSequence(100)
                .filterSubjects("orders.created", "orders.paid")
                .build()
                .toConsumerConfiguration(V2_10);
        assertThat(cc.getDescription()).isEqualTo("billing of orders");
        assertThat(cc.getMetadata()).containsEntry("team", "payments");
        assertThat(cc.getDeliverPolicy()).isEqualTo(DeliverPolicy.ByStartSequence);
        assertThat(cc.getStartSequence()).isEqualTo(100);
        assertThat(cc.getFilterSubjects()).containsExactly("orders.created", "orders.paid");
    }

    @Test
    void featuresThe29ServerWouldDropAreRefused() {
        ConsumerContract multi = Fixtures.minimal().filterSubjects("a", "b").build();
        assertThatThrownBy(() -> multi.toConsumerConfiguration(V2_9))
                .isInstanceOf(UnsupportedServerFeatureException.class)
                .hasMessage("filterSubjects (more than one) needs nats-server 2.10.0 or newer, but the target server"
                        + " is 2.9.10, which would accept and silently drop it (B-21, lint VER-001); remove"
                        + " filterSubjects (more than one) from the contract or upgrade the server to 2.10.0+");
        assertThatThrownBy(() ->
                        Fixtures.minimal().metadata(Map.of("k", "v")).build().toConsumerConfiguration(V2_9))
                .isInstanceOf(UnsupportedServerFeatureException.class)
                .hasMessageStartingWith("metadata needs nats-server 2.10.0 or newer");
        assertThat(multi.toConsumerConfiguration(V2_10).getFilterSubjects()).hasSize(2);
    }

    @Test
    void pauseAndPriorityNeed211AndPrioritized212() {
        ConsumerContract paused = Fixtures.minimal()
                .pauseUntil(ZonedDateTime.parse("2030-01-01T00:00:00Z"))
                .build();
        UnsupportedServerFeatureException e = org.junit.jupiter.api.Assertions.assertThrows(
                UnsupportedServerFeatureException.class, () -> paused.toConsumerConfiguration(V2_10));
        assertThat(e.getFeature()).isEqualTo("pauseUntil");
        assertThat(e.getRequired()).isEqualTo(ServerVersion.V2_11_0);
        assertThat(e.getActual()).isEqualTo(V2_10);
        assertThat(paused.toConsumerConfiguration(V2_11).getPauseUntil()).isNotNull();

        ConsumerContract prioritized = Fixtures.minimal()
                .priorityGroups("jobs")
                .priorityPolicy(PriorityPolicy.Prioritized)
                .build();
        assertThatThrownBy(() -> prioritized.toConsumerConfiguration(V2_11))
                .hasMessageStartingWith("priorityPolicy prioritized needs nats-server 2.12.0 or newer");
        assertThat(prioritized.toConsumerConfiguration(V2_15).getPriorityGroups())
                .containsExactly("jobs");
    }

    @Test
    void serverVersionsParseAndCompare() {
        assertThat(ServerVersion.parse("v2.10.27")).isEqualTo(V2_10);
        assertThat(ServerVersion.parse("2.11")).isEqualTo(V2_11);
        assertThat(ServerVersion.parse("2.11.0-RC.1").isBefore(V2_11)).isTrue();
        assertThat(V2_9.isBefore(V2_10)).isTrue();
        assertThat(V2_15.isAtLeast(ServerVersion.V2_10_23)).isTrue();
        assertThatThrownBy(() -> ServerVersion.parse("latest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must look like 2.10.27 (major.minor[.patch][-prerelease]) but was 'latest'");
    }
}
