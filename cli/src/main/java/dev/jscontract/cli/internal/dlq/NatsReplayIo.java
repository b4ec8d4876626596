package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.Session;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.SuccessApiResponse;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@link ReplayIo} on a NATS connection: {@code publishAsync} with a message id; deletes as asynchronous JetStream
 * API requests ({@code STREAM.MSG.DELETE}, jnats has only a blocking form), so removing does not halve the replay
 * rate; purges with jnats' {@code purgeStream}.
 */
public final class NatsReplayIo implements ReplayIo {
    private final Connection nc;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final String apiPrefix;
    private final Duration timeout;

    /** Replay I/O on the session's connection. */
    public NatsReplayIo(Session session) {
        this.nc = session.nats();
        this.js = Js.jetStream(session);
        this.jsm = Js.management(session);
        this.apiPrefix = session.jsApiPrefix();
        this.timeout = session.timeout();
    }

    @Override
    public CompletableFuture<PublishAck> publish(String subject, Headers headers, byte[] body, String messageId) {
        return js.publishAsync(
                subject,
                headers,
                body,
                PublishOptions.builder().messageId(messageId).build());
    }

    @Override
    public CompletableFuture<Boolean> delete(String stream, long sequence) {
        byte[] request = ("{\"seq\":" + sequence + ",\"no_erase\":true}").getBytes(StandardCharsets.US_ASCII);
        return nc.requestWithTimeout(apiPrefix + "STREAM.MSG.DELETE." + stream, request, timeout)
                .thenApply(reply -> {
                    SuccessApiResponse r = new SuccessApiResponse(reply);
                    if (r.hasError()) {
                        String d = r.getDescription() == null ? "" : r.getDescription();
                        if (d.contains("no message found")) {
                            return false;
                        }
                        throw new CompletionException(new JetStreamApiException(r.getErrorObject()));
                    }
                    return r.getSuccess();
                });
    }

    @Override
    public long purgeBelow(String stream, long sequence) throws Exception {
        try {
            return jsm.purgeStream(
                            stream, PurgeOptions.builder().sequence(sequence).build())
                    .getPurged();
        } catch (JetStreamApiException e) {
            throw Js.apiError("purge " + stream + " below " + sequence, e);
        }
    }

    @Override
    public String toString() {
        return "NatsReplayIo{" + nc.getConnectedUrl() + "}";
    }
}
