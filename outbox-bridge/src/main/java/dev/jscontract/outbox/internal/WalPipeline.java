package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.PublishFailure;
import dev.jscontract.outbox.RelayState;
import dev.jscontract.outbox.WalSettings;
import io.nats.client.api.PublishAck;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replication session of the WAL relay, run by the {@code wal} thread from connecting to the first failure or to
 * close; it lives on that thread only. {@link WalRelayEngine} opens the session and creates one pipeline per session.
 *
 * <h2>Reading, publishing, settling</h2>
 *
 * The pipeline reads with {@code readPending()} (so it can also send status updates, settle PubAcks and notice a
 * close without a blocking read; see {@code docs/decisions/outbox-wal-mode.md} for the pgjdbc facts behind this),
 * publishes each event with {@code publishAsync} as soon as it is read, and keeps every event and every commit in one
 * queue of {@link WalEntry} in WAL order. The head of the queue is settled in order: an acknowledged event is removed;
 * a commit at the head means every event before it is acknowledged, so its end LSN becomes the flushed position
 * reported to PostgreSQL (with automatic flush off, the driver never confirms more than that). A crash re-reads from
 * the last reported position; the events read again carry the same {@code Nats-Msg-Id} and the duplicate window drops
 * them.
 *
 * <h2>Failures</h2>
 *
 * An outage (the connection not CONNECTED or re-established since the last check, a timeout, a stream unavailable)
 * holds publishing: nothing new is published until NATS is connected, every event in flight has its PubAck, its
 * failure or its timeout, and the first unacknowledged event, sent again alone, is acknowledged; then the other
 * unacknowledged events are sent again in commit order, counting nothing and parking nothing. Events jnats still held,
 * unwritten, when the socket broke are sent by jnats itself after the reconnect, so they can land ahead of events
 * lost with the socket (logged as a warning with the number; {@link WalOutageHold}; see {@code docs/decisions/
 * outbox-wal-order-across-reconnects.md}). A failure of the event itself is retried with the relay's backoff up to
 * {@code maxAttempts} (at once for permanent ones) and then parked with its LSN ({@link WalParker}); events after it that were already
 * in flight may have been stored before it (at most {@code maxInFlight}). While it waits, the pipeline keeps the
 * replication session alive with status updates. A broken replication session ends the pipeline: its queue is
 * discarded and the next session starts from the slot's confirmed position.
 */
