package dev.jscontract.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Something an {@link OutboxRelay} did or noticed, delivered to {@link OutboxRelayListener}s. Events are immutable,
 * carry the time from the relay's {@link java.time.Clock} and the relay's name, and are only built when a listener
 * is registered.
 *
 * <pre>{@code
 * relayBuilder.listener(event -> {
 *   if (event instanceof OutboxRelayEvent.RowParked) {
 *     OutboxRelayEvent.RowParked parked = (OutboxRelayEvent.RowParked) event;
 *     alerts.send("outbox row " + parked.getRowId() + " parked: " + parked.getError());
 *   }
 * });
 * }</pre>
 */
public sealed interface OutboxRelayEvent
        permits OutboxRelayEvent.OwnershipChanged,
                OutboxRelayEvent.BatchPublished,
                OutboxRelayEvent.RetryScheduled,
                OutboxRelayEvent.RowParked,
                OutboxRelayEvent.XminHorizonHeldBack,
                OutboxRelayEvent.DuplicateWindowRisk {

    /** When it happened, from the relay's clock. */
    Instant getTime();

    /** The name of the relay that reports it ({@link OutboxRelay#getName()}). */
    String getRelay();

    /** Why the set of owned partitions changed. */
    enum OwnershipCause {
        /** Partitions were acquired or handed over to balance the relays. */
        REBALANCE,
        /** The relay's control connection to PostgreSQL failed, so its advisory locks are gone. */
        CONNECTION_LOST,
        /** The relay was closed. */
        CLOSED
    }

    /** The partitions this relay owns changed; only the owner of a partition publishes its rows. */
    final class OwnershipChanged implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final Set<Integer> owned;
        private final Set<Integer> acquired;
        private final Set<Integer> released;
        private final OwnershipCause cause;

        /**
         * An ownership change.
         *
         * @param owned the partitions owned after the change
         * @param acquired the partitions gained
         * @param released the partitions given up or lost
         */
        public OwnershipChanged(
                Instant time,
                String relay,
                Set<Integer> owned,
                Set<Integer> acquired,
                Set<Integer> released,
                OwnershipCause cause) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.owned = Set.copyOf(new TreeSet<>(owned));
            this.acquired = Set.copyOf(acquired);
            this.released = Set.copyOf(released);
            this.cause = Objects.requireNonNull(cause, "cause");
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The partitions owned after the change. */
        public Set<Integer> getOwned() {
            return owned;
        }

        /** The partitions gained. */
        public Set<Integer> getAcquired() {
            return acquired;
        }

        /** The partitions given up or lost. */
        public Set<Integer> getReleased() {
            return released;
        }

        /** Why. */
        public OwnershipCause getCause() {
            return cause;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof OwnershipChanged)) {
                return false;
            }
            OwnershipChanged that = (OwnershipChanged) o;
            return time.equals(that.time)
                    && relay.equals(that.relay)
                    && owned.equals(that.owned)
                    && acquired.equals(that.acquired)
                    && released.equals(that.released)
                    && cause == that.cause;
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, owned, acquired, released, cause);
        }

        @Override
        public String toString() {
            return "OwnershipChanged{" + relay + " owns " + new TreeSet<>(owned) + ", acquired "
                    + new TreeSet<>(acquired) + ", released " + new TreeSet<>(released) + ", " + cause + " at " + time
                    + "}";
        }
    }

    /** One row of a {@link BatchPublished} event. */
    final class PublishedRow {
        private final long rowId;
        private final String messageId;
        private final String stream;
        private final long sequence;
        private final boolean duplicate;
        private final Instant createdAt;
        private final Instant ackedAt;

        /**
         * A published row.
         *
         * @param sequence the stream sequence; for a duplicate, the sequence of the copy stored earlier
         * @param createdAt the row's {@code created_at} (its insert time)
         * @param ackedAt when the PubAck arrived, from the relay's clock
         */
        public PublishedRow(
                long rowId,
                String messageId,
                String stream,
                long sequence,
                boolean duplicate,
                Instant createdAt,
                Instant ackedAt) {
            this.rowId = rowId;
            this.messageId = Objects.requireNonNull(messageId, "messageId");
            this.stream = Objects.requireNonNull(stream, "stream");
            this.sequence = sequence;
            this.duplicate = duplicate;
            this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
            this.ackedAt = Objects.requireNonNull(ackedAt, "ackedAt");
        }

        /** The outbox row id. */
        public long getRowId() {
            return rowId;
        }

        /** The {@code Nats-Msg-Id} it was published with. */
        public String getMessageId() {
            return messageId;
        }

        /** The stream that stored it. */
        public String getStream() {
            return stream;
        }

        /** Its stream sequence (for a duplicate, the original's). */
        public long getSequence() {
            return sequence;
        }

        /** Whether the stream had already stored this message id (a re-publish after a crash or lost ack). */
        public boolean isDuplicate() {
            return duplicate;
        }

        /** The row's {@code created_at}. */
        public Instant getCreatedAt() {
            return createdAt;
        }

        /** When the PubAck arrived. */
        public Instant getAckedAt() {
            return ackedAt;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof PublishedRow)) {
                return false;
            }
            PublishedRow that = (PublishedRow) o;
            return rowId == that.rowId
                    && sequence == that.sequence
                    && duplicate == that.duplicate
                    && messageId.equals(that.messageId)
                    && stream.equals(that.stream)
                    && createdAt.equals(that.createdAt)
                    && ackedAt.equals(that.ackedAt);
        }

        @Override
        public int hashCode() {
            return Objects.hash(rowId, messageId, stream, sequence, duplicate, createdAt, ackedAt);
        }

        @Override
        public String toString() {
            return "PublishedRow{row " + rowId + ", id " + messageId + " -> " + stream + "#" + sequence
                    + (duplicate ? " (duplicate)" : "") + "}";
        }
    }

    /** A batch of rows was acknowledged by the streams and deleted from the outbox. */
    final class BatchPublished implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final List<PublishedRow> rows;

        /** A published batch. */
        public BatchPublished(Instant time, String relay, List<PublishedRow> rows) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.rows = List.copyOf(rows);
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The acknowledged rows, in publish order. */
        public List<PublishedRow> getRows() {
            return rows;
        }

        /** How many of them were duplicates. */
        public long getDuplicates() {
            return rows.stream().filter(PublishedRow::isDuplicate).count();
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof BatchPublished)) {
                return false;
            }
            BatchPublished that = (BatchPublished) o;
            return time.equals(that.time) && relay.equals(that.relay) && rows.equals(that.rows);
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, rows);
        }

        @Override
        public String toString() {
            return "BatchPublished{" + relay + ", " + rows.size() + " rows, " + getDuplicates() + " duplicates at "
                    + time + "}";
        }
    }

    /** A row failed and will be published again after a backoff. */
    final class RetryScheduled implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final long rowId;
        private final String messageId;
        private final PublishFailure reason;
        private final String error;
        private final int attempts;
        private final Instant nextAttemptAt;

        /**
         * A scheduled retry.
         *
         * @param attempts the failed attempts so far
         */
        public RetryScheduled(
                Instant time,
                String relay,
                long rowId,
                String messageId,
                PublishFailure reason,
                String error,
                int attempts,
                Instant nextAttemptAt) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.rowId = rowId;
            this.messageId = Objects.requireNonNull(messageId, "messageId");
            this.reason = Objects.requireNonNull(reason, "reason");
            this.error = Objects.requireNonNull(error, "error");
            this.attempts = attempts;
            this.nextAttemptAt = Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The outbox row id. */
        public long getRowId() {
            return rowId;
        }

        /** The row's message id. */
        public String getMessageId() {
            return messageId;
        }

        /** Why the attempt failed. */
        public PublishFailure getReason() {
            return reason;
        }

        /** The error text. */
        public String getError() {
            return error;
        }

        /** Failed attempts so far. */
        public int getAttempts() {
            return attempts;
        }

        /** When the next attempt is due. */
        public Instant getNextAttemptAt() {
            return nextAttemptAt;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof RetryScheduled)) {
                return false;
            }
            RetryScheduled that = (RetryScheduled) o;
            return rowId == that.rowId
                    && attempts == that.attempts
                    && time.equals(that.time)
                    && relay.equals(that.relay)
                    && messageId.equals(that.messageId)
                    && reason == that.reason
                    && error.equals(that.error)
                    && nextAttemptAt.equals(that.nextAttemptAt);
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, rowId, messageId, reason, error, attempts, nextAttemptAt);
        }

        @Override
        public String toString() {
            return "RetryScheduled{row " + rowId + ", " + reason.tag() + ": " + error + ", attempt " + attempts
                    + ", next at " + nextAttemptAt + "}";
        }
    }

    /** A row failed its last allowed attempt and was moved to the parked-rows table. */
    final class RowParked implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final long rowId;
        private final String messageId;
        private final PublishFailure reason;
        private final String error;
        private final int attempts;

        /** A parked row. */
        public RowParked(
                Instant time,
                String relay,
                long rowId,
                String messageId,
                PublishFailure reason,
                String error,
                int attempts) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.rowId = rowId;
            this.messageId = Objects.requireNonNull(messageId, "messageId");
            this.reason = Objects.requireNonNull(reason, "reason");
            this.error = Objects.requireNonNull(error, "error");
            this.attempts = attempts;
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The row id (kept in the parked table). */
        public long getRowId() {
            return rowId;
        }

        /** The message id it will be published with when re-queued. */
        public String getMessageId() {
            return messageId;
        }

        /** Why the last attempt failed. */
        public PublishFailure getReason() {
            return reason;
        }

        /** The last error text. */
        public String getError() {
            return error;
        }

        /** Failed attempts. */
        public int getAttempts() {
            return attempts;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof RowParked)) {
                return false;
            }
            RowParked that = (RowParked) o;
            return rowId == that.rowId
                    && attempts == that.attempts
                    && time.equals(that.time)
                    && relay.equals(that.relay)
                    && messageId.equals(that.messageId)
                    && reason == that.reason
                    && error.equals(that.error);
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, rowId, messageId, reason, error, attempts);
        }

        @Override
        public String toString() {
            return "RowParked{row " + rowId + ", " + reason.tag() + ": " + error + " after " + attempts + " attempts}";
        }
    }

    /**
     * A transaction in the outbox's database has been open longer than {@link
     * OutboxRelay.Builder#longTransactionThreshold(Duration)}. It holds back the xmin horizon, so vacuum cannot remove
     * the outbox rows deleted since it began: the table and its index bloat and every claim reads more dead rows.
     */
    final class XminHorizonHeldBack implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final int pid;
        private final Duration transactionAge;
        private final @Nullable String state;
        private final @Nullable String applicationName;

        /**
         * A long transaction.
         *
         * @param pid the backend process id ({@code pg_stat_activity.pid}); 0 for a prepared transaction
         * @param state {@code pg_stat_activity.state}, or {@code null} when not visible to the relay's role
         * @param applicationName {@code application_name} (for a prepared transaction, its gid), or {@code null}
         */
        public XminHorizonHeldBack(
                Instant time,
                String relay,
                int pid,
                Duration transactionAge,
                @Nullable String state,
                @Nullable String applicationName) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.pid = pid;
            this.transactionAge = Objects.requireNonNull(transactionAge, "transactionAge");
            this.state = state;
            this.applicationName = applicationName;
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The backend's pid (0 for a prepared transaction). */
        public int getPid() {
            return pid;
        }

        /** How long its transaction has been open. */
        public Duration getTransactionAge() {
            return transactionAge;
        }

        /** Its state, e.g. {@code idle in transaction}, or {@code null} when not visible. */
        public @Nullable String getState() {
            return state;
        }

        /** Its application name (or a prepared transaction's gid), or {@code null}. */
        public @Nullable String getApplicationName() {
            return applicationName;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof XminHorizonHeldBack)) {
                return false;
            }
            XminHorizonHeldBack that = (XminHorizonHeldBack) o;
            return pid == that.pid
                    && time.equals(that.time)
                    && relay.equals(that.relay)
                    && transactionAge.equals(that.transactionAge)
                    && Objects.equals(state, that.state)
                    && Objects.equals(applicationName, that.applicationName);
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, pid, transactionAge, state, applicationName);
        }

        @Override
        public String toString() {
            return "XminHorizonHeldBack{pid " + pid + " (" + applicationName + ", " + state + ") open for "
                    + transactionAge + "}";
        }
    }

    /**
     * A target stream's duplicate window is shorter than the relay's retry horizon (PUB-002), reported when {@link
     * DuplicateWindowCheck#WARN} is configured, and before the relay stops under {@link DuplicateWindowCheck#REFUSE}
     * for a stream first seen in a PubAck.
     */
    final class DuplicateWindowRisk implements OutboxRelayEvent {
        private final Instant time;
        private final String relay;
        private final String stream;
        private final Duration window;
        private final Duration horizon;
        private final DuplicateWindowCheck check;

        /** A duplicate-window finding. */
        public DuplicateWindowRisk(
                Instant time,
                String relay,
                String stream,
                Duration window,
                Duration horizon,
                DuplicateWindowCheck check) {
            this.time = Objects.requireNonNull(time, "time");
            this.relay = Objects.requireNonNull(relay, "relay");
            this.stream = Objects.requireNonNull(stream, "stream");
            this.window = Objects.requireNonNull(window, "window");
            this.horizon = Objects.requireNonNull(horizon, "horizon");
            this.check = Objects.requireNonNull(check, "check");
        }

        @Override
        public Instant getTime() {
            return time;
        }

        @Override
        public String getRelay() {
            return relay;
        }

        /** The stream. */
        public String getStream() {
            return stream;
        }

        /** Its duplicate window. */
        public Duration getWindow() {
            return window;
        }

        /** The relay's retry horizon. */
        public Duration getHorizon() {
            return horizon;
        }

        /** The configured reaction. */
        public DuplicateWindowCheck getCheck() {
            return check;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof DuplicateWindowRisk)) {
                return false;
            }
            DuplicateWindowRisk that = (DuplicateWindowRisk) o;
            return time.equals(that.time)
                    && relay.equals(that.relay)
                    && stream.equals(that.stream)
                    && window.equals(that.window)
                    && horizon.equals(that.horizon)
                    && check == that.check;
        }

        @Override
        public int hashCode() {
            return Objects.hash(time, relay, stream, window, horizon, check);
        }

        @Override
        public String toString() {
            return "DuplicateWindowRisk{stream " + stream + " window " + window + " < horizon " + horizon + ", " + check
                    + "}";
        }
    }
}
