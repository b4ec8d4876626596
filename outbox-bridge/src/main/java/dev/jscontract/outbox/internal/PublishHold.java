package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds publishing across a NATS outage so that rows lost with a broken connection are published again before any
 * later row: the table relay's form of {@code docs/decisions/outbox-wal-order-across-reconnects.md}, used by the claim
 * thread ({@link Claimer}, which also publishes through {@link Publisher}).
 *
 * <p>Publishing holds when the connection is not {@code CONNECTED}, when jnats' reconnect count changed since
 * publishing last resumed (a disconnect and a reconnect can both fall between two checks), or when a publish failed
 * for a reason that is not the row's own ({@link InFlight#outageSeen}: the connection, no PubAck in time, the stream
 * unavailable). {@link Publisher} checks before every row. While held nothing is claimed or published. Publishing
 * resumes, {@link #HOLD_RETRY_NANOS} after the hold began, once NATS is connected and every batch in flight is settled
 * (each sent row has its PubAck, its failure, or its publish timeout, and the settle thread has deleted or recorded
 * it): the rows lost with the connection are then back in the table, untouched, and the next claim, which reads the
 * owned partitions from the start in id order, finds them first. That first batch sends only its first row (a probe);
 * nothing more is claimed until the probe is settled, so a stream that is still not ready (no leader yet) cannot take
 * later rows while refusing earlier ones. An outage-class outcome of the probe holds again.
 *
 * <p>What stays: rows jnats had queued but not written when the socket broke are sent by jnats itself after the
 * reconnect, ahead of the lost ones, which the relay sends again only after their timeout. At most the rows published
 * between the break and jnats noticing it ({@code batchSize × pipelineDepth} at the very most); the settle thread counts
 * them ({@link InFlight#overtakers}) and the resume logs the number as a warning.
 */
final class PublishHold {
    private static final Logger LOG = LoggerFactory.getLogger(PublishHold.class);
    /** How long publishing stays held after an outage before the relay tries again (as in WAL mode). */
    static final long HOLD_RETRY_NANOS = 250_000_000L;

    private final RelayConfig config;
    private final InFlight inFlight;
    /** Claim-thread state from here on. */
    private boolean held;

    private long heldSinceNanos;
    /** jnats' reconnect count when publishing last resumed; a change means NATS broke in between. */
    private long reconnectsSeen;
    /** After a hold: the next batch sends its first row alone. */
    private boolean probing;
    /** The probe is sent: nothing more is claimed until every batch is settled. */
    private boolean probeSent;
    /** The hold began with the probe in flight: a failed probe is not news (logged at debug level). */
    private boolean probeFailed;

    PublishHold(RelayConfig config, InFlight inFlight) {
        this.config = config;
        this.inFlight = inFlight;
        this.reconnectsSeen = reconnects();
    }

    /** Whether a publish failure stands for an outage: publishing holds (a row's own failure does not). */
    static boolean isOutage(PublishFailures.Failure f) {
        return !f.reason().isRowSpecific() && f.reason() != PublishFailure.IN_PROCESS;
    }

    /** jnats' reconnect count (0 when the application's statistics collector does not count them). */
    private long reconnects() {
        return config.connection().getStatistics().getReconnects();
    }

    /**
     * Whether publishing must stop now: NATS is not connected or was re-established since publishing last resumed,
     * or a publish failed with an outage. Checked before every row and every claim.
     */
    boolean mustHold() {
        return held
                || inFlight.outageSeen
                || config.connection().getStatus() != Connection.Status.CONNECTED
                || reconnects() != reconnectsSeen;
    }

    /**
     * Called by the claim loop before each claim; true when it may claim. Begins a hold when {@link #mustHold()},
     * ends one when that is safe for per-key order (see the class description), and ends the probe once it is
     * settled.
     */
    boolean mayClaim() {
        if (probeSent && inFlight.batches() == 0) {
            probing = false; // the probe is settled; an outage-class outcome of it has set outageSeen already
            probeSent = false;
        }
        if (!held && mustHold()) {
            held = true;
            probeFailed = probing;
            probing = false;
            probeSent = false;
            heldSinceNanos = System.nanoTime();
            LOG.debug("outbox relay {}: publishing held ({} batches in flight)", config.name(), inFlight.batches());
        }
        if (held && !resume()) {
            return false;
        }
        return !probeSent;
    }

    private boolean resume() {
        if (config.connection().getStatus() != Connection.Status.CONNECTED
                || System.nanoTime() - heldSinceNanos < HOLD_RETRY_NANOS
                || inFlight.batches() > 0) {
            return false; // a batch in flight: some PubAck, failure or timeout is still to come, or not recorded yet
        }
        reconnectsSeen = reconnects();
        // every batch is settled: each outage seen so far is handled; what is sent from now on reports anew
        inFlight.outageSeen = false;
        int lost = inFlight.lost.getAndSet(0);
        int overtakers = inFlight.overtakers.getAndSet(0);
        held = false;
        probing = true;
        if (overtakers > 0) {
            // jnats had them queued, unwritten, when the connection broke and sent them itself after the reconnect,
            // or the stream took them while refusing the earlier ones
            LOG.warn(
                    "outbox relay {}: publishing again after an outage, rows to send again: {}; {} rows published"
                            + " after them had been stored first, so their keys' commit order may be broken by up to {}"
                            + " positions",
                    config.name(),
                    lost,
                    overtakers,
                    overtakers);
        } else if (lost > 0 && !probeFailed) {
            LOG.info("outbox relay {}: publishing again after an outage, rows to send again: {}", config.name(), lost);
        } else {
            LOG.debug("outbox relay {}: publishing again after a hold, rows to send again: {}", config.name(), lost);
        }
        inFlight.claimRequested.set(true);
        return true;
    }

    /** How many rows of the next batch to send: 1 for the probe after a hold, else all. */
    int rowsToSend() {
        return probing ? 1 : Integer.MAX_VALUE;
    }

    /** A batch was claimed and handed to the publisher; after a hold it was the probe. */
    void sent() {
        if (probing) {
            probeSent = true;
        }
    }

    /** Whether publishing is held (the claim loop waits at most {@link #HOLD_RETRY_NANOS} at a time). */
    boolean isHeld() {
        return held;
    }
}
