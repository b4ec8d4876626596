package dev.jscontract.outbox.internal;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One claimed outbox row. */
record ClaimedRow(
        long id,
        String subject,
        String messageId,
        @Nullable String headersJson,
        byte[] payload,
        @Nullable String orderingKey,
        Instant createdAt,
        @Nullable Instant committedAt,
        int attempts,
        int partition) {

    /** When the row became visible: the commit timestamp if known, else its insert time. */
    Instant commitTime() {
        return committedAt != null ? committedAt : createdAt;
    }
}
