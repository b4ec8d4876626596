package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What the linter cannot read from a configuration: facts about the code that runs a consumer (expected p99,
 * heartbeats, handler threads, pull batch, instances, a dead-letter sink) and the operator's failover SLO. Used by
 * the live form {@link ContractLinter#lint(io.nats.client.api.ConsumerConfiguration,
 * io.nats.client.api.StreamConfiguration, ServerVersion, LintOptions)}; for a contract, only {@link
 * #failoverSlo(Duration)} and the suppressions matter (the contract holds the rest).
 *
 * <pre>{@code
 * LintOptions o = LintOptions.builder().expectedP99(Duration.ofSeconds(3)).handlerThreads(4).batchSize(4)
 *     .deadLetterSink(true).build();
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; the builder is for one thread.
 */
public final class LintOptions {
    private static final LintOptions NONE = builder().build();

    private final @Nullable Duration expectedP99;
    private final @Nullable Duration heartbeatInterval;
    private final @Nullable Duration maxProcessingTime;
    private final @Nullable Integer handlerThreads;
    private final @Nullable Integer batchSize;
    private final @Nullable Integer instances;
    private final @Nullable Boolean deadLetterSink;
    private final @Nullable Backoff retryBackoff;
    private final @Nullable Duration failoverSlo;
    private final Map<String, String> suppressions;

    private LintOptions(Builder b) {
        this.expectedP99 = b.expectedP99;
        this.heartbeatInterval = b.heartbeatInterval;
        this.maxProcessingTime = b.maxProcessingTime;
        this.handlerThreads = b.handlerThreads;
        this.batchSize = b.batchSize;
        this.instances = b.instances;
        this.deadLetterSink = b.deadLetterSink;
        this.retryBackoff = b.retryBackoff;
        this.failoverSlo = b.failoverSlo;
        this.suppressions = Map.copyOf(b.suppressions);
    }

    /** No extra knowledge: rules that need it are reported as not checked. */
    public static LintOptions none() {
        return NONE;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The expected p99 handler time. */
    public Optional<Duration> getExpectedP99() {
        return Optional.ofNullable(expectedP99);
    }

    /** The in-progress heartbeat interval the runtime uses. */
    public Optional<Duration> getHeartbeatInterval() {
        return Optional.ofNullable(heartbeatInterval);
    }

    /** The cap on heartbeating one attempt. */
    public Optional<Duration> getMaxProcessingTime() {
        return Optional.ofNullable(maxProcessingTime);
    }

    /** Handler threads per instance. */
    public OptionalInt getHandlerThreads() {
        return handlerThreads == null ? OptionalInt.empty() : OptionalInt.of(handlerThreads);
    }

    /** The pull batch size. */
    public OptionalInt getBatchSize() {
        return batchSize == null ? OptionalInt.empty() : OptionalInt.of(batchSize);
    }

    /** Instances running the consumer. */
    public OptionalInt getInstances() {
        return instances == null ? OptionalInt.empty() : OptionalInt.of(instances);
    }

    /** Whether a dead-letter sink exists (handler-side copy-then-term, or a stream capturing the advisory). */
    public Optional<Boolean> getDeadLetterSink() {
        return Optional.ofNullable(deadLetterSink);
    }

    /** The retry backoff the runtime applies with {@code nakWithDelay}. */
    public Optional<Backoff> getRetryBackoff() {
        return Optional.ofNullable(retryBackoff);
    }

    /** The longest acceptable redelivery delay after a consumer crash (OPS-001). */
    public Optional<Duration> getFailoverSlo() {
        return Optional.ofNullable(failoverSlo);
    }

    /** Rules suppressed, with reasons. */
    public Map<String, String> getSuppressions() {
        return suppressions;
    }

    /** Builds {@link LintOptions}; every option may be set once. */
    public static final class Builder {
        private @Nullable Duration expectedP99;
        private @Nullable Duration heartbeatInterval;
        private @Nullable Duration maxProcessingTime;
        private @Nullable Integer handlerThreads;
        private @Nullable Integer batchSize;
        private @Nullable Integer instances;
        private @Nullable Boolean deadLetterSink;
        private @Nullable Backoff retryBackoff;
        private @Nullable Duration failoverSlo;
        private final Map<String, String> suppressions = new TreeMap<>();

        private Builder() {}

        /** The expected p99 handler time (positive). */
        public Builder expectedP99(Duration expectedP99) {
            Checks.once(this.expectedP99, "expectedP99");
            this.expectedP99 = Checks.positive(expectedP99, "expectedP99");
            return this;
        }

        /** The heartbeat interval the runtime uses (positive). */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            Checks.once(this.heartbeatInterval, "heartbeatInterval");
            this.heartbeatInterval = Checks.positive(heartbeatInterval, "heartbeatInterval");
            return this;
        }

        /** The cap on heartbeating one attempt (positive). */
        public Builder maxProcessingTime(Duration maxProcessingTime) {
            Checks.once(this.maxProcessingTime, "maxProcessingTime");
            this.maxProcessingTime = Checks.positive(maxProcessingTime, "maxProcessingTime");
            return this;
        }

        /** Handler threads per instance (positive). */
        public Builder handlerThreads(int handlerThreads) {
            Checks.once(this.handlerThreads, "handlerThreads");
            this.handlerThreads = Checks.positive(handlerThreads, "handlerThreads");
            return this;
        }

        /** The pull batch size (positive; jnats' default is 500). */
        public Builder batchSize(int batchSize) {
            Checks.once(this.batchSize, "batchSize");
            this.batchSize = Checks.positive(batchSize, "batchSize");
            return this;
        }

        /** Instances running the consumer (positive). */
        public Builder instances(int instances) {
            Checks.once(this.instances, "instances");
            this.instances = Checks.positive(instances, "instances");
            return this;
        }

        /** Whether a dead-letter sink exists. */
        public Builder deadLetterSink(boolean present) {
            Checks.once(this.deadLetterSink, "deadLetterSink");
            this.deadLetterSink = present;
            return this;
        }

        /** The retry backoff the runtime applies. */
        public Builder retryBackoff(Backoff backoff) {
            Checks.once(this.retryBackoff, "retryBackoff");
            this.retryBackoff = Checks.notNull(backoff, "retryBackoff");
            return this;
        }

        /** The failover SLO (positive). */
        public Builder failoverSlo(Duration slo) {
            Checks.once(this.failoverSlo, "failoverSlo");
            this.failoverSlo = Checks.positive(slo, "failoverSlo");
            return this;
        }

        /**
         * Suppresses a rule with a reason.
         *
         * @throws IllegalArgumentException for an unknown rule or a blank reason
         */
        public Builder suppress(String ruleId, String reason) {
            LintRule rule = LintRule.byId(Checks.notNull(ruleId, "ruleId"));
            if (Checks.notNull(reason, "reason").isBlank()) {
                throw new IllegalArgumentException("reason must say why " + rule.id() + " does not apply");
            }
            Checks.once(suppressions.get(rule.id()), "suppress(" + rule.id() + ")");
            suppressions.put(rule.id(), reason);
            return this;
        }

        /** Builds the options. */
        public LintOptions build() {
            return new LintOptions(this);
        }
    }
}
