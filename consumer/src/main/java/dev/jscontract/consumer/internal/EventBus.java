package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEventListener;
import dev.jscontract.contract.internal.Listeners;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the registered listeners, isolating each: a listener that throws (anything but a fatal JVM
 * error, see {@link Listeners}) is logged, counted and reported to the others as {@link ConsumerEvent.ListenerFailed}. Callers check {@link #enabled()} before they build
 * an event, so nothing is allocated when nobody listens.
 */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private final List<ConsumerEventListener> listeners;
    private final boolean enabled;
    private final Clock clock;
    private final String stream;
    private final String consumer;
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param listeners the listeners, in delivery order
     * @param clock the consumer's clock, for {@link #now()}
     */
    public EventBus(List<ConsumerEventListener> listeners, Clock clock, String stream, String consumer) {
        this.listeners = List.copyOf(listeners);
        this.enabled = !this.listeners.isEmpty();
        this.clock = clock;
        this.stream = stream;
        this.consumer = consumer;
    }

    /** Whether anyone listens. */
    public boolean enabled() {
        return enabled;
    }

    /** The clock's current instant. */
    public Instant now() {
        return clock.instant();
    }

    /** The stream events are about. */
    public String stream() {
        return stream;
    }

    /** The consumer events are about. */
    public String consumer() {
        return consumer;
    }

    /** How many times a listener threw. */
    public long failures() {
        return failures.get();
    }

    /** Delivers {@code event} to every listener. */
    public void publish(ConsumerEvent event) {
        for (ConsumerEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (Throwable e) {
                Listeners.rethrowIfFatal(e);
                failures.incrementAndGet();
                LOG.warn(
                        "event listener {} threw on {} for consumer {}/{}; the consumer carries on",
                        l,
                        event.getClass().getSimpleName(),
                        stream,
                        consumer,
                        e);
                if (!(event instanceof ConsumerEvent.ListenerFailed)) {
                    ConsumerEvent.ListenerFailed failed =
                            new ConsumerEvent.ListenerFailed(clock.instant(), stream, consumer, l.toString(), e);
                    for (ConsumerEventListener other : listeners) {
                        if (other != l) {
                            deliverQuietly(other, failed);
                        }
                    }
                }
            }
        }
    }

    private void deliverQuietly(ConsumerEventListener l, ConsumerEvent event) {
        try {
            l.onEvent(event);
        } catch (Throwable e) {
            Listeners.rethrowIfFatal(e);
            failures.incrementAndGet();
            LOG.warn("event listener {} threw on ListenerFailed for consumer {}/{}", l, stream, consumer, e);
        }
    }
}
