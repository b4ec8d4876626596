package dev.jscontract.consumer;

/**
 * Receives a {@link ContractConsumer}'s {@link ConsumerEvent}s. Called synchronously on the consumer's threads
 * (handler, sweeper, timer and I/O threads), so it must be fast and thread-safe; hand slow work to an executor. A
 * listener that throws is caught: the error is logged, counted ({@link ContractConsumer#getListenerFailures()}) and
 * reported to the other listeners as {@link ConsumerEvent.ListenerFailed}; the consumer carries on.
 */
@FunctionalInterface
public interface ConsumerEventListener {
    /**
     * Handles one event.
     *
     * @param event the event (an immutable record)
     */
    void onEvent(ConsumerEvent event);
}
