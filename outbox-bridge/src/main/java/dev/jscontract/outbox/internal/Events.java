package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Listeners;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxRelayListener;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the listeners; builds them only when someone listens. A listener that throws (anything but a
 * fatal JVM error, see {@link Listeners}, the same rule as the consumer's) is logged and counted, and the relay
 * carries on.
 */
public final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    private final List<OutboxRelayListener> listeners;
    private final Runnable onListenerFailure;

    /** Events for these listeners; {@code onListenerFailure} counts a throwing listener. */
    public Events(List<OutboxRelayListener> listeners, Runnable onListenerFailure) {
        this.listeners = List.copyOf(listeners);
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
            }
        }
    }
}
