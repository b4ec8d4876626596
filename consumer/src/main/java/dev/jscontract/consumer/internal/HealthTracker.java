package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerHealth;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.internal.ProblemSet;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the parts of the runtime see into one {@link ConsumerHealth}: the lifecycle (set by the runtime), the
 * pauses (set by the pull engine) and the problems (set by the pull engine and the handler threads). When the
 * resulting state or its cause changes, it logs once at the level an operator needs (WARN for RECOVERING and HALTED,
 * INFO otherwise) and publishes a {@link ConsumerEvent.StateChanged}.
 *
 * <p>Which one shows when several apply: HALTED problems, then RECOVERING problems, then pauses, in the order of the
 * {@link Problem} and {@link PauseCause} constants. Thread-safe; events are published outside the lock.
 */
public final class HealthTracker {
    private static final Logger LOG = LoggerFactory.getLogger(HealthTracker.class);

    private final EventBus events;
    private ConsumerState lifecycle = ConsumerState.NEW;
    private final Map<PauseCause, Instant> pauses = new EnumMap<>(PauseCause.class);
    private final ProblemSet<Problem> problems = new ProblemSet<>(Problem.class);
    private ConsumerHealth current;

    /** A tracker that reports through {@code events} (and reads the time from its clock). */
    public HealthTracker(EventBus events) {
        this.events = events;
        this.current = new ConsumerHealth(ConsumerState.NEW, null, null, "", events.now());
    }

    /** The health now. */
    public synchronized ConsumerHealth health() {
        return current;
    }

    /** The state now. */
    public synchronized ConsumerState state() {
        return current.getState();
    }

    /** The lifecycle the runtime is in (NEW, RUNNING, DRAINING, CLOSED or FAILED). */
    public synchronized ConsumerState lifecycle() {
        return lifecycle;
    }

    /** Sets the lifecycle: NEW, RUNNING, DRAINING, CLOSED or FAILED. */
    public void lifecycle(ConsumerState state) {
        change(() -> lifecycle = state);
    }

    /** Records a pause (no-op when already paused for that cause). */
    public void paused(PauseCause cause) {
        change(() -> pauses.putIfAbsent(cause, events.now()));
    }

    /** Ends a pause. */
    public void resumed(PauseCause cause) {
        change(() -> pauses.remove(cause));
    }

    /**
     * Records (or updates) a problem.
     *
     * @param halted whether it needs help from outside (HALTED) or goes away on its own (RECOVERING)
     * @param detail what is wrong and what to do, in a sentence
     */
    public void problem(Problem problem, boolean halted, String detail) {
        change(() -> problems.put(problem, halted, detail, events.now()));
    }

    /** Ends a problem (no-op when it is not recorded). */
    public void solved(Problem problem) {
        change(() -> problems.remove(problem));
    }

    /** Whether a problem is recorded. */
    public synchronized boolean has(Problem problem) {
        return problems.has(problem);
    }

    /** When a recorded problem started, or null. */
    public synchronized @Nullable Instant since(Problem problem) {
        return problems.since(problem);
    }

    private void change(Runnable mutation) {
        ConsumerHealth before;
        ConsumerHealth after;
        synchronized (this) {
            before = current;
            mutation.run();
            after = compute(before);
            current = after;
        }
        if (after == before) {
            return;
        }
        announce(before, after);
    }

    /** The new health, or {@code before} itself when neither the state nor its cause nor its detail changed. */
    private ConsumerHealth compute(ConsumerHealth before) {
        ConsumerState state = lifecycle;
        PauseCause pause = null;
        Problem problem = null;
        String detail = "";
        Instant since = null;
        if (lifecycle == ConsumerState.RUNNING) {
            ProblemSet.Entry<Problem> shown = problems.shown();
            if (shown != null) {
                state = shown.halted() ? ConsumerState.HALTED : ConsumerState.RECOVERING;
                problem = shown.problem();
                detail = shown.detail();
                since = shown.since();
            } else if (!pauses.isEmpty()) {
                Map.Entry<PauseCause, Instant> p = pauses.entrySet().iterator().next();
                state = ConsumerState.PAUSED;
                pause = p.getKey();
                since = p.getValue();
                detail = pauseDetail(pause);
            }
        }
        if (state == before.getState()
                && pause == before.getPauseCause().orElse(null)
                && problem == before.getProblem().orElse(null)
                && detail.equals(before.getDetail())) {
            return before;
        }
        boolean sameCause = state == before.getState()
                && pause == before.getPauseCause().orElse(null)
                && problem == before.getProblem().orElse(null);
        Instant at = since != null ? since : sameCause ? before.getSince() : events.now();
        return new ConsumerHealth(state, pause, problem, detail, at);
    }

    private static String pauseDetail(PauseCause cause) {
        return switch (cause) {
            case GATE ->
                "the gate (circuit breaker) says the downstream is failing: no new messages are pulled, and messages"
                        + " already received are held and heartbeated until it lets calls through";
            case DEAD_LETTER_RATE ->
                "too many recent deliveries were dead-lettered (the dead-letter rate guard): pulling pauses for the"
                        + " guard's pause; check the last deploy and the dead-letter stream";
            case DRAIN -> "draining";
        };
    }

    private void announce(ConsumerHealth before, ConsumerHealth after) {
        String stream = events.stream();
        String consumer = events.consumer();
        String cause = after.getPauseCause()
                .map(PauseCause::tagValue)
                .orElse(after.getProblem().map(Problem::tagValue).orElse(""));
        boolean stateChanged = before.getState() != after.getState();
        if (after.getState() == ConsumerState.HALTED || after.getState() == ConsumerState.RECOVERING) {
            LOG.warn("consumer {}/{} is {} ({}): {}", stream, consumer, after.getState(), cause, after.getDetail());
        } else if (stateChanged && after.getState() == ConsumerState.PAUSED) {
            LOG.info("consumer {}/{} is PAUSED ({}): {}", stream, consumer, cause, after.getDetail());
        } else if (stateChanged
                && after.getState() == ConsumerState.RUNNING
                && before.getState() != ConsumerState.NEW) {
            LOG.info(
                    "consumer {}/{} is RUNNING again (was {} since {})",
                    stream,
                    consumer,
                    before.getState(),
                    before.getSince());
        }
        if (events.enabled()) {
            events.publish(new ConsumerEvent.StateChanged(
                    events.now(), stream, consumer, before.getState(), after.getState(), cause, after.getDetail()));
        }
    }
}
