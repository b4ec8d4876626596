package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.DuplicateWindowCheck;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.RelayHealth;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PUB-002, checked once per stream: a relay's retry horizon must stay below the duplicate window of every stream it
 * publishes into, or a re-published row is stored twice. The configured streams are checked at start ({@link
 * #checkConfigured()}, which refuses to start); a stream that first shows up in a PubAck is checked then ({@link
 * #checkSeen(String)}, which halts the relay under {@link DuplicateWindowCheck#REFUSE}). Either way the risk is an
 * event and a log line.
 */
final class DuplicateWindowGuard {
    private static final Logger LOG = LoggerFactory.getLogger(DuplicateWindowGuard.class);
    private static final int STREAM_NOT_FOUND = 10059;
    /** The window nats-server applies when a stream does not set one (B-22). */
    static final Duration SERVER_DEFAULT = Duration.ofMinutes(2);

    /** The relay's mode, for the words of the problem: what is re-published, and which settings make the horizon. */
    enum Mode {
        /** The table relay: rows; its standby takes over within two rebalance rounds. */
        TABLE("a row", "row", "maxAttempts, retryBackoff, publishTimeout, rebalanceInterval, retryHorizon"),
        /** The WAL relay: events; its standby takes over within a takeover interval, plus one status interval. */
        WAL(
                "an event",
                "event",
                "maxAttempts, retryBackoff, publishTimeout, retryHorizon, or WalSettings' takeoverInterval and"
                        + " statusInterval");

        final String one;
        final String item;
        final String settings;

        Mode(String one, String item, String settings) {
            this.one = one;
            this.item = item;
            this.settings = settings;
        }
    }

    private final RelayConfig config;
    private final JetStreamManagement jsm;
    private final Events events;
    private final Mode mode;
    private final Set<String> checked = new HashSet<>();

    DuplicateWindowGuard(RelayConfig config, JetStreamManagement jsm, Events events, Mode mode) {
        this.config = config;
        this.jsm = jsm;
        this.events = events;
        this.mode = mode;
    }

    /**
     * Checks the streams given to {@code streams(...)}.
     *
     * @throws IllegalStateException when one does not exist, or its window is refused
     * @throws IOException when the server does not answer
     */
    void checkConfigured() throws IOException {
        for (String stream : config.streams()) {
            Duration window;
            try {
                window = windowOf(stream);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                    throw new IllegalStateException("stream " + stream + " given to streams(...) does not exist on"
                            + " the NATS server; create it before starting the relay, or remove it from streams(...)");
                }
                throw new IOException("cannot read stream " + stream + ": " + e.getMessage(), e);
            }
            Optional<String> problem = problem(stream, window, config.retryHorizon(), mode);
            if (problem.isPresent()) {
                report(stream, window);
                if (config.duplicateWindowCheck() == DuplicateWindowCheck.REFUSE) {
                    throw new IllegalStateException(problem.get());
                }
                LOG.warn("outbox relay {}: {}", config.name(), problem.get());
            }
            checked.add(stream);
        }
    }

    /** Whether {@code stream} still needs a check (cheap: call it for every PubAck's stream). */
    boolean needsCheck(String stream) {
        return !checked.contains(stream);
    }

    /**
     * Checks a stream seen in a PubAck.
     *
     * @param halt told the reason when the window is refused (the relay halts)
     */
    void checkSeen(String stream, RelayHealthTracker halt) {
        checked.add(stream);
        Duration window;
        try {
            window = windowOf(stream);
        } catch (IOException | JetStreamApiException e) {
            checked.remove(stream);
            LOG.warn(
                    "outbox relay {} could not read the duplicate window of stream {} ({}); will check again",
                    config.name(),
                    stream,
                    e.getMessage());
            return;
        }
        problem(stream, window, config.retryHorizon(), mode).ifPresent(problem -> {
            report(stream, window);
            if (config.duplicateWindowCheck() == DuplicateWindowCheck.REFUSE) {
                halt.fatal(RelayHealth.Cause.DUPLICATE_WINDOW_REFUSED, problem);
            } else {
                LOG.warn("outbox relay {}: {}", config.name(), problem);
            }
        });
    }

    private Duration windowOf(String stream) throws IOException, JetStreamApiException {
        return effective(jsm.getStreamInfo(stream).getConfiguration().getDuplicateWindow());
    }

    private void report(String stream, Duration window) {
        events.emit(() -> new OutboxRelayEvent.DuplicateWindowRisk(
                config.clock().instant(),
                config.name(),
                stream,
                window,
                config.retryHorizon(),
                config.duplicateWindowCheck()));
    }

    /**
     * The problem, if any, with publishing into a stream whose duplicate window is {@code window} from a table relay
     * whose retry horizon is {@code horizon}.
     *
     * @param window the stream's {@code duplicate_window}; {@code null} or zero means the server default (2 min)
     */
    static Optional<String> problem(String stream, Duration window, Duration horizon) {
        return problem(stream, window, horizon, Mode.TABLE);
    }

    /** As {@link #problem(String, Duration, Duration)}, in the words of the relay's {@code mode}. */
    static Optional<String> problem(String stream, Duration window, Duration horizon, Mode mode) {
        Duration w = effective(window);
        if (horizon.compareTo(w) < 0) {
            return Optional.empty();
        }
        return Optional.of("stream " + stream + " has a duplicate window of " + Durations.human(w) + " (" + w
                + ") but the outbox relay may re-publish " + mode.one + " up to "
                + Durations.human(horizon) + " (" + horizon + ") after its first publish (its retry horizon), so a"
                + " re-published " + mode.item + " would be stored twice (PUB-002). Fix: raise the stream's"
                + " duplicate_window above " + horizon + " (it must stay at most max_age), or shorten the relay's"
                + " horizon (" + mode.settings + "), or accept the risk with"
                + " duplicateWindowCheck(DuplicateWindowCheck.WARN)");
    }

    /** The effective window of a stream configuration value (the server default for none). */
    static Duration effective(Duration window) {
        return window == null || window.isZero() ? SERVER_DEFAULT : window;
    }
}
