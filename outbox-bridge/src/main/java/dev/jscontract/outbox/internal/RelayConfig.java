package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.DuplicateWindowCheck;
import dev.jscontract.outbox.OutboxRelayListener;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.RetryBackoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/** Everything an {@code OutboxRelay} was built with, validated. */
public record RelayConfig(
        Connection connection,
        DataSource dataSource,
        OutboxTables tables,
        String name,
        List<String> streams,
        int batchSize,
        int pipelineDepth,
        Duration publishTimeout,
        int maxAttempts,
        RetryBackoff retryBackoff,
        DuplicateWindowCheck duplicateWindowCheck,
        Duration retryHorizon,
        Duration rebalanceInterval,
        Duration idlePollInterval,
        Duration statsInterval,
        Duration longTransactionThreshold,
        Duration dbNetworkTimeout,
        Clock clock,
        MeterRegistry meterRegistry,
        List<OutboxRelayListener> listeners) {

    /**
     * The shortest retry horizon these settings allow: every attempt may wait {@code publishTimeout} for its PubAck,
     * the backoff may wait between attempts, and a standby needs up to two rebalance rounds to take over from a dead
     * owner and publish again.
     */
    public static Duration minimumHorizon(
            int maxAttempts, Duration publishTimeout, RetryBackoff backoff, Duration rebalanceInterval) {
        return publishTimeout
                .multipliedBy(maxAttempts)
                .plus(backoff.maxTotal(Math.max(0, maxAttempts - 1)))
                .plus(rebalanceInterval.multipliedBy(2));
    }
}
