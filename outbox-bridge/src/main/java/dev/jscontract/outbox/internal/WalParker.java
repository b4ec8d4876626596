package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxRelayEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks the events of one WAL replication session that cannot be published (undecodable, permanently refused, or
 * failed {@code maxAttempts} times) in the parked table, with {@code id = -LSN} and the event's LSN, on its own
 * autocommit session, opened on the first park and closed with the session ({@link #close()}); then counts, logs and
 * tells listeners ({@link OutboxRelayEvent.RowParked}). Used by {@link WalPipeline} on the {@code wal} thread only.
 */
final class WalParker implements AutoCloseable {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);

    private static final String UNDECODABLE_SUBJECT = "(undecodable)";

    private final RelayConfig config;
    private final Events events;
    private final WalMetrics metrics;
    private final String idPrefix;
    private @Nullable Connection parkSession;

    /** A parker for the relay's parked table; message ids of undecodable events start with {@code idPrefix}. */
    WalParker(RelayConfig config, Events events, WalMetrics metrics, String idPrefix) {
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.idPrefix = idPrefix;
    }

    /** Parks the event {@code h} that failed with {@code f}, after {@code h.attempts} attempts. */
    void park(WalEntry h, PublishFailures.Failure f) throws SQLException {
        Connection c = parkSession;
        if (c == null || c.isClosed()) {
            c = config.dataSource().getConnection();
            c.setAutoCommit(true);
            parkSession = c;
        }
        WalEventCodec.Event ev = h.event;
        String messageId = ev != null ? h.messageId(idPrefix) : idPrefix + Long.toHexString(h.lsn);
        String error = PublishFailures.bound(f.message());
        String headers = null;
        if (ev != null && ev.headersJson() != null) {
            try {
                HeadersJson.read(ev.headersJson(), (k, v) -> {});
                headers = ev.headersJson();
            } catch (IllegalArgumentException e) {
                error = PublishFailures.bound(f.message() + "; headers as written: " + ev.headersJson());
            }
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO "
                + config.tables().qualifiedParkedTable()
                + " (id, subject, message_id, headers, payload, ordering_key, created_at, attempts, reason,"
                + " error, lsn) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::pg_lsn) ON CONFLICT (id) DO"
                + " NOTHING")) {
            st.setLong(1, -h.lsn);
            st.setString(2, ev != null ? ev.subject() : UNDECODABLE_SUBJECT);
            st.setString(3, messageId);
            st.setString(4, headers);
            st.setBytes(5, ev != null ? ev.payload() : h.raw);
            st.setString(6, ev != null ? ev.orderingKey() : null);
            st.setTimestamp(
                    7,
                    Timestamp.from(
                            h.commitMicros > 0
                                    ? Instant.ofEpochSecond(
                                            h.commitMicros / 1_000_000, (h.commitMicros % 1_000_000) * 1000)
                                    : config.clock().instant()));
            st.setInt(8, Math.max(1, h.attempts));
            st.setString(9, f.reason().tag());
            st.setString(10, error);
            st.setString(11, LogSequenceNumber.valueOf(h.lsn).asString());
            st.executeUpdate();
        }
        metrics.park(f.reason());
        String finalError = error;
        LOG.warn(
                "outbox relay {}: parked the event at {} (message id {}) after {} attempt(s): {}",
                config.name(),
                LogSequenceNumber.valueOf(h.lsn).asString(),
                messageId,
                Math.max(1, h.attempts),
                finalError);
        events.emit(() -> new OutboxRelayEvent.RowParked(
                config.clock().instant(),
                config.name(),
                -h.lsn,
                messageId,
                f.reason(),
                finalError,
                Math.max(1, h.attempts)));
    }

    /** Closes the park session, if one was opened. */
    @Override
    public void close() {
        Connection c = parkSession;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("outbox relay {}: closing the park session: {}", config.name(), e.toString());
            }
        }
    }
}
