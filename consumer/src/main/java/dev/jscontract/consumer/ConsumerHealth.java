package dev.jscontract.consumer;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ContractConsumer}'s health at one moment: its {@link ConsumerState}, why (a {@link PauseCause} when
 * {@link ConsumerState#PAUSED PAUSED}, a {@link Problem} when {@link ConsumerState#RECOVERING RECOVERING} or {@link
 * ConsumerState#HALTED HALTED}), a sentence an operator can act on, and since when it is in this state. Immutable.
 *
 * <pre>{@code
 * ConsumerHealth h = consumer.getHealth();
 * if (h.getState() == ConsumerState.HALTED) {
 *     alert(h.getProblem().orElseThrow() + " since " + h.getSince() + ": " + h.getDetail());
 * }
 * }</pre>
 */
public final class ConsumerHealth {
    /** What keeps a consumer from working (the cause of {@link ConsumerState#RECOVERING} and {@link ConsumerState#HALTED}). */
    public enum Problem {
        /** The connection is disconnected and jnats is reconnecting (RECOVERING). */
        DISCONNECTED,
        /**
         * The connection looks connected but nothing comes back: pulls get no heartbeats and a PING got no PONG (a
         * silent network cut; RECOVERING until jnats notices or the path heals).
         */
        CONNECTION_STALLED,
        /** The connection is closed for good: by the application, or jnats gave up reconnecting (HALTED). */
        CONNECTION_CLOSED,
        /** The durable consumer was deleted on the server (HALTED; resumes if it is recreated). */
        CONSUMER_DELETED,
        /** Pulls get 503 / no responders: JetStream or the stream's leader is not available (RECOVERING, then HALTED). */
        JETSTREAM_UNAVAILABLE,
        /** Pulls keep failing for another reason (RECOVERING, then HALTED once the pull error budget is spent). */
        PULL_ERRORS,
        /**
         * A handler thread died of a {@link VirtualMachineError} such as {@code OutOfMemoryError} (HALTED; restart the
         * process). A {@code StackOverflowError} is not one of them: it fails only the message whose handler overflowed.
         */
        HANDLER_THREAD_DIED;

        /** The tag value, e.g. {@code connection-closed}. */
        public String tagValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final ConsumerState state;
    private final @Nullable PauseCause pauseCause;
    private final @Nullable Problem problem;
    private final String detail;
    private final Instant since;

    /**
     * A health snapshot.
     *
     * @param pauseCause set only for {@link ConsumerState#PAUSED}
     * @param problem set only for {@link ConsumerState#RECOVERING} and {@link ConsumerState#HALTED}
     * @param detail what is going on, in a sentence (empty when running normally)
     * @param since when the consumer entered this state (and cause)
     * @throws IllegalArgumentException when a cause does not fit the state
     */
    public ConsumerHealth(
            ConsumerState state,
            @Nullable PauseCause pauseCause,
            @Nullable Problem problem,
            String detail,
            Instant since) {
        this.state = Objects.requireNonNull(state, "state");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.since = Objects.requireNonNull(since, "since");
        if ((pauseCause != null) != (state == ConsumerState.PAUSED)) {
            throw new IllegalArgumentException("a pause cause goes with state PAUSED and only with it, but state was "
                    + state + " and pause cause " + pauseCause);
        }
        boolean troubled = state == ConsumerState.RECOVERING || state == ConsumerState.HALTED;
        if ((problem != null) != troubled) {
            throw new IllegalArgumentException("a problem goes with states RECOVERING and HALTED and only with them,"
                    + " but state was " + state + " and problem " + problem);
        }
        this.pauseCause = pauseCause;
        this.problem = problem;
    }

    /** The state. */
    public ConsumerState getState() {
        return state;
    }

    /** Why pulling is paused, when {@link ConsumerState#PAUSED}. */
    public Optional<PauseCause> getPauseCause() {
        return Optional.ofNullable(pauseCause);
    }

    /** What is wrong, when {@link ConsumerState#RECOVERING} or {@link ConsumerState#HALTED}. */
    public Optional<Problem> getProblem() {
        return Optional.ofNullable(problem);
    }

    /** What is going on and what to do, in a sentence; empty when nothing needs saying. */
    public String getDetail() {
        return detail;
    }

    /** When the consumer entered this state with this cause. */
    public Instant getSince() {
        return since;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsumerHealth h
                && h.state == state
                && h.pauseCause == pauseCause
                && h.problem == problem
                && h.detail.equals(detail)
                && h.since.equals(since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, pauseCause, problem, detail, since);
    }

    @Override
    public String toString() {
        String cause = pauseCause != null
                ? " (" + pauseCause.tagValue() + ")"
                : problem != null ? " (" + problem.tagValue() + ")" : "";
        return "ConsumerHealth{" + state + cause + " since " + since + (detail.isEmpty() ? "" : ": " + detail) + "}";
    }
}
