package dev.jscontract.consumer.internal;

import dev.jscontract.contract.DeadLetterEnvelope;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;

/**
 * Publishes dead-letter envelopes synchronously: the PubAck must be in hand before the original is terminated (copy
 * before terminate, DLQ-001). The envelope's message id {@code dlq-<stream>-<sequence>} makes the handler path and
 * the sweeper store a message once. The PubAck must come from the dead-letter stream; an envelope stored by another
 * stream that captures the subject counts as a failure (the original is kept). The {@code expectedStream} publish
 * option is not used for that because the server stores its header with the envelope, and a replay would carry it.
 *
 * @param js the JetStream context
 * @param subject the dead-letter subject
 * @param stream the dead-letter stream
 * @param timeout how long to wait for the PubAck
 */
public record DeadLetterWriter(JetStream js, String subject, String stream, Duration timeout) {

    /** The stored envelope's sequence in the dead-letter stream, and whether it was a duplicate. */
    public record Stored(long sequence, boolean duplicate) {}

    /**
     * Publishes and waits for the PubAck.
     *
     * @throws IOException when there is no answer, no stream for the subject, or another stream stored it (the caller
     *     keeps the original)
     * @throws JetStreamApiException when the server refuses the envelope
     */
    public Stored publish(DeadLetterEnvelope envelope) throws IOException, JetStreamApiException {
        PublishAck ack = js.publish(
                subject,
                envelope.toHeaders(),
                envelope.getBody(),
                PublishOptions.builder()
                        .messageId(envelope.messageId())
                        .streamTimeout(timeout)
                        .build());
        if (!stream.equals(ack.getStream())) {
            throw new IOException("the dead letter for " + envelope.getOriginalStream() + " #"
                    + envelope.getOriginalSequence() + " was stored by stream " + ack.getStream() + " (sequence "
                    + ack.getSeqno() + "), not by the dead-letter stream " + stream + "; remove subject " + subject
                    + " from stream " + ack.getStream());
        }
        return new Stored(ack.getSeqno(), ack.isDuplicate());
    }
}
