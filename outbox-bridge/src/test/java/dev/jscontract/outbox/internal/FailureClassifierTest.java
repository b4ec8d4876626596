package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    /** What jnats' publishAsync future fails with when the stream answers with an API error. */
    private static Throwable wrappedApiError(int code, int apiCode, String description) {
        String json = "{\"error\":{\"code\":" + code + ",\"err_code\":" + apiCode + ",\"description\":\"" + description
                + "\"}}";
        Message reply = NatsMessage.builder()
                .subject("_INBOX.x")
                .data(json.getBytes(StandardCharsets.UTF_8))
                .build();
        try {
            new PublishAck(reply);
        } catch (JetStreamApiException | IOException e) {
            return new CompletionException(new RuntimeException(e));
        }
        throw new AssertionError("PublishAck accepted an error reply");
    }

    @Test
    void unwrapsJetStreamApiErrors() {
        FailureClassifier.Failure f =
                FailureClassifier.ofFuture(wrappedApiError(400, 10054, "message size exceeds maximum allowed"));
        assertThat(f.reason()).isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE);
        assertThat(f.message()).isEqualTo("JetStream API error 400/10054: message size exceeds maximum allowed");
        assertThat(FailureClassifier.ofFuture(wrappedApiError(409, 10158, "duplicate message id is in process"))
                        .reason())
                .isEqualTo(PublishFailure.IN_PROCESS);
        assertThat(FailureClassifier.ofFuture(wrappedApiError(503, 10077, "maximum messages exceeded"))
                        .reason())
                .isEqualTo(PublishFailure.UNAVAILABLE);
        assertThat(FailureClassifier.ofFuture(wrappedApiError(400, 10060, "expected stream does not match"))
                        .reason())
                .isEqualTo(PublishFailure.REJECTED);
    }

    @Test
    void noRespondersMeansNoStream() {
        Throwable e = new CompletionException(
                new RuntimeException(new IOException("Error Publishing: 503 No Responders Available For Request")));
        FailureClassifier.Failure f = FailureClassifier.ofFuture(e);
        assertThat(f.reason()).isEqualTo(PublishFailure.NO_STREAM);
        assertThat(f.message()).contains("no stream listens on the subject");
    }

    @Test
    void cancelledFuturesAreTimeoutsUnlessTheConnectionCloses() {
        assertThat(FailureClassifier.ofFuture(new CancellationException(
                                "Future cancelled, response not registered in time, check connection status."))
                        .reason())
                .isEqualTo(PublishFailure.TIMEOUT);
        assertThat(FailureClassifier.ofFuture(new CancellationException("Future cancelled, connection closing."))
                        .reason())
                .isEqualTo(PublishFailure.CONNECTION);
        assertThat(FailureClassifier.timeout(Duration.ofSeconds(5)).message())
                .isEqualTo("no PubAck within publishTimeout PT5S");
    }

    @Test
    void synchronousFailuresAreClassified() {
        assertThat(FailureClassifier.ofSend(new IllegalArgumentException(
                                "Message payload size exceed server configuration 100000 vs 65536"))
                        .reason())
                .isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE);
        assertThat(FailureClassifier.ofSend(new IllegalStateException("Connection is Closed"))
                        .reason())
                .isEqualTo(PublishFailure.CONNECTION);
        assertThat(FailureClassifier.ofSend(new IllegalArgumentException("Invalid header key"))
                        .reason())
                .isEqualTo(PublishFailure.INVALID);
    }

    @Test
    void onlyRowFailuresCountAsAttempts() {
        assertThat(PublishFailure.NO_STREAM.isRowSpecific()).isTrue();
        assertThat(PublishFailure.PAYLOAD_TOO_LARGE.isRowSpecific()).isTrue();
        assertThat(PublishFailure.CONNECTION.isRowSpecific()).isFalse();
        assertThat(PublishFailure.UNAVAILABLE.isRowSpecific()).isFalse();
        assertThat(PublishFailure.IN_PROCESS.isRowSpecific()).isFalse();
        assertThat(PublishFailure.NO_STREAM.tag()).isEqualTo("no-stream");
    }

    @Test
    void boundsLongErrors() {
        assertThat(FailureClassifier.bound("x".repeat(5000))).hasSize(1000).endsWith("...");
        assertThat(FailureClassifier.bound("short")).isEqualTo("short");
    }
}
