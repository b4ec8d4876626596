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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
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
 * lost with the socket (logged as a warning with the number; see {@code docs/decisions/
 * outbox-wal-order-across-reconnects.md}). A failure of the event itself is retried with the relay's backoff up to
 * {@code maxAttempts} (at once for permanent ones) and then parked with its LSN ({@link WalParker}); events after it that were already
 * in flight may have been stored before it (at most {@code maxInFlight}). While it waits, the pipeline keeps the
 * replication session alive with status updates. A broken replication session ends the pipeline: its queue is
 * discarded and the next session starts from the slot's confirmed position.
 */
final class WalPipeline {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);

    /** How long publishing stays held after an outage before the relay tries again. */
    static final Duration HOLD_RETRY = Duration.ofMillis(250);

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
    /**
     * Publishing is held: NATS broke (or an event failed for a reason that is not its own), so nothing new is
     * published until {@link #resume()} has settled what was in flight and sent the unacknowledged events again.
     */
    private boolean held;
    /** When the hold began or the last probe failed; {@link #resume()} waits {@link #HOLD_RETRY} from there. */
    private long heldSinceNanos;
    /** The first unacknowledged event, sent again alone after an outage; the others follow once it is acked. */
    private @Nullable WalEntry probe;
    /** Whether the failure that began this hold is counted in the failures meter already ({@link #recover}). */
    private boolean holdCounted;
    /** Events stored after the probe's first attempt failed: they are ahead of it in the stream. */
    private int overtakers;
    /** jnats' reconnect count when publishing last resumed; a change means NATS broke in between. */
    private long reconnectsSeen;
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
        this.reconnectsSeen = reconnects();
    }

    void run() throws SQLException {
        long idleNanos = 50_000;
        try {
            while (!stopping.getAsBoolean()) {
                settle();
                report();
                if (!held && (sender.outageSeen() || natsBroke())) {
                    hold();
                }
                if (held && !resume()) {
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
                if (natsBroke()) {
                    // read before NATS broke but not yet published: it waits with the others (see resume)
                    e.sendFailure = new PublishFailures.Failure(
                            PublishFailure.CONNECTION, "not published: the NATS connection broke");
                    hold();
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

    /** jnats' reconnect count (0 when the application's statistics collector does not count them). */
    private long reconnects() {
        return config.connection().getStatistics().getReconnects();
    }

    /**
     * Whether the NATS connection is not usable now or has been re-established since publishing last resumed.
     * The status alone could miss a disconnect and reconnect that happen between two checks; jnats counts the
     * reconnect right after setting the status back to CONNECTED.
     */
    private boolean natsBroke() {
        return config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED
                || reconnects() != reconnectsSeen;
    }

    /** Stops publishing new events until {@link #resume()} lets it go on. */
    private void hold() {
        if (!held) {
            held = true;
            holdCounted = false;
            probe = null;
            heldSinceNanos = System.nanoTime();
            LOG.debug("outbox relay {}: publishing held ({} events in flight)", config.name(), inFlight);
        }
    }

    /**
     * Ends a hold once that is safe for commit order; true when publishing may go on. In this order:
     *
     * <ol>
     *   <li>NATS is connected again ({@link #HOLD_RETRY} after the hold began, so a stream that stays
     *       unavailable is not hammered);
     *   <li>every event in flight has its outcome: a PubAck, a failure, or the publish timeout. Events jnats
     *       still held when the connection broke are sent by jnats after the reconnect and get their PubAcks
     *       now; events lost with the socket time out. Nothing is sent again before, so an event the server
     *       still stores late (a cluster node forwarding it) cannot land behind a re-sent later one;
     *   <li>the first unacknowledged event is sent again alone (a probe), so that if the stream is still not
     *       available no later event overtakes it;
     *   <li>once the probe is acknowledged (or fails for a reason of its own, which {@link #recover} then
     *       retries in place), every other unacknowledged event is sent again in commit order, and only then
     *       new ones.
     * </ol>
     */
    private boolean resume() throws SQLException {
        if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED
                || System.nanoTime() - heldSinceNanos < HOLD_RETRY.toNanos()) {
            return false;
        }
        reconnectsSeen = reconnects();
        long now = System.nanoTime();
        for (WalEntry e : queue) {
            CompletableFuture<PublishAck> f = e.future;
            if (f != null && !f.isDone()) {
                if (now - e.deadlineNanos < 0) {
                    return false; // its PubAck or its failure is still to come
                }
                f.cancel(false);
            }
        }
        sender.clearOutageSeen(); // every failure so far is handled here; later ones come from what is sent now
        settle(); // the acknowledged head is removed; the head is now the first unacknowledged event, if any
        WalEntry p = probe;
        if (p != null) {
            probe = null;
            PublishFailures.Failure f = sender.outcome(p);
            if (f != null && !sender.classify(p, f).reason().isRowSpecific()) {
                metrics.failure(f.reason());
                LOG.debug("outbox relay {}: still an outage ({}), waiting", config.name(), f.message());
                heldSinceNanos = System.nanoTime();
                return false;
            }
            resendUnacknowledged(p, true);
            held = false;
            return true;
        }
        WalEntry h = firstUnacknowledged();
        if (h == null) {
            held = false;
            return true;
        }
        PublishFailures.Failure f = sender.classify(h, Objects.requireNonNull(sender.outcome(h)));
        if (f.reason().isRowSpecific()) {
            // the head's own problem: recover() retries or parks it in place; the others go out again now
            resendUnacknowledged(h, false);
            held = false;
            return true;
        }
        if (!holdCounted) {
            metrics.failure(f.reason());
            holdCounted = true;
        }
        if (f.reason() == PublishFailure.UNAVAILABLE || f.reason() == PublishFailure.TIMEOUT) {
            health.streamUnavailable(
                    "publishing waits: " + f.message() + "; events stay in the WAL and no attempt is counted");
        }
        overtakers = 0;
        for (WalEntry e : queue) {
            if (e != h && !e.commit && WalSender.acked(e)) {
                overtakers++;
            }
        }
        sender.send(h);
        probe = h;
        return false;
    }

    /** The first queued event without a PubAck (after {@link #settle()}: the head), or null. */
    private @Nullable WalEntry firstUnacknowledged() {
        for (WalEntry e : queue) {
            if (!e.commit && !WalSender.acked(e)) {
                return e;
            }
        }
        return null;
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
            } else if (held || !recover(h, f)) {
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
                hold();
                holdCounted = true;
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

    /**
     * After an outage: sends every queued event without a PubAck again, in queue (commit) order, except {@code
     * done} (the probe, already sent again, or a head that {@link #recover} retries in place). With {@code
     * outage}, logs what was re-sent and, when later events were stored first, by how much commit order broke.
     */
    private void resendUnacknowledged(WalEntry done, boolean outage) {
        int resent = 0;
        for (WalEntry e : queue) {
            if (e.commit || e.event == null || e == done || WalSender.acked(e)) {
                continue;
            }
            CompletableFuture<PublishAck> replaced = e.future;
            sender.send(e);
            if (replaced != null) {
                replaced.cancel(false);
            }
            resent++;
        }
        if (!outage) {
            return;
        }
        if (overtakers > 0) {
            // jnats had them queued, unwritten, when the connection broke and sent them itself after the
            // reconnect; or the stream took them while it refused the earlier one (a leader election)
            LOG.warn(
                    "outbox relay {}: publishing again after an outage, {} events resent; {} later events had been"
                            + " stored before them, so commit order is broken by up to {} positions",
                    config.name(),
                    resent + 1,
                    overtakers,
                    overtakers);
        } else {
            LOG.info("outbox relay {}: publishing again after an outage, {} events resent", config.name(), resent + 1);
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
