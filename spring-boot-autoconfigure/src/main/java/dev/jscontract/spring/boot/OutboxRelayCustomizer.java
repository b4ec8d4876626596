package dev.jscontract.spring.boot;

import dev.jscontract.outbox.OutboxRelay;

/**
 * Adjusts the {@link OutboxRelay} the starter builds when {@code jscontract.outbox.relay.enabled=true}: its tuning
 * (publish timeout, attempts, retry backoff and horizon, intervals) and its listeners. Declare it as a bean; all
 * customizer beans are applied, in {@code @Order}, to the builder just before {@code build()}.
 *
 * <pre>{@code
 * @Bean
 * OutboxRelayCustomizer relayTuning(AuditTrail audit) {
 *     return builder -> builder.publishTimeout(Duration.ofSeconds(2))
 *             .retryHorizon(Duration.ofMinutes(10))
 *             .listener(audit::relayEvent);
 * }
 * }</pre>
 *
 * <p>The starter has already set the connection, the data source, the tables ({@code jscontract.outbox.table},
 * {@code .schema}), {@code name} and {@code streams} when their properties are set, {@code wal} when {@code
 * jscontract.outbox.mode=wal}, and the meter registry when the application has one; setting one of those again fails
 * the start, as the builder allows each option once. In WAL mode the table mode's options ({@code batchSize}, {@code
 * pipelineDepth}, {@code rebalanceInterval}, {@code idlePollInterval}, {@code longTransactionThreshold}) fail the start
 * too. A failure names the customizer.
 */
@FunctionalInterface
public interface OutboxRelayCustomizer {
    /**
     * Sets optional relay settings.
     *
     * @param builder the builder, with connection, data source, tables and the settings from properties already set
     */
    void customize(OutboxRelay.Builder builder);
}
