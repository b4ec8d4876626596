package dev.jscontract.consumer;

/**
 * The metrics seam of a {@link ContractConsumer}: a listener that turns the consumer's {@link ConsumerEvent}s into
 * meters, and whose meters the consumer removes when it closes. The core consumer knows no metrics library; the
 * Micrometer adapter is {@code dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics} (add {@code
 * io.micrometer:micrometer-core} to use it), and any other library plugs in here.
 *
 * <pre>{@code
 * ContractConsumer.builder(nc, contract)
 *     .handler(handler)
 *     .metrics(MicrometerConsumerMetrics.create(registry, contract))
 *     .build();
 * }</pre>
 *
 * <p><b>Ownership</b>: a consumer built with {@link ContractConsumer.Builder#metrics(ConsumerMetrics)} calls {@link
 * #close()} once, when it closes (or after its drain); the registry behind it stays the caller's. Implementations are
 * called from the consumer's threads, concurrently, and must be thread-safe.
 */
public interface ConsumerMetrics extends ConsumerEventListener, AutoCloseable {
    /** Removes the meters this instance registered. Idempotent; never throws. */
    @Override
    void close();
}
