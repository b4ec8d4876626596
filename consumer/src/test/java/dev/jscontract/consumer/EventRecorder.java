package dev.jscontract.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A listener that keeps every event, for tests to assert on and wait for. Thread-safe. */
final class EventRecorder implements ConsumerEventListener {
    private final List<ConsumerEvent> events = new ArrayList<>();

    @Override
    public synchronized void onEvent(ConsumerEvent event) {
        events.add(event);
    }

    /** All events of a type, in order. */
    synchronized <T extends ConsumerEvent> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConsumerEvent e : events) {
            if (type.isInstance(e)) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    /** How many events of a type. */
    int count(Class<? extends ConsumerEvent> type) {
        return all(type).size();
    }

    /** Waits until an event of the type matching {@code p} was seen, and returns the first such. */
    <T extends ConsumerEvent> T await(Class<T> type, Predicate<T> p, Duration timeout) throws InterruptedException {
        return Fixtures.awaitValue(
                type.getSimpleName() + " event",
                timeout,
                () -> all(type).stream().filter(p).findFirst().orElse(null));
    }

    /** Waits until an event of the type was seen. */
    <T extends ConsumerEvent> T await(Class<T> type, Duration timeout) throws InterruptedException {
        return await(type, e -> true, timeout);
    }

    /** Waits until {@code n} events of the type were seen. */
    <T extends ConsumerEvent> List<T> awaitCount(Class<T> type, int n, Duration timeout) throws InterruptedException {
        Fixtures.await(
                n + " " + type.getSimpleName() + " events (have " + count(type) + ")", timeout, () -> count(type) >= n);
        return all(type);
    }

    @Override
    public synchronized String toString() {
        return "EventRecorder" + events;
    }
}
