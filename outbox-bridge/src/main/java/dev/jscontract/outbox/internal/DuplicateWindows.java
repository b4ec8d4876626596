package dev.jscontract.outbox.internal;

import java.time.Duration;
import java.util.Optional;

/** The duplicate-window rule PUB-002: a relay's retry horizon must stay below each target stream's window. */
public final class DuplicateWindows {
    /** The window nats-server applies when a stream does not set one (B-22). */
    public static final Duration SERVER_DEFAULT = Duration.ofMinutes(2);

    private DuplicateWindows() {}

    /**
     * The problem, if any, with publishing into a stream whose duplicate window is {@code window} from a relay whose
     * retry horizon is {@code horizon}.
     *
     * @param window the stream's {@code duplicate_window}; {@code null} or zero means the server default (2 min)
     */
    public static Optional<String> check(String stream, Duration window, Duration horizon) {
        Duration w = window == null || window.isZero() ? SERVER_DEFAULT : window;
        if (horizon.compareTo(w) < 0) {
            return Optional.empty();
        }
        return Optional.of("stream " + stream + " has a duplicate window of " + Checks.human(w) + " (" + w
                + ") but the outbox relay may re-publish a row up to " + Checks.human(horizon) + " (" + horizon
                + ") after its first publish (its retry horizon), so a re-published row would be stored twice"
                + " (PUB-002). Fix: raise the stream's duplicate_window above " + horizon
                + " (it must stay at most max_age), or shorten the relay's horizon (maxAttempts, retryBackoff,"
                + " publishTimeout, rebalanceInterval, retryHorizon), or accept the risk with"
                + " duplicateWindowCheck(DuplicateWindowCheck.WARN)");
    }

    /** The effective window of a stream configuration value. */
    public static Duration effective(Duration window) {
        return window == null || window.isZero() ? SERVER_DEFAULT : window;
    }
}
