package dev.jscontract.cli.internal.dlq;

import dev.jscontract.contract.DeadLetterEnvelope;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One message of a dead-letter stream, read as an envelope: where it is ({@code dlqStream}, {@code sequence}), when
 * the stream stored it, the envelope (its body is empty when the stream was read headers-only), and the body's size.
 *
 * @param dlqStream the dead-letter stream
 * @param sequence its sequence there
 * @param storedAt when the dead-letter stream stored it
 * @param envelope the envelope
 * @param bodySize the original payload's size in bytes
 */
public record DeadLetter(String dlqStream, long sequence, Instant storedAt, DeadLetterEnvelope envelope, long bodySize)
        implements Scanned {

    /** The group this dead letter belongs to (consumer x reason x error class + first stack frame). */
    public GroupKey group() {
        return GroupKey.of(envelope);
    }

    /** {@code <error class>: <message>}, the class alone, or null when there was no exception. */
    public @Nullable String errorSummary() {
        String cls = envelope.getErrorClass().orElse(null);
        if (cls == null) {
            return null;
        }
        String msg = envelope.getErrorMessage().orElse(null);
        return msg == null || msg.isEmpty() ? cls : cls + ": " + msg;
    }
}
