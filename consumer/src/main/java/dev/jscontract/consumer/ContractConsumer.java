package dev.jscontract.consumer;

import dev.jscontract.consumer.internal.ConsumerRuntime;
import dev.jscontract.consumer.internal.Instances;
import dev.jscontract.consumer.internal.MessageInvoker;
import dev.jscontract.consumer.internal.Settings;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.ProvisionResult;
import dev.jscontract.contract.internal.Checks;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Runs a durable JetStream pull consumer under a {@link ConsumerContract}: the runtime half of the contract.
 *
 * <pre>{@code
 * ConsumerContract contract = ConsumerContract.builder()
 *     .stream("ORDERS").durable("billing")
 *     .ackWait(Duration.ofSeconds(30)).maxDeliver(5)
 *     .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)))
 *     .deadLetter(DeadLetterPolicy.toDefaultSubject())
 *     .concurrency(4).maxAckPending(64).maxProcessingTime(Duration.ofMinutes(2))
 *     .build();
 *
 * try (ContractConsumer consumer = ContractConsumer.builder(connection, contract)
 *         .handler(Order.class, (order, msg) -> billing.charge(order))   // JSON via Jackson
 *         .metrics(MicrometerConsumerMetrics.create(registry, contract))   // optional: Micrometer
 *         .build()) {
 *     consumer.start();                      // provisions, refuses to start on drift, pulls
 *     ...
 *     consumer.drain(Duration.ofSeconds(30)); // stop pulling, settle what is in flight
 * }
 * }</pre>
 *
 * <p>What it does, per the contract (design §4; the rows are in {@code docs/jetstream-semantics.md}):
 *
 * <ul>
 *   <li><b>Provisions</b> the consumer (create/update, or verify only), its dead-letter stream and advisory capture
 *       stream, reads the configuration back and refuses to start on drift ({@link
 *       dev.jscontract.contract.ContractDriftException}).
 *   <li><b>Pulls</b> only as many messages as there are free handler threads (batch size = the contract's effective
 *       batch size), so nothing waits in a client buffer while its ack deadline runs (B-16), and keeps a pull waiting
 *       whenever it has room, which the MAX_DELIVERIES advisory needs (B-12). With concurrency 1 messages are
 *       handled one at a time in arrival order.
 *   <li><b>Heartbeats</b> ({@code inProgress()}) every heartbeat interval while a handler runs (default: a third of
 *       the ack deadline read back from the server), stopped at settle, capped by the contract's maximum processing
 *       time; then the attempt fails ({@link ProcessingTimeoutException}) and the handler thread is interrupted.
 *   <li><b>Retries</b> retryable failures with {@code nakWithDelay(backoff.delayFor(deliveryCount))}, never a plain
 *       NAK (NAK-001, B-08).
 *   <li><b>Dead-letters</b> permanent failures, poison payloads and the last allowed delivery: envelope v1 published
 *       synchronously with id {@code dlq-<stream>-<seq>}, then {@code term()} (DLQ-001). If the publish fails, the
 *       message is NAKed with delay and kept.
 *   <li><b>Sweeps</b>: messages whose every delivery timed out are dead-lettered from the captured MAX_DELIVERIES
 *       advisory with reason {@code max-deliveries} (same id, so stored once), and removed from WorkQueue streams.
 *   <li><b>Protects</b>: a {@link ConsumerGate} (circuit breaker) stops pulling while a downstream fails; a {@link
 *       DeadLetterRateGuard} pauses the consumer when too many recent messages are dead-lettered.
 *   <li><b>Reports</b> typed {@link ConsumerEvent}s and, through a {@link ConsumerMetrics} (e.g. {@code
 *       MicrometerConsumerMetrics}), meters. Pull errors (409 Consumer Deleted, 503, limits) and missed server heartbeats are
 *       events and log lines (CON-001): the runtime owns its pull subscription and sees every status, so it needs no
 *       hook in the connection's {@code ErrorListener}.
 * </ul>
 *
 * <p><b>Ownership</b>: the connection, a caller's scheduler, the listeners and the registry behind a {@link
 * ConsumerMetrics} belong to the caller and are never closed here; the {@link ConsumerMetrics} given to the builder is
 * closed with the consumer (its meters leave the registry). The handler threads, the sweeper thread, the timer and the
 * I/O thread created here are stopped by {@link #close()}.
 *
 * <p><b>Faults</b>: survives server restarts, reconnects and silent network cuts (a reconnect writes off the open
 * pulls and pulls again on a fresh inbox; a stalled path is found by a PING and pulling stops until it answers); its
 * state is {@link #getHealth()}. <b>Thread safety</b>: thread-safe; {@code start()} once, {@code drain} and {@code
 * close()} from any thread, {@code close()} idempotent. The builder is for one thread.
 */
public final class ContractConsumer implements AutoCloseable {
    /** Default time a pull request waits at the server. */
    public static final Duration DEFAULT_PULL_EXPIRY = Duration.ofSeconds(5);
    /** Default time to wait for the PubAck of a dead letter. */
    public static final Duration DEFAULT_DEAD_LETTER_PUBLISH_TIMEOUT = Duration.ofSeconds(5);
    /** Default interval between consumer-info samples (for the pending gauges), when someone listens. */
    public static final Duration DEFAULT_CONSUMER_INFO_INTERVAL = Duration.ofSeconds(10);
    /** Default time pull errors (503, unexpected statuses) may last before the consumer is HALTED. */
    public static final Duration DEFAULT_PULL_ERROR_BUDGET = Duration.ofMinutes(1);

    private final ConsumerContract contract;
    private final ConsumerRuntime runtime;
    private final @Nullable ConsumerMetrics ownedMetrics;

    private ContractConsumer(ConsumerContract contract, Settings settings, @Nullable ConsumerMetrics metrics) {
        this.contract = contract;
        this.runtime = new ConsumerRuntime(settings);
        this.ownedMetrics = metrics;
    }

    /**
     * Starts a builder for a consumer of {@code contract} on {@code connection} (not owned: close it yourself).
     *
     * @throws NullPointerException when either is null
     */
    public static HandlerStage builder(Connection connection, ConsumerContract contract) {
        return new Builder(
                Objects.requireNonNull(connection, "connection"), Objects.requireNonNull(contract, "contract"));
    }

    /**
     * Lints the contract against its live stream and the server's version, provisions the consumer (and its
     * dead-letter and advisory streams and the sweeper's consumer), verifies it against the contract, and starts
     * pulling. Lint warnings are logged and kept in {@link #getProvisionResult()}.
     *
     * @throws dev.jscontract.contract.ContractLintException when the contract has lint errors: nothing is written,
     *     and the message lists the findings and how to suppress a rule on purpose
     * @throws dev.jscontract.contract.ContractDriftException when the server's consumer does not match the contract
     *     after provisioning (the consumer is not started)
     * @throws dev.jscontract.contract.ContractProvisioningException when the server refuses, the stream is missing,
     *     or (VERIFY_ONLY) the consumer or sweeper consumer does not exist
     * @throws dev.jscontract.contract.UnsupportedServerFeatureException when the contract needs a newer server
     * @throws IllegalStateException when called twice, or the declared heartbeat interval is not shorter than the
     *     read-back ack deadline
     */
    public void start() {
        runtime.start();
    }

    /**
     * Stops pulling, lets handlers finish and settles everything received, waits for the pulls the server still holds
     * to end (messages they bring are processed too), flushes the connection so the settles have reached the server,
     * then closes. Waits at most {@code timeout}; whatever is still unsettled then is interrupted and redelivered by
     * the server after its ack deadline. An idle consumer's waiting pull ends at its expiry, so draining an idle
     * consumer takes up to {@link Builder#pullExpiry(Duration)} (default 5 s).
     *
     * @return true when every received message was settled
     * @throws IllegalArgumentException when the timeout is negative
     */
    public boolean drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative but was " + timeout);
        }
        try {
            return runtime.drain(timeout);
        } finally {
            closeMetrics();
        }
    }

    /**
     * Stops at once: no more pulls, running handlers are interrupted, and messages not yet settled are redelivered by
     * the server after their ack deadline. Idempotent. Use {@link #drain(Duration)} for a graceful stop.
     */
    @Override
    public void close() {
        try {
            runtime.close();
        } finally {
            closeMetrics();
        }
    }

    private void closeMetrics() {
        if (ownedMetrics != null) {
            ownedMetrics.close();
        }
    }

    /** The contract. */
    public ConsumerContract getContract() {
        return contract;
    }

    /** The lifecycle state. */
    public ConsumerState getState() {
        return runtime.state();
    }

    /**
     * The health: state, the pause cause or problem, a sentence on what is going on, and since when. The same changes
     * are reported as {@link ConsumerEvent.StateChanged} events and, with a meter registry, as the {@code
     * jscontract.consumer.state} gauge.
     */
    public ConsumerHealth getHealth() {
        return runtime.health();
    }

    /** What provisioning did, once started. */
    public Optional<ProvisionResult> getProvisionResult() {
        return Optional.ofNullable(runtime.provisionResult());
    }

    /**
     * The heartbeat interval in use, once started: the contract's, or a third of the shortest ack deadline read
     * back from the server; empty before start and when heartbeats are off.
     */
    public Optional<Duration> getHeartbeatInterval() {
        return Optional.ofNullable(runtime.heartbeatInterval());
    }

    /** How many times an event listener threw (each was logged and reported to the other listeners). */
    public long getListenerFailures() {
        return runtime.listenerFailures();
    }

    /** Messages received and not yet settled (in a handler, held by the gate, or waiting for a handler thread). */
    public int getInFlight() {
        return runtime.inFlight();
    }

    @Override
    public String toString() {
        return "ContractConsumer{" + contract.getStream() + "/" + contract.getDurable() + ", " + runtime.state() + "}";
    }

    /** First stage: the handler. */
    public interface HandlerStage {
        /**
         * A handler of raw messages.
         *
         * @throws NullPointerException when null
         */
        Builder handler(ContractHandler handler);

        /**
         * A handler of JSON payloads decoded with {@link JacksonCodec#of(Class)}.
         *
         * @throws NullPointerException when either is null
         */
        <T> Builder handler(Class<T> payloadType, PayloadHandler<T> handler);

        /**
         * A handler of payloads decoded by {@code codec}; a decode failure dead-letters the message as poison.
         *
         * @throws NullPointerException when either is null
         */
        <T> Builder handler(Codec<T> codec, PayloadHandler<T> handler);
    }

    /**
     * Optional settings and {@link #build()}. Every option may be set once; a second call throws {@link
     * IllegalStateException}.
     */
    public static final class Builder implements HandlerStage {
        private final Connection connection;
        private final ConsumerContract contract;
        private final Set<String> set = new HashSet<>();
        private @Nullable MessageInvoker invoker;
        private @Nullable ConsumerMetrics metrics;
        private @Nullable ConsumerGate gate;
        private Clock clock = Clock.systemUTC();
        private @Nullable ScheduledExecutorService scheduler;
        private final List<ConsumerEventListener> listeners = new ArrayList<>();
        private FailureClassifier classifier = FailureClassifier.defaults();
        private ContractProvisioner.Mode mode = ContractProvisioner.Mode.CREATE_OR_UPDATE;
        private boolean createDeadLetterStreams = true;
        private @Nullable DeadLetterRateGuard rateGuard = DeadLetterRateGuard.defaults();
        private boolean sweeper = true;
        private Duration pullExpiry = DEFAULT_PULL_EXPIRY;
        private @Nullable String instance;
        private Duration deadLetterPublishTimeout = DEFAULT_DEAD_LETTER_PUBLISH_TIMEOUT;
        private Duration consumerInfoInterval = DEFAULT_CONSUMER_INFO_INTERVAL;
        private Duration pullErrorBudget = DEFAULT_PULL_ERROR_BUDGET;

        private Builder(Connection connection, ConsumerContract contract) {
            this.connection = connection;
            this.contract = contract;
        }

        private void once(String option) {
            Checks.once(!set.add(option), option, null);
        }

        @Override
        public Builder handler(ContractHandler handler) {
            Objects.requireNonNull(handler, "handler");
            once("handler");
            this.invoker = MessageInvoker.raw(handler);
            return this;
        }

        @Override
        public <T> Builder handler(Class<T> payloadType, PayloadHandler<T> handler) {
            Objects.requireNonNull(payloadType, "payloadType");
            return handler(JacksonCodec.of(payloadType), handler);
        }

        @Override
        public <T> Builder handler(Codec<T> codec, PayloadHandler<T> handler) {
            Objects.requireNonNull(codec, "codec");
            Objects.requireNonNull(handler, "handler");
            once("handler");
            this.invoker = MessageInvoker.typed(codec, handler);
            return this;
        }

        /**
         * Where the consumer's meters go (see {@link ConsumerMetrics}): e.g. {@code
         * MicrometerConsumerMetrics.create(registry, contract)}. The consumer feeds it every event and closes it
         * when it closes, which removes its meters.
         */
        public Builder metrics(ConsumerMetrics metrics) {
            Objects.requireNonNull(metrics, "metrics");
            once("metrics");
            this.metrics = metrics;
            return this;
        }

        /**
         * Protects the downstream (see {@link ConsumerGate}): while the gate is closed the consumer stops pulling and
         * holds (heartbeats) received messages instead of spending deliveries. For a Resilience4j circuit breaker:
         * {@code gate(CircuitBreakerGate.of(breaker))} (add {@code io.github.resilience4j:resilience4j-circuitbreaker}).
         *
         * @throws IllegalStateException when a gate was already set
         */
        public Builder gate(ConsumerGate gate) {
            Objects.requireNonNull(gate, "gate");
            once("gate");
            this.gate = gate;
            return this;
        }

        /** The clock for event times, heartbeat deadlines and durations (default {@link Clock#systemUTC()}). */
        public Builder clock(Clock clock) {
            Objects.requireNonNull(clock, "clock");
            once("clock");
            this.clock = clock;
            return this;
        }

        /**
         * The scheduler that drives heartbeats, the processing-time cap and housekeeping (default: one daemon thread
         * owned by the consumer). A caller's scheduler is never shut down by the consumer; its tasks are cancelled on
         * close. It should not be saturated by other work, or heartbeats are late.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            Objects.requireNonNull(scheduler, "scheduler");
            once("scheduler");
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Event listeners, called in order on the consumer's threads (see {@link ConsumerEventListener}).
         *
         * @throws IllegalArgumentException when none is given
         */
        public Builder listeners(ConsumerEventListener... listeners) {
            Objects.requireNonNull(listeners, "listeners");
            if (listeners.length == 0) {
                throw new IllegalArgumentException("listeners needs at least one listener but got none");
            }
            for (int i = 0; i < listeners.length; i++) {
                Objects.requireNonNull(listeners[i], "listeners[" + i + "]");
            }
            once("listeners");
            this.listeners.addAll(List.of(listeners));
            return this;
        }

        /** How failures are classified (default {@link FailureClassifier#defaults()}). */
        public Builder failureClassifier(FailureClassifier classifier) {
            Objects.requireNonNull(classifier, "classifier");
            once("failureClassifier");
            this.classifier = classifier;
            return this;
        }

        /**
         * {@code CREATE_OR_UPDATE} (default: create or update the consumer to the contract) or {@code VERIFY_ONLY}
         * (never write: the consumer and the sweeper's consumer must exist and match).
         */
        public Builder provisioningMode(ContractProvisioner.Mode mode) {
            Objects.requireNonNull(mode, "mode");
            once("provisioningMode");
            this.mode = mode;
            return this;
        }

        /**
         * Whether start creates the dead-letter stream and the advisory capture stream when missing (default true).
         * In VERIFY_ONLY mode nothing is created: missing streams are reported as MD-002 findings in {@link
         * #getProvisionResult()} (and the sweeper cannot start without its stream). When false, an existing
         * dead-letter stream is still read and linted (DLQ-003), never written.
         */
        public Builder createDeadLetterStreams(boolean create) {
            once("createDeadLetterStreams");
            this.createDeadLetterStreams = create;
            return this;
        }

        /** The dead-letter rate guard (default {@link DeadLetterRateGuard#defaults()}). */
        public Builder deadLetterRateGuard(DeadLetterRateGuard guard) {
            Objects.requireNonNull(guard, "guard");
            once("deadLetterRateGuard");
            this.rateGuard = guard;
            return this;
        }

        /** Turns the dead-letter rate guard off. */
        public Builder noDeadLetterRateGuard() {
            once("deadLetterRateGuard");
            this.rateGuard = null;
            return this;
        }

        /**
         * Turns the sweeper off: messages whose every delivery timed out then stay in the stream with only the
         * captured advisory pointing at them (MD-002).
         */
        public Builder noSweeper() {
            once("noSweeper");
            this.sweeper = false;
            return this;
        }

        /**
         * How long each pull request waits at the server (default 5 s); the server's idle heartbeats come every
         * fifth of it (at least 500 ms), and three missed ones make the consumer re-send its pulls.
         *
         * @throws IllegalArgumentException when not between 1 s and 5 min
         */
        public Builder pullExpiry(Duration pullExpiry) {
            Objects.requireNonNull(pullExpiry, "pullExpiry");
            if (pullExpiry.compareTo(Duration.ofSeconds(1)) < 0 || pullExpiry.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("pullExpiry must be between PT1S and PT5M but was " + pullExpiry);
            }
            once("pullExpiry");
            this.pullExpiry = pullExpiry;
            return this;
        }

        /**
         * The instance name written to dead letters ({@code Jsc-Instance}; default {@code <host>/<pid>}).
         *
         * @throws IllegalArgumentException when blank
         */
        public Builder instance(String instance) {
            Objects.requireNonNull(instance, "instance");
            if (instance.isBlank()) {
                throw new IllegalArgumentException("instance must not be blank; leave it unset for <host>/<pid>");
            }
            once("instance");
            this.instance = instance;
            return this;
        }

        /**
         * How long to wait for the dead-letter stream's PubAck before keeping the message for another attempt
         * (default 5 s).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder deadLetterPublishTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("deadLetterPublishTimeout must be positive but was " + timeout);
            }
            once("deadLetterPublishTimeout");
            this.deadLetterPublishTimeout = timeout;
            return this;
        }

        /**
         * How often consumer info is read for {@link ConsumerEvent.ConsumerInfoSampled} (the pending gauges), when
         * someone listens (default 10 s).
         *
         * @throws IllegalArgumentException when below 100 ms
         */
        public Builder consumerInfoInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("consumerInfoInterval must be at least PT0.1S but was " + interval);
            }
            once("consumerInfoInterval");
            this.consumerInfoInterval = interval;
            return this;
        }

        /**
         * How long pulls may keep failing (503 No Responders, unexpected statuses) before the consumer moves from
         * {@link ConsumerState#RECOVERING} to {@link ConsumerState#HALTED} (default 1 min). It keeps retrying either
         * way; the state tells an alert that it will not recover by waiting a little longer.
         *
         * @throws IllegalArgumentException when below 1 s
         */
        public Builder pullErrorBudget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            if (budget.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("pullErrorBudget must be at least PT1S but was " + budget);
            }
            once("pullErrorBudget");
            this.pullErrorBudget = budget;
            return this;
        }

        /**
         * Builds the consumer (not started; see {@link ContractConsumer#start()}).
         *
         * @throws IllegalStateException when no handler was given (only possible through reflection: the stages
         *     ask for one)
         */
        public ContractConsumer build() {
            if (invoker == null) {
                throw new IllegalStateException("a handler is required; use ContractConsumer.builder(..).handler(..)");
            }
            List<ConsumerEventListener> all = new ArrayList<>(listeners);
            if (metrics != null) {
                all.add(metrics);
            }
            Settings settings = new Settings(
                    connection,
                    contract,
                    invoker,
                    all,
                    gate,
                    clock,
                    scheduler,
                    classifier,
                    mode,
                    createDeadLetterStreams,
                    rateGuard,
                    sweeper,
                    pullExpiry,
                    instance == null ? Instances.defaultName() : instance,
                    deadLetterPublishTimeout,
                    consumerInfoInterval,
                    pullErrorBudget);
            return new ContractConsumer(contract, settings, metrics);
        }
    }
}
