package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Listeners;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxRelayListener;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the listeners; builds them only when someone listens. A listener that throws (anything but a
 * fatal JVM error, see {@link Listeners}, the same rule as the consumer's) is logged, counted and reported to the
 * other listeners as {@link OutboxRelayEvent.ListenerFailed}, and the relay carries on.
 */
public final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    private final List<OutboxRelayListener> listeners;
    private final Clock clock;
    private final String relay;
    private final Runnable onListenerFailure;

    /**
     * Events of the relay named {@code relay} for these listeners; {@code onListenerFailure} counts a throwing
     * listener, {@code clock} dates the {@link OutboxRelayEvent.ListenerFailed} that reports it.
     */
    public Events(List<OutboxRelayListener> listeners, Clock clock, String relay, Runnable onListenerFailure) {
        this.listeners = List.copyOf(listeners);
        this.clock = clock;
        this.relay = relay;
        this.onListenerFailure = onListenerFailure;
    }

    /** Whether anyone listens (so callers can skip collecting data for an event). */
    public boolean active() {
        return !listeners.isEmpty();
    }

    /** Builds the event (only if someone listens) and delivers it. */
    public void emit(Supplier<? extends OutboxRelayEvent> event) {
        if (listeners.isEmpty()) {
            return;
        }
        OutboxRelayEvent e = event.get();
        for (OutboxRelayListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (Throwable ex) {
                Listeners.rethrowIfFatal(ex);
                onListenerFailure.run();
                LOG.warn("outbox relay listener {} threw on {}; the relay carries on", l, e, ex);
                if (!(e instanceof OutboxRelayEvent.ListenerFailed)) {
                    OutboxRelayEvent.ListenerFailed failed =
                            new OutboxRelayEvent.ListenerFailed(clock.instant(), relay, l.toString(), ex);
                    for (OutboxRelayListener other : listeners) {
                        if (other != l) {
                            deliverQuietly(other, failed);
                        }
                    }
                }
            }
        }
    }

    private void deliverQuietly(OutboxRelayListener l, OutboxRelayEvent.ListenerFailed failed) {
        try {
            l.onEvent(failed);
        } catch (Throwable ex) {
            Listeners.rethrowIfFatal(ex);
            onListenerFailure.run();
            LOG.warn("outbox relay listener {} threw on ListenerFailed for relay {}", l, relay, ex);
        }
    }
}
