package dev.jscontract.cli.internal.dlq;

import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.util.concurrent.CompletableFuture;

/** What a replay does to the server: publish a replay, remove a dead letter. A seam for tests of the ordering. */
public interface ReplayIo {
    /** Publishes asynchronously with a message id; the future completes with the PubAck or the failure. */
    CompletableFuture<PublishAck> publish(String subject, Headers headers, byte[] body, String messageId);

    /**
     * Deletes one message asynchronously.
     *
     * @return true when deleted, false when it was already gone
     */
    CompletableFuture<Boolean> delete(String stream, long sequence);

    /**
     * Purges every message of the stream below {@code sequence} (synchronously, from the replay's own thread).
     *
     * @return how many messages were purged
     */
    long purgeBelow(String stream, long sequence) throws Exception;
}
