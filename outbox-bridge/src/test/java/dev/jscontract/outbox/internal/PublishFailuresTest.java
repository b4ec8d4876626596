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

class PublishFailuresTest {

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
        PublishFailures.Failure f =
                PublishFailures.ofFuture(wrappedApiError(400, 10054, "message size exceeds maximum allowed"));
        assertThat(f.reason()).isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE);
        assertThat(f.message()).isEqualTo("JetStream API error 400/10054: message size exceeds maximum allowed");
        assertThat(PublishFailures.ofFuture(wrappedApiError(409, 10158, "duplicate message id is in process"))
                        .reason())
                .isEqualTo(PublishFailure.IN_PROCESS);
        assertThat(PublishFailures.ofFuture(wrappedApiError(503, 10077, "maximum messages exceeded"))
                        .reason())
                .isEqualTo(PublishFailure.UNAVAILABLE);
        assertThat(PublishFailures.ofFuture(wrappedApiError(400, 10060, "expected stream does not match"))
                        .reason())
                .isEqualTo(PublishFailure.REJECTED);
    }

    @Test
    void noRespondersIsACandidateForNoStreamThatTheServerMustConfirm() {
        Throwable e = new CompletionException(
                new RuntimeException(new IOException("Error Publishing: 503 No Responders Available For Request")));
        PublishFailures.Failure f = PublishFailures.ofFuture(e);
        assertThat(f.reason()).isEqualTo(PublishFailure.NO_STREAM);
        assertThat(f.noResponders()).as("StreamLookup decides").isTrue();
        assertThat(f.message()).contains("no responders for the subject");
    }

    @Test
    void cancelledFuturesAreTimeoutsUnlessTheConnectionCloses() {
        assertThat(PublishFailures.ofFuture(new CancellationException(
                                "Future cancelled, response not registered in time, check connection status."))
                        .reason())
                .isEqualTo(PublishFailure.TIMEOUT);
        assertThat(PublishFailures.ofFuture(new CancellationException("Future cancelled, connection closing."))
                        .reason())
                .isEqualTo(PublishFailure.CONNECTION);
        assertThat(PublishFailures.timeout(Duration.ofSeconds(5)).message())
                .isEqualTo("no PubAck within publishTimeout PT5S");
    }

    @Test
    void synchronousFailuresAreClassified() {
        assertThat(PublishFailures.ofSend(new IllegalArgumentException(
                                "Message payload size exceed server configuration 100000 vs 65536"))
                        .reason())
                .isEqualTo(PublishFailure.PAYLOAD_TOO_LARGE);
        assertThat(PublishFailures.ofSend(new IllegalStateException("Connection is Closed"))
                        .reason())
                .isEqualTo(PublishFailure.CONNECTION);
        assertThat(PublishFailures.ofSend(new IllegalArgumentException("Invalid header key"))
                        .reason())
                .isEqualTo(PublishFailure.INVALID);
    }

    @Test
    void onlyRowFailuresCountAsAttemptsAndOnlyThoseNoRetryFixesParkAtOnce() {
        assertThat(PublishFailure.NO_STREAM.isRowSpecific()).isTrue();
        assertThat(PublishFailure.PAYLOAD_TOO_LARGE.isRowSpecific()).isTrue();
        assertThat(PublishFailure.CONNECTION.isRowSpecific()).isFalse();
        assertThat(PublishFailure.UNAVAILABLE.isRowSpecific()).isFalse();
        assertThat(PublishFailure.IN_PROCESS.isRowSpecific()).isFalse();
        assertThat(PublishFailure.TIMEOUT.isRowSpecific())
                .as("the server's problem, not the row's")
                .isFalse();
        assertThat(PublishFailure.INVALID.isPermanent()).isTrue();
        assertThat(PublishFailure.PAYLOAD_TOO_LARGE.isPermanent()).isTrue();
        assertThat(PublishFailure.NO_STREAM.isPermanent())
                .as("a stream may be created")
                .isFalse();
        assertThat(PublishFailure.REJECTED.isPermanent()).isFalse();
        assertThat(PublishFailure.NO_STREAM.tag()).isEqualTo("no-stream");
    }

    @Test
    void boundsLongErrors() {
        assertThat(PublishFailures.bound("x".repeat(5000))).hasSize(1000).endsWith("...");
        assertThat(PublishFailures.bound("short")).isEqualTo("short");
    }
}
