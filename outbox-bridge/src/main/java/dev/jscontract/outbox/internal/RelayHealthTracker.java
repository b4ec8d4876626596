package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.ProblemSet;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.RelayHealth.Cause;
import dev.jscontract.outbox.RelayState;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the relay's threads see into one {@link RelayHealth}: the lifecycle (NEW, RUNNING, CLOSED) and the
 * problems (recovering ones: NATS reconnecting, a stream that cannot take messages, PostgreSQL unreachable; halting
 * ones: the NATS connection closed, a refused duplicate window, a failed thread). When the state or its cause changes
 * it logs once (WARN for RECOVERING and HALTED) and emits {@link OutboxRelayEvent.StateChanged}. Thread-safe; events
 * are emitted outside the lock.
 */
final class RelayHealthTracker {
    private static final Logger LOG = LoggerFactory.getLogger(RelayHealthTracker.class);

    private final String relay;
    /** Where unpublished work waits, for the messages: "rows stay in the outbox" or "events stay in the WAL". */
    private final String kept;

    private final Clock clock;
    private final Events events;
    private final Consumer<RelayState> onState;
    private final Runnable onHalt;
    private final ProblemSet<Cause> problems = new ProblemSet<>(Cause.class);
    private final Set<String> databaseDown = new HashSet<>();
    private RelayState lifecycle = RelayState.NEW;
    private RelayHealth current;

    /**
     * @param kept where unpublished work waits meanwhile, as the messages say it (e.g. "rows stay in the outbox")
     * @param onState told the new state on every change (the state gauge)
     * @param onHalt run after a halting problem is recorded (stops the relay's threads)
     */
    RelayHealthTracker(
            String relay, String kept, Clock clock, Events events, Consumer<RelayState> onState, Runnable onHalt) {
        this.relay = relay;
        this.kept = kept;
        this.clock = clock;
        this.events = events;
        this.onState = onState;
        this.onHalt = onHalt;
        this.current = new RelayHealth(RelayState.NEW, null, "", clock.instant());
    }

    synchronized RelayHealth health() {
        return current;
    }

    synchronized RelayState state() {
        return current.getState();
    }

    synchronized boolean has(Cause cause) {
        return problems.has(cause);
    }

    /** NEW, RUNNING or CLOSED. */
    void lifecycle(RelayState state) {
        change(() -> lifecycle = state);
    }

    /** The NATS connection's status: connected, reconnecting, or closed for good. */
    void nats(io.nats.client.Connection.Status status) {
        switch (status) {
            case CONNECTED -> {
                if (has(Cause.NATS_DISCONNECTED)) {
                    change(() -> problems.remove(Cause.NATS_DISCONNECTED));
                }
            }
            case CLOSED ->
                fatal(
                        Cause.NATS_CONNECTION_CLOSED,
                        "the NATS connection is closed (by the application, or jnats gave up reconnecting), so the"
                                + " relay can never publish again; " + kept + ". Close this relay and"
                                + " start a new one on an open connection (with maxReconnects(-1))");
            default ->
                change(() -> problems.put(
                        Cause.NATS_DISCONNECTED,
                        false,
                        "the NATS connection is " + status.name().toLowerCase(java.util.Locale.ROOT) + "; publishing"
                                + " waits for jnats to reconnect, " + kept + " and no attempt is counted",
                        clock.instant()));
        }
    }

    /** Publishes fail because the stream (or JetStream) cannot take messages right now. */
    void streamUnavailable(String detail) {
        change(() -> problems.put(Cause.STREAM_UNAVAILABLE, false, detail, clock.instant()));
    }

    /** A PubAck arrived: the streams take messages again. */
    void streamAvailable() {
        if (has(Cause.STREAM_UNAVAILABLE)) {
            change(() -> problems.remove(Cause.STREAM_UNAVAILABLE));
        }
    }

    /** A session of the given role failed. */
    void databaseDown(String role, String detail) {
        change(() -> {
            databaseDown.add(role);
            problems.put(
                    Cause.DATABASE_UNREACHABLE,
                    false,
                    "PostgreSQL cannot be reached (" + role + " session: " + detail + "); retrying with backoff, and"
                            + " nothing is lost: " + kept,
                    clock.instant());
        });
    }

    /** A session of the given role works again. */
    void databaseUp(String role) {
        change(() -> {
            databaseDown.remove(role);
            if (databaseDown.isEmpty()) {
                problems.remove(Cause.DATABASE_UNREACHABLE);
            }
        });
    }

    /** Something only a person can fix: the relay halts. */
    void fatal(Cause cause, String detail) {
        change(() -> problems.put(cause, true, detail, clock.instant()));
        onHalt.run();
    }

    private void change(Runnable mutation) {
        RelayHealth before;
        RelayHealth after;
        synchronized (this) {
            before = current;
            mutation.run();
            after = compute(before);
            current = after;
        }
        if (after != before) {
            announce(before, after);
        }
    }

    private RelayHealth compute(RelayHealth before) {
        RelayState state = lifecycle;
        Cause cause = null;
        String detail = "";
        ProblemSet.Entry<Cause> shown = lifecycle == RelayState.RUNNING ? problems.shown() : null;
        if (shown != null) {
            state = shown.halted() ? RelayState.HALTED : RelayState.RECOVERING;
            cause = shown.problem();
            detail = shown.detail();
        }
        if (state == before.getState()
                && cause == before.getCause().orElse(null)
                && detail.equals(before.getDetail())) {
            return before;
        }
        boolean sameCause =
                state == before.getState() && cause == before.getCause().orElse(null);
        return new RelayHealth(
                state, cause, detail, shown != null ? shown.since() : sameCause ? before.getSince() : clock.instant());
    }

    private void announce(RelayHealth before, RelayHealth after) {
        onState.accept(after.getState());
        String cause = after.getCause().map(Cause::tagValue).orElse("");
        if (after.getState() == RelayState.HALTED || after.getState() == RelayState.RECOVERING) {
            LOG.warn("outbox relay {} is {} ({}): {}", relay, after.getState(), cause, after.getDetail());
        } else if (after.getState() == RelayState.RUNNING && before.getState() != RelayState.NEW) {
            LOG.info("outbox relay {} is RUNNING again (was {} since {})", relay, before.getState(), before.getSince());
        }
        events.emit(() -> new OutboxRelayEvent.StateChanged(
                clock.instant(), relay, before.getState(), after.getState(), cause, after.getDetail()));
    }
}
