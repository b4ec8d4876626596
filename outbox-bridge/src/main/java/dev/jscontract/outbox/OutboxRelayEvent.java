package dev.jscontract.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Something an {@link OutboxRelay} did or noticed, delivered to {@link OutboxRelayListener}s. Events are immutable
 * records, carry the time from the relay's {@link java.time.Clock} ({@link #at()}) and the relay's name ({@link
 * #relay()}), and are only built when a listener is registered: the same style as the consumer's {@code
 * ConsumerEvent}.
 *
 * <pre>{@code
 * relayBuilder.listener(event -> {
 *     if (event instanceof OutboxRelayEvent.RowParked parked) {
 *         alerts.send("outbox row " + parked.rowId() + " parked: " + parked.error());
 *     }
 * });
 * }</pre>
 */
public sealed interface OutboxRelayEvent {

    /** When it happened, from the relay's clock. */
    Instant at();

    /** The name of the relay that reports it ({@link OutboxRelay#getName()}). */
    String relay();

    /** Why the set of owned partitions changed. */
    enum OwnershipCause {
        /** Partitions were acquired or handed over to balance the relays. */
        REBALANCE,
        /** The relay's control connection to PostgreSQL failed, so its advisory locks are gone. */
        CONNECTION_LOST,
        /** The relay was closed. */
        CLOSED;

        /** The metric tag value, e.g. {@code connection-lost}. */
        public String tagValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The partitions this relay owns changed; only the owner of a partition publishes its rows.
     *
     * @param owned every partition owned now
     * @param acquired partitions gained by this change
     * @param released partitions lost or handed over by this change
     */
    record OwnershipChanged(
            Instant at,
            String relay,
            Set<Integer> owned,
            Set<Integer> acquired,
            Set<Integer> released,
            OwnershipCause cause)
            implements OutboxRelayEvent {
        /** Copies the sets (sorted, unmodifiable). */
        public OwnershipChanged {
            owned = sorted(owned);
            acquired = sorted(acquired);
            released = sorted(released);
        }

        private static Set<Integer> sorted(Set<Integer> s) {
            return Collections.unmodifiableSet(new TreeSet<>(Objects.requireNonNull(s)));
        }
    }

    /**
     * One acknowledged row of a {@link BatchPublished}: not an event itself.
     *
     * @param sequence the stream sequence (for a duplicate, the sequence of the copy stored earlier)
     * @param duplicate whether the stream already had the message id (absorbed by the duplicate window)
     * @param createdAt when the row was written
     * @param ackedAt when its PubAck arrived
     */
    record PublishedRow(
            long rowId,
            String messageId,
            String stream,
            long sequence,
            boolean duplicate,
            Instant createdAt,
            Instant ackedAt) {}

    /** The acknowledged rows of one batch were deleted from the outbox. */
    record BatchPublished(Instant at, String relay, List<PublishedRow> rows) implements OutboxRelayEvent {
        /** Copies the list. */
        public BatchPublished {
            rows = List.copyOf(rows);
        }

        /** How many of the rows were duplicates. */
        public long duplicates() {
            return rows.stream().filter(PublishedRow::duplicate).count();
        }
    }

    /**
     * A row failed for a reason of its own (see {@link PublishFailure}) and will be published again after a backoff.
     *
     * @param attempts the failed attempts so far
     * @param nextAttemptAt when the next attempt is due
     */
    record RowRetryScheduled(
            Instant at,
            String relay,
            long rowId,
            String messageId,
            PublishFailure reason,
            String error,
            int attempts,
            Instant nextAttemptAt)
            implements OutboxRelayEvent {}

    /**
     * A row was moved to the parked-rows table: it failed its last allowed attempt, or failed in a way no retry can fix
     * ({@link PublishFailure#isPermanent()}).
     */
    record RowParked(
            Instant at, String relay, long rowId, String messageId, PublishFailure reason, String error, int attempts)
            implements OutboxRelayEvent {}

    /**
     * A transaction in the outbox's database has been open longer than the relay's {@code longTransactionThreshold}:
     * it holds back the xmin horizon, so vacuum cannot remove deleted outbox rows.
     *
     * @param pid the backend's process id (0 for a prepared transaction)
     * @param state its {@code pg_stat_activity.state}, or {@code prepared}
     * @param applicationName its application name, or the prepared transaction's gid
     */
    record XminHorizonHeldBack(
            Instant at,
            String relay,
            int pid,
            Duration transactionAge,
            @Nullable String state,
            @Nullable String applicationName)
            implements OutboxRelayEvent {}

    /**
     * A stream's duplicate window is not longer than the relay's retry horizon (PUB-002): a re-published row could be
     * stored twice. With {@link DuplicateWindowCheck#REFUSE} the relay stops (at start, or when the stream first shows
     * up in a PubAck).
     */
    record DuplicateWindowRisk(
            Instant at, String relay, String stream, Duration window, Duration horizon, DuplicateWindowCheck check)
            implements OutboxRelayEvent {}

    /**
     * WAL mode: the relay's replication slot disappeared while the relay used it (dropped by hand, or missing after a
     * database failover) and the relay created it again. Events committed after {@code lostAfter} and before {@code
     * lostBefore} were never relayed: PostgreSQL decodes nothing for a slot that does not exist. The relay logs the
     * same range as an error and counts {@code jscontract.outbox.wal.slot.recreated}; republish those events from
     * their source if you can.
     *
     * @param slot the slot's name
     * @param lostAfter the last position this relay confirmed before the slot disappeared (an LSN, as {@code
     *     OutboxWriter.write} returns it in WAL mode); events at or before it are in their streams
     * @param lostBefore the position the new slot starts from; events committed after it are relayed
     */
    record WalSlotRecreated(Instant at, String relay, String slot, long lostAfter, long lostBefore)
            implements OutboxRelayEvent {}

    /** Which value of a replication slot a {@link WalSlotWarning} is about. */
    enum WalSlotMeasure {
        /**
         * WAL the slot keeps on the server's disk (the server's current position minus the slot's {@code
         * restart_lsn}; gauge {@code jscontract.outbox.wal.retained}), threshold {@link
         * WalSettings#getRetainedWalWarning()}.
         */
        RETAINED_WAL,
        /**
         * WAL between the server's current position and the slot's confirmed position (gauge {@code
         * jscontract.outbox.wal.lag}), threshold {@link WalSettings#getLagWarning()}.
         */
        LAG;

        /** The lower-case name with dashes, e.g. {@code retained-wal}. */
        public String tagValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * WAL mode: a value of the relay's replication slot rose above its warning threshold; the relay logs the same as
     * a warning. Reported once per crossing: again only after the value has fallen back to or below the threshold
     * (the relay logs that at INFO). Every relay of the slot reports it, standbys too. The values are read every
     * {@code statsInterval}.
     *
     * @param slot the slot's name
     * @param measure which value crossed
     * @param bytes the value read, in bytes
     * @param threshold the threshold it exceeds, in bytes
     */
    record WalSlotWarning(Instant at, String relay, String slot, WalSlotMeasure measure, long bytes, long threshold)
            implements OutboxRelayEvent {}

    /**
     * A listener threw while handling an event; it is reported to the other listeners, logged and counted ({@code
     * jscontract.outbox.listener.failures}, in WAL mode {@code jscontract.outbox.wal.listener.failures}), and the relay
     * carries on. A listener that throws on this event is logged and counted, not reported again. The consumer's
     * {@code ConsumerEvent.ListenerFailed} is the same.
     *
     * @param listener the failing listener's {@code toString()}
     * @param error what it threw
     */
    record ListenerFailed(Instant at, String relay, String listener, Throwable error) implements OutboxRelayEvent {}

    /**
     * The relay's {@link RelayState} changed (see {@link OutboxRelay#getHealth()}).
     *
     * @param cause the {@link RelayHealth.Cause#tagValue()} of the new state, empty when it has none
     * @param detail the new state's detail sentence
     */
    record StateChanged(Instant at, String relay, RelayState from, RelayState to, String cause, String detail)
            implements OutboxRelayEvent {}
}
