package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.api.PublishAck;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outage hold of one WAL replication session ({@code docs/decisions/outbox-wal-order-across-reconnects.md}):
 * publishing holds when NATS broke (the connection not CONNECTED, or re-established since publishing last resumed) or
 * an event failed for a reason that is not its own; {@link #resume} ends the hold once every event in flight has its
 * outcome, by sending the first unacknowledged event again alone (a probe) and, once that is acknowledged, every
 * other unacknowledged event in commit order. It works on {@link WalPipeline}'s queue and publishes through its
 * {@link WalSender}; the pipeline asks it before reading or publishing. The {@code wal} thread only.
 */
final class WalOutageHold {
    /** The engine's logger: the WAL relay's messages keep one category, whichever part writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);
    /** How long publishing stays held after an outage before the relay tries again. */
    static final Duration HOLD_RETRY = Duration.ofMillis(250);

    /** The pipeline's in-order settling of the queue's head, which {@link #resume} runs once every outcome is in. */
    @FunctionalInterface
    interface Settle {
        void settle() throws SQLException;
    }

    private final RelayConfig config;
    private final RelayHealthTracker health;
    private final WalMetrics metrics;
    private final WalSender sender;
    private final ArrayDeque<WalEntry> queue;
    /**
     * Publishing is held: NATS broke (or an event failed for a reason that is not its own), so nothing new is
     * published until {@link #resume} has settled what was in flight and sent the unacknowledged events again.
     */
    private boolean held;
    /** When the hold began or the last probe failed; {@link #resume} waits {@link #HOLD_RETRY} from there. */
    private long heldSinceNanos;
    /** The first unacknowledged event, sent again alone after an outage; the others follow once it is acked. */
    private @Nullable WalEntry probe;
    /** Whether the failure that began this hold is counted in the failures meter already (by the pipeline). */
    private boolean holdCounted;
    /** Events stored after the probe's first attempt failed: they are ahead of it in the stream. */
    private int overtakers;
    /** jnats' reconnect count when publishing last resumed; a change means NATS broke in between. */
    private long reconnectsSeen;

    /** A hold for the session whose queue is {@code queue}; NATS' reconnect count is taken now. */
    WalOutageHold(
            RelayConfig config,
            RelayHealthTracker health,
            WalMetrics metrics,
            WalSender sender,
            ArrayDeque<WalEntry> queue) {
        this.config = config;
        this.health = health;
        this.metrics = metrics;
        this.sender = sender;
        this.queue = queue;
        this.reconnectsSeen = reconnects();
    }

    /** Whether publishing is held. */
    boolean isHeld() {
        return held;
    }

    /** The failure that began this hold is counted in the failures meter already (by the pipeline's retry). */
    void failureCounted() {
        holdCounted = true;
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
    boolean natsBroke() {
        return config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED
                || reconnects() != reconnectsSeen;
    }

    /** Stops publishing new events until {@link #resume} lets it go on; {@code inFlight} is for the log. */
    void hold(int inFlight) {
        if (!held) {
            held = true;
            holdCounted = false;
            probe = null;
            heldSinceNanos = System.nanoTime();
            LOG.debug("outbox relay {}: publishing held ({} events in flight)", config.name(), inFlight);
        }
    }

    /**
     * Ends a hold once that is safe for commit order; true when publishing may go on. {@code settle} settles the
     * head of the queue (the pipeline's in-order settling). In this order:
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
     *   <li>once the probe is acknowledged (or fails for a reason of its own, which {@code WalPipeline.recover} then
     *       retries in place), every other unacknowledged event is sent again in commit order, and only then
     *       new ones.
     * </ol>
     */
    boolean resume(Settle settle) throws SQLException {
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
        settle.settle(); // the acknowledged head is removed; the head is now the first unacknowledged event, if any
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

    /** The first queued event without a PubAck (after settling: the head), or null. */
    private @Nullable WalEntry firstUnacknowledged() {
        for (WalEntry e : queue) {
            if (!e.commit && !WalSender.acked(e)) {
                return e;
            }
        }
        return null;
    }

    /**
     * After an outage: sends every queued event without a PubAck again, in queue (commit) order, except {@code
     * done} (the probe, already sent again, or a head that {@code WalPipeline.recover} retries in place). With {@code
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
}
