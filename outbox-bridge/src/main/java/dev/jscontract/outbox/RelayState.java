package dev.jscontract.outbox;

import java.util.Locale;

/**
 * Where an {@link OutboxRelay} is: its lifecycle and, while it runs, its health. Alert on {@link #HALTED}; watch
 * {@link #RECOVERING}. {@link OutboxRelay#getHealth()} says why and since when.
 *
 * <pre>
 * NEW → RUNNING ⇄ RECOVERING → HALTED
 *          └──────────────────────→ CLOSED
 * </pre>
 */
public enum RelayState {
    /** Built, not started. */
    NEW,
    /** Claiming and publishing. */
    RUNNING,
    /**
     * Publishing is paused by an outage the relay recovers from on its own: the NATS connection is reconnecting, the
     * stream cannot take messages (no leader, no quorum, a server restarting), or PostgreSQL cannot be reached. No
     * attempt is counted and no row is parked for an outage; rows wait in the outbox.
     */
    RECOVERING,
    /**
     * Stopped for good by something only a person can fix: the NATS connection was closed, a stream's duplicate window
     * is refused (PUB-002), a relay thread failed, or (WAL mode) PostgreSQL invalidated the replication slot. {@link
     * OutboxRelay#getFailure()} has the cause; close the relay and start a new one after fixing it.
     */
    HALTED,
    /** Closed; cannot be started again. */
    CLOSED;

    /** The metric tag value, e.g. {@code recovering}. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
