package dev.jscontract.outbox.internal;

import io.nats.client.api.PublishAck;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * An entry of {@link WalPipeline}'s queue, in WAL order: an event read from the slot (with its publish state), or a
 * commit (the position to confirm once everything before it is acknowledged). Owned by the {@code wal} thread; only
 * {@link #ackedAt} is written by jnats' thread.
 */
final class WalEntry {
    final long lsn;
    final long commitMicros;
    final boolean commit;

    WalEventCodec.@Nullable Event event;

    byte @Nullable [] raw;

    @Nullable
    CompletableFuture<PublishAck> future;

    PublishFailures.@Nullable Failure sendFailure;
    long deadlineNanos;
    int attempts;
    /** When the PubAck arrived (set on jnats' thread, read after the future is done). */
    volatile @Nullable Instant ackedAt;

    WalEntry(long lsn, long commitMicros, boolean commit) {
        this.lsn = lsn;
        this.commitMicros = commitMicros;
        this.commit = commit;
    }

    /** The event's message id: the writer's, or {@code idPrefix} and the event's LSN in hex. */
    String messageId(String idPrefix) {
        WalEventCodec.Event ev = event;
        String given = ev == null ? null : ev.messageId();
        return given != null ? given : idPrefix + Long.toHexString(lsn);
    }
}