final class WalPipeline {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);

    private final RelayConfig config;
    private final WalSettings wal;
    private final Events events;
    private final RelayHealthTracker health;
    private final WalMetrics metrics;
    private final DuplicateWindowGuard windows;
    private final WalSender sender;
    private final String idPrefix;
    private final WalSlotManager slots;
    private final BooleanSupplier stopping;
    private final PGReplicationStream stream;
    private final ArrayDeque<WalEntry> queue = new ArrayDeque<>();
    private int inFlight;
    private long commitMicros;
    /** Between a Begin and its Commit: the server's position must not be confirmed from keepalives. */
    private boolean inTransaction;

    private long flushTo;
    private long reported;
    private long lastForcedNanos = System.nanoTime();
    private final WalParker parker;
    private final WalOutageHold outage;
    /** Events acknowledged in this settle round, for {@link OutboxRelayEvent.BatchPublished} (listeners only). */
    private final List<OutboxRelayEvent.PublishedRow> published = new ArrayList<>();

    /** The pipeline of one replication session, streaming from {@code stream}; nothing runs until {@link #run()}. */
    WalPipeline(
            RelayConfig config,
            WalSettings wal,
            Events events,
            RelayHealthTracker health,
            WalMetrics metrics,
            DuplicateWindowGuard windows,
            StreamLookup lookup,
            String idPrefix,
            WalSlotManager slots,
            BooleanSupplier stopping,
            PGReplicationStream stream)
            throws SQLException {
        this.config = config;
        this.wal = wal;
        this.events = events;
        this.health = health;
        this.metrics = metrics;
        this.windows = windows;
        this.idPrefix = idPrefix;
        this.slots = slots;
        this.stopping = stopping;
        this.stream = stream;
        this.parker = new WalParker(config, events, metrics, idPrefix);
        this.sender = new WalSender(config, lookup, idPrefix);
        this.outage = new WalOutageHold(config, health, metrics, sender, queue);
    }

    void run() throws SQLException {
        long idleNanos = 50_000;
        try {
            while (!stopping.getAsBoolean()) {
                settle();
                report();
                if (!outage.isHeld() && (sender.outageSeen() || outage.natsBroke())) {
                    outage.hold(inFlight);
                }
                if (outage.isHeld() && !outage.resume(this::settle)) {
                    keepAlive();
                    LockSupport.parkNanos(1_000_000); // held; NATS' listener unparks this thread
                    continue;
                }
                if (inFlight >= wal.getMaxInFlight()) {
                    keepAlive();
                    LockSupport.parkNanos(50_000); // PubAcks arrive every few microseconds while draining
                    continue;
                }
                ByteBuffer buf = stream.readPending();
                if (buf == null) {
                    LockSupport.parkNanos(idleNanos);
                    idleNanos = Math.min(idleNanos * 2, 4_000_000);
                    continue;
                }
                idleNanos = 50_000;
                handle(buf);
            }
            drainOnClose();
        } finally {
            parker.close();
        }
    }

    private void handle(ByteBuffer buf) {
        PgOutput.Msg m = PgOutput.parse(buf);
        if (m instanceof PgOutput.Begin b) {
            commitMicros = b.commitMicros();
            inTransaction = true;
        } else if (m instanceof PgOutput.Message msg) {
            if (!msg.prefix().equals(wal.getPrefix())) {
                return;
            }
            if (!msg.transactional()) {
                LOG.warn(
                        "outbox relay {}: ignoring a non-transactional message with prefix {} at {}; events must"
                                + " be emitted with pg_logical_emit_message(true, ...)",
                        config.name(),
                        msg.prefix(),
                        LogSequenceNumber.valueOf(msg.lsn()).asString());
                return;
            }
            WalEntry e = new WalEntry(msg.lsn(), commitMicros, false);
            try {
                e.event = WalEventCodec.decode(msg.content());
            } catch (IllegalArgumentException ex) {
                e.raw = msg.content();
                e.sendFailure =
                        new PublishFailures.Failure(PublishFailure.INVALID, "undecodable event: " + ex.getMessage());
            }
            queue.add(e);
            inFlight++;
            if (e.event != null) {
                if (outage.natsBroke()) {
                    // read before NATS broke but not yet published: it waits with the others (see resume)
                    e.sendFailure = new PublishFailures.Failure(
                            PublishFailure.CONNECTION, "not published: the NATS connection broke");
                    outage.hold(inFlight);
                } else {
                    sender.send(e);
                }
            }
        } else if (m instanceof PgOutput.Commit c) {
            inTransaction = false;
            if (queue.isEmpty()) {
                flushTo = c.endLsn();
            } else {
                queue.add(new WalEntry(c.endLsn(), 0, true));
            }
        }
    }

    /** Settles the head of the queue, in order; blocks while the head event fails. */
    private void settle() throws SQLException {
        try {
            settleHead();
        } finally {
            if (!published.isEmpty()) {
                List<OutboxRelayEvent.PublishedRow> rows = List.copyOf(published);
                published.clear();
                events.emit(
                        () -> new OutboxRelayEvent.BatchPublished(config.clock().instant(), config.name(), rows));
            }
        }
    }

    private void settleHead() throws SQLException {
        while (!queue.isEmpty()) {
            WalEntry h = queue.peek();
            if (h.commit) {
                flushTo = h.lsn;
                queue.poll();
                continue;
            }
            PublishFailures.Failure f = sender.outcome(h);
            if (f == null) {
                if (h.future == null || !h.future.isDone()) {
                    return; // still waiting for its PubAck
                }
                acknowledged(h);
            } else if (outage.isHeld() || !recover(h, f)) {
                return; // publishing is held: resume() sends the unacknowledged events again, in order
            }
            queue.poll();
            inFlight--;
        }
    }

    private void acknowledged(WalEntry h) {
        PublishAck ack = Objects.requireNonNull(h.future).join();
        WalMetrics m = metrics;
        if (ack.isDuplicate()) {
            m.duplicates.increment();
        } else {
            m.stored.increment();
        }
        Instant at = h.ackedAt;
        if (at == null) {
            at = config.clock().instant();
        }
        if (h.commitMicros > 0) {
            m.commitToAck(at.getEpochSecond() * 1_000_000 + at.getNano() / 1000 - h.commitMicros);
        }
        if (events.active()) {
            published.add(new OutboxRelayEvent.PublishedRow(
                    h.lsn,
                    h.messageId(idPrefix),
                    ack.getStream(),
                    ack.getSeqno(),
                    ack.isDuplicate(),
                    Instant.ofEpochSecond(h.commitMicros / 1_000_000, (h.commitMicros % 1_000_000) * 1000),
                    at));
        }
        health.streamAvailable();
        DuplicateWindowGuard w = windows;
        if (w.needsCheck(ack.getStream())) {
            w.checkSeen(ack.getStream(), health);
            if (health.state() == RelayState.HALTED) {
                throw new WalRelayEngine.Stop();
            }
        }
    }

    /**
     * Handles a failure of the head event. A failure of the event itself is retried here, in place, until the
     * event is acknowledged or parked (returns true). An outage waits for NATS and then sends the head and every
     * later event that has no PubAck yet again, in order, and returns false: settling resumes from the head.
     */
    private boolean recover(WalEntry h, PublishFailures.Failure first) throws SQLException {
        PublishFailures.Failure f = first;
        WalMetrics m = metrics;
        while (true) {
            f = sender.classify(h, f);
            m.failure(f.reason());
            if (!f.reason().isRowSpecific()) {
                if (f.reason() == PublishFailure.UNAVAILABLE || f.reason() == PublishFailure.TIMEOUT) {
                    health.streamUnavailable("publishing waits: " + f.message() + "; events stay in the WAL and"
                            + " no attempt is counted");
                }
                LOG.debug("outbox relay {}: outage ({}), publishing held", config.name(), f.message());
                outage.hold(inFlight);
                outage.failureCounted();
                return false;
            }
            h.attempts++;
            if (f.reason().isPermanent() || h.attempts >= config.maxAttempts() || h.event == null) {
                parker.park(h, f);
                return true;
            }
            Duration delay = config.retryBackoff()
                    .delay(h.attempts, ThreadLocalRandom.current().nextDouble());
            LOG.info(
                    "outbox relay {}: event at {} failed ({}), attempt {} of {}; retrying in {}",
                    config.name(),
                    LogSequenceNumber.valueOf(h.lsn).asString(),
                    f.message(),
                    h.attempts,
                    config.maxAttempts(),
                    Durations.human(delay));
            waitFor(delay);
            sender.send(h);
            while (h.sendFailure == null
                    && !Objects.requireNonNull(h.future).isDone()
                    && System.nanoTime() - h.deadlineNanos < 0) {
                waitFor(Duration.ofMillis(1));
            }
            PublishFailures.Failure next = sender.outcome(h);
            if (next == null) {
                acknowledged(h);
                return true;
            }
            f = next;
        }
    }

    /** Waits, keeping the replication session alive; throws {@link WalRelayEngine.Stop} on close. */
    private void waitFor(Duration d) throws SQLException {
        long end = System.nanoTime() + d.toNanos();
        while (true) {
            if (stopping.getAsBoolean()) {
                throw new WalRelayEngine.Stop();
            }
            keepAlive();
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(left, 50_000_000));
        }
    }

    /** Sends a status update when the reader has not for a status interval (it is not reading now). */
    private void keepAlive() throws SQLException {
        long now = System.nanoTime();
        if (now - lastForcedNanos >= wal.getStatusInterval().toNanos()) {
            report();
            stream.forceUpdateStatus();
            lastForcedNanos = now;
        }
    }

    private void report() {
        if (queue.isEmpty() && !inTransaction) {
            // Everything received is acknowledged: confirm the server's position too (its keepalives carry it),
            // as pg_recvlogical does. A shutting-down walsender leaves only once the client's flush position
            // equals the position it read up to, which includes WAL that decodes to nothing (rolled-back or cut
            // transactions, other tables); confirming commits alone kept a fast shutdown waiting forever.
            long received = stream.getLastReceiveLSN().asLong();
            if (received > flushTo) {
                flushTo = received;
            }
        }
        if (flushTo > reported) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(flushTo);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            reported = flushTo;
            slots.confirmed(flushTo);
        }
    }

    /** On close: settle what is in flight (up to the publish timeout) and confirm it. */
    private void drainOnClose() throws SQLException {
        long end = System.nanoTime() + config.publishTimeout().toNanos();
        while (!queue.isEmpty() && System.nanoTime() - end < 0) {
            WalEntry h = queue.peek();
            if (h.commit) {
                flushTo = h.lsn;
                queue.poll();
                continue;
            }
            if (h.sendFailure != null || h.future == null) {
                break;
            }
            if (!h.future.isDone()) {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            if (sender.outcome(h) != null) {
                break;
            }
            acknowledged(h);
            queue.poll();
        }
        report();
        stream.forceUpdateStatus();
    }
}
