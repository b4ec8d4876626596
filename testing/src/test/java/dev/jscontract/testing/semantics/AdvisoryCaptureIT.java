package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.string;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-14</b>, the part that can be observed: advisories are plain core-NATS publishes, so the reliable way to keep
 * them is a stream that captures their subjects; such a stream is also the "interest" that servers from 2.10.25 /
 * 2.11.0 require before they build an advisory at all. (That the server sends nothing when nobody listens cannot be
 * observed from outside.) Ground for MD-002.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-14: a stream captures MAX_DELIVERIES and MSG_TERMINATED advisories with no subscriber")
class AdvisoryCaptureIT {

    /**
     * A stream on {@code $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<wq>.*} and
     * {@code $JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<wq>.*}, and no core subscriber: message 1 is NAKed on a
     * {@code max_deliver=1} consumer (the next pull advises it and returns message 2), message 2 is terminated. The
     * stream then holds exactly the two advisories, with the right types and stream sequences.
     */
    @Test
    @DisplayName("B-14: an advisory stream stores MAX_DELIVERIES and MSG_TERMINATED without any subscriber")
    void advisoryStreamCapturesDeadLetterPointers(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream work = Fixtures.workQueue(nc, "ADVW");
            String maxDeliveries = Advisories.maxDeliveries(work.name(), "*");
            String terminated = Advisories.terminated(work.name(), "*");
            String dlq = JsApi.unique("ADVDLQ");
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(dlq)
                            .subjects(maxDeliveries, terminated)
                            .build());
            ConsumerContext consumer = Fixtures.consumer(
                    nc,
                    work,
                    Fixtures.durable("C")
                            .ackWait(Duration.ofSeconds(30))
                            .maxDeliver(1)
                            .build());
            long poison = Fixtures.publish(nc, work.subject(), "poison");
            long rejected = Fixtures.publish(nc, work.subject(), "rejected");

            Fixtures.Delivery first = Objects.requireNonNull(Fixtures.next(consumer, Duration.ofSeconds(5)));
            assertThat(first.streamSequence()).isEqualTo(poison);
            // NAK as a request: the reply comes after the server queued the redelivery, so the next pull request
            // cannot overtake it (otherwise the pull may take message 2 first and nothing advises message 1 yet).
            assertThat(nc.request(first.msg().getReplyTo(), "-NAK".getBytes(StandardCharsets.UTF_8), JsApi.API_TIMEOUT))
                    .isNotNull();
            Fixtures.Delivery second = Objects.requireNonNull(Fixtures.next(consumer, Duration.ofSeconds(5)));
            assertThat(second.streamSequence())
                    .as("max_deliver=1: the NAKed message is not redelivered")
                    .isEqualTo(rejected);
            second.msg().term();

            JsApi.awaitStreamMessages(nc, dlq, 2, Duration.ofSeconds(5));

            JsonValue maxAdvisory = lastAdvisory(nc, dlq, Advisories.maxDeliveries(work.name(), "C"));
            assertThat(string(maxAdvisory, "type")).isEqualTo("io.nats.jetstream.advisory.v1.max_deliver");
            assertThat(number(maxAdvisory, "stream_seq")).isEqualTo(poison);
            JsonValue termAdvisory = lastAdvisory(nc, dlq, Advisories.terminated(work.name(), "C"));
            assertThat(string(termAdvisory, "type")).isEqualTo("io.nats.jetstream.advisory.v1.terminated");
            assertThat(number(termAdvisory, "stream_seq")).isEqualTo(rejected);
        }
    }

    private static JsonValue lastAdvisory(Connection nc, String stream, String subject) throws Exception {
        JsonValue reply = JsApi.requireSuccess(
                JsApi.request(nc, "$JS.API.STREAM.MSG.GET." + stream, "{\"last_by_subj\":\"" + subject + "\"}"));
        byte[] data = Base64.getDecoder().decode(string(reply, "message", "data"));
        return JsonParser.parseUnchecked(new String(data, StandardCharsets.UTF_8));
    }
}
