package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SweeperAdvisoryTest {
    @Test
    void parsesTheFieldsOfAMaxDeliveriesAdvisory() {
        String json = "{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\",\"id\":\"x\","
                + "\"timestamp\":\"2026-01-02T03:04:05.123456789Z\",\"stream\":\"WQ2\",\"consumer\":\"M\","
                + "\"stream_seq\":17,\"deliveries\":4}";
        Sweeper.Advisory a = Sweeper.Advisory.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(a.stream()).isEqualTo("WQ2");
        assertThat(a.consumer()).isEqualTo("M");
        assertThat(a.streamSequence()).isEqualTo(17);
        assertThat(a.deliveries()).isEqualTo(4);
        assertThat(a.timestamp()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456789Z"));
    }

    @Test
    void anUnreadableTimestampIsMissingNotTheEpoch() {
        Sweeper.Advisory a = Sweeper.Advisory.parse(("{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\","
                        + "\"timestamp\":\"yesterday\",\"stream\":\"WQ2\",\"consumer\":\"M\",\"stream_seq\":3,"
                        + "\"deliveries\":2}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(a.timestamp())
                .as("the sweeper falls back to the capture time and says so")
                .isNull();
    }

    @Test
    void rejectsOtherAdvisoriesAndGarbageWithAReason() {
        assertThatThrownBy(() -> Sweeper.Advisory.parse(
                        "{\"type\":\"io.nats.jetstream.advisory.v1.terminated\",\"stream_seq\":1}"
                                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a MAX_DELIVERIES advisory: type 'io.nats.jetstream.advisory.v1.terminated'");
        assertThatThrownBy(() -> Sweeper.Advisory.parse(
                        "{\"type\":\"io.nats.jetstream.advisory.v1.max_deliver\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("advisory has no positive stream_seq: ");
        assertThatThrownBy(() -> Sweeper.Advisory.parse("nope".getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("advisory is not JSON");
    }
}
