package dev.jscontract.outbox;

/**
 * Receives {@link OutboxRelayEvent}s. Called on the relay's own threads, so it must be quick and must not block: hand
 * slow work to your own executor. An exception thrown here is caught, logged, counted ({@code
 * jscontract.outbox.listener.failures}, or {@code jscontract.outbox.wal.listener.failures} in WAL mode, the name the
 * consumer uses too) and reported to the other listeners as {@link OutboxRelayEvent.ListenerFailed}; it never stops
 * the relay.
 *
 * <p>Called from several of the relay's threads, possibly at once: implementations must be thread-safe.
 */
@FunctionalInterface
public interface OutboxRelayListener {

    /**
     * Handles one event.
     *
     * @param event never {@code null}
     */
    void onEvent(OutboxRelayEvent event);
}
