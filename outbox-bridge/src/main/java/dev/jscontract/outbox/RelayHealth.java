package dev.jscontract.outbox;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@link OutboxRelay}'s health at one moment: its {@link RelayState}, the {@link Cause} when it is {@link
 * RelayState#RECOVERING} or {@link RelayState#HALTED}, a sentence an operator can act on, and since when. Immutable.
 *
 * <pre>{@code
 * RelayHealth h = relay.getHealth();
 * if (h.getState() != RelayState.RUNNING) {
 *     log.warn("outbox relay {} since {}: {}", h.getState(), h.getSince(), h.getDetail());
 * }
 * }</pre>
 */
public final class RelayHealth {
    /** Why a relay is not running normally. */
    public enum Cause {
        /** The NATS connection is disconnected and jnats is reconnecting (RECOVERING). */
        NATS_DISCONNECTED,
        /**
         * Publishes get no PubAck: 503 No Responders for a subject a stream captures (no leader, no quorum), 503
         * JetStream unavailable, or timeouts (RECOVERING).
         */
        STREAM_UNAVAILABLE,
        /** A session to PostgreSQL fails (RECOVERING). */
        DATABASE_UNREACHABLE,
        /** The NATS connection is closed for good (HALTED). */
        NATS_CONNECTION_CLOSED,
        /** A stream's duplicate window is not longer than the relay's retry horizon (PUB-002; HALTED). */
        DUPLICATE_WINDOW_REFUSED,
        /** One of the relay's threads failed unexpectedly (HALTED). */
        RELAY_THREAD_FAILED,
        /**
         * WAL mode: PostgreSQL invalidated the relay's replication slot ({@code wal_status = 'lost'}, usually because
         * it kept more WAL than {@code max_slot_wal_keep_size}), so events were removed before they were relayed
         * (HALTED). The detail says how to re-create the slot.
         */
        REPLICATION_SLOT_LOST;

        /** The tag value, e.g. {@code stream-unavailable}. */
        public String tagValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final RelayState state;
    private final @Nullable Cause cause;
    private final String detail;
    private final Instant since;

    /**
     * A health snapshot.
     *
     * @param cause set exactly for RECOVERING and HALTED
     * @throws IllegalArgumentException when the cause does not fit the state
     */
    public RelayHealth(RelayState state, @Nullable Cause cause, String detail, Instant since) {
        this.state = Objects.requireNonNull(state, "state");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.since = Objects.requireNonNull(since, "since");
        boolean troubled = state == RelayState.RECOVERING || state == RelayState.HALTED;
        if ((cause != null) != troubled) {
            throw new IllegalArgumentException("a cause goes with states RECOVERING and HALTED and only with them, but"
                    + " state was " + state + " and cause " + cause);
        }
        this.cause = cause;
    }

    /** The state. */
    public RelayState getState() {
        return state;
    }

    /** Why, when RECOVERING or HALTED. */
    public Optional<Cause> getCause() {
        return Optional.ofNullable(cause);
    }

    /** What is going on and what to do, in a sentence; empty when running normally. */
    public String getDetail() {
        return detail;
    }

    /** When the relay entered this state with this cause. */
    public Instant getSince() {
        return since;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayHealth h
                && h.state == state
                && h.cause == cause
                && h.detail.equals(detail)
                && h.since.equals(since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, cause, detail, since);
    }

    @Override
    public String toString() {
        return "RelayHealth{" + state + (cause == null ? "" : " (" + cause.tagValue() + ")") + " since " + since
                + (detail.isEmpty() ? "" : ": " + detail) + "}";
    }
}
