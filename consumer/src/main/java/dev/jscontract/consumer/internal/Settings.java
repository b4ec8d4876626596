package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEventListener;
import dev.jscontract.consumer.ConsumerGate;
import dev.jscontract.consumer.DeadLetterRateGuard;
import dev.jscontract.consumer.FailureClassifier;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@code ContractConsumer.Builder} collected, validated.
 *
 * @param scheduler the caller's scheduler (never shut down by us), or null to own one
 * @param rateGuard null when the guard is off
 */
public record Settings(
        Connection connection,
        ConsumerContract contract,
        MessageInvoker invoker,
        List<ConsumerEventListener> listeners,
        @Nullable ConsumerGate gate,
        Clock clock,
        @Nullable ScheduledExecutorService scheduler,
        FailureClassifier classifier,
        ContractProvisioner.Mode mode,
        boolean createDeadLetterStreams,
        @Nullable DeadLetterRateGuard rateGuard,
        boolean sweeper,
        Duration pullExpiry,
        String instance,
        Duration deadLetterPublishTimeout,
        Duration consumerInfoInterval,
        Duration pullErrorBudget) {
    /** Copies the list. */
    public Settings {
        listeners = List.copyOf(listeners);
    }
}
