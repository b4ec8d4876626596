package dev.jscontract.contract;

import dev.jscontract.contract.internal.VersionMapping;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How a durable JetStream pull consumer may be delivered to, written down once: the server configuration and the
 * runtime ({@code jscontract-consumer}) must agree on it, and the linter checks it before deploy.
 *
 * <p>The builder is <b>staged</b>: stream, durable, ackWait, maxDeliver, retry backoff and dead-letter policy must
 * all be given, in this order, before {@code build()} compiles. No value is taken from a server default.
 *
 * <pre>{@code
 * ConsumerContract contract = ConsumerContract.builder()
 *     .stream("ORDERS")
 *     .durable("billing")
 *     .ackWait(Duration.ofSeconds(30))          // the ack deadline of every delivery
 *     .maxDeliver(5)                            // then dead-letter
 *     .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)).withJitter(0.2))
 *     .deadLetter(DeadLetterPolicy.toDefaultSubject())   // dlq.ORDERS.billing, stream DLQ_ORDERS
 *     .filterSubject("orders.created")
 *     .maxAckPending(64)
 *     .concurrency(8)
 *     .expectedP99(Duration.ofSeconds(2))
 *     .maxProcessingTime(Duration.ofMinutes(2))
 *     .build();
 *
 * LintReport report = ContractLinter.lint(contract, ServerVersion.parse("2.10.27"));
 * ConsumerConfiguration cc = contract.toConsumerConfiguration(ServerVersion.parse("2.10.27"));
 * System.out.println(contract.explain().toText());
 * }</pre>
 *
 * <p><b>Retry backoff is applied by the runtime</b> ({@code nakWithDelay}), not by server BackOff: the rendered
 * configuration has {@code ack_wait = ackWait}, {@code max_deliver = maxDeliver} and no {@code backoff}, unless the
 * contract opts in to server BackOff for ack timeouts with {@link ContractBuilder#serverBackoff(Duration...)}.
 *
 * <p>Option errors are {@link IllegalArgumentException}s that name the option, the value and the fix; setting an
 * option twice, and cross-option conflicts found by {@link ContractBuilder#build()}, are {@link IllegalStateException}s.
 * Instances are immutable and thread-safe.
 */
public final class ConsumerContract {
    /** {@code maxDeliver} value for "redeliver forever" (lint error MD-001). */
    public static final int UNLIMITED_DELIVERIES = -1;

    /** nats-server's limit on a consumer description, in characters. */
    public static final int MAX_DESCRIPTION_LENGTH = 4096;

    private final String stream;
    private final String durable;
    private final Duration ackWait;
    private final int maxDeliver;
    private final Backoff backoff;
    private final DeadLetterPolicy deadLetterPolicy;
    private final List<String> filterSubjects;
    private final @Nullable Integer maxAckPending;
    private final @Nullable Integer concurrency;
    private final @Nullable Integer batchSize;
    private final @Nullable Integer instances;
    private final @Nullable Duration expectedP99;
    private final @Nullable Duration heartbeatInterval;
    private final boolean heartbeatsDisabled;
    private final @Nullable Duration maxProcessingTime;
    private final @Nullable DeliverPolicy deliverPolicy;
    private final @Nullable Long startSequence;
    private final @Nullable ZonedDateTime startTime;
    private final @Nullable String description;
    private final Map<String, String> metadata;
    private final List<Duration> serverBackoff;
    private final @Nullable ZonedDateTime pauseUntil;
    private final List<String> priorityGroups;
    private final @Nullable PriorityPolicy priorityPolicy;
    private final Map<String, String> suppressions;
    private final Map<String, Severity> escalations;

    ConsumerContract(ContractBuilder b) {
        this.stream = Objects.requireNonNull(b.stream);
        this.durable = Objects.requireNonNull(b.durable);
        this.ackWait = Objects.requireNonNull(b.ackWait);
        this.maxDeliver = Objects.requireNonNull(b.maxDeliver);
        this.backoff = Objects.requireNonNull(b.backoff);
        this.deadLetterPolicy = Objects.requireNonNull(b.deadLetterPolicy);
        this.filterSubjects = b.filterSubjects == null ? List.of() : List.copyOf(b.filterSubjects);
        this.maxAckPending = b.maxAckPending;
        this.concurrency = b.concurrency;
        this.batchSize = b.batchSize;
        this.instances = b.instances;
        this.expectedP99 = b.expectedP99;
        this.heartbeatInterval = b.heartbeatInterval;
        this.heartbeatsDisabled = Boolean.TRUE.equals(b.heartbeatsDisabled);
        this.maxProcessingTime = b.maxProcessingTime;
        this.deliverPolicy = b.deliverPolicy;
        this.startSequence = b.startSequence;
        this.startTime = b.startTime;
        this.description = b.description;
        this.metadata = b.metadata == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(b.metadata));
        this.serverBackoff = b.serverBackoff == null ? List.of() : List.copyOf(b.serverBackoff);
        this.pauseUntil = b.pauseUntil;
        this.priorityGroups = b.priorityGroups == null ? List.of() : List.copyOf(b.priorityGroups);
        this.priorityPolicy = b.priorityPolicy;
        this.suppressions = Collections.unmodifiableMap(new TreeMap<>(b.suppressions));
        this.escalations = Collections.unmodifiableMap(new TreeMap<>(b.escalations));
    }

    /** Starts a contract: {@code builder().stream(..).durable(..).ackWait(..).maxDeliver(..).backoff(..).deadLetter(..)}. */
    public static StreamStage builder() {
        return new ContractBuilder();
    }

    /** A builder with every value of this contract; each option may be changed once. */
    public ContractBuilder toBuilder() {
        ContractBuilder b = new ContractBuilder();
        b.stream = stream;
        b.durable = durable;
        b.ackWait = ackWait;
        b.maxDeliver = maxDeliver;
        b.backoff = backoff;
        b.deadLetterPolicy = deadLetterPolicy;
        b.filterSubjects = filterSubjects.isEmpty() ? null : filterSubjects;
        b.maxAckPending = maxAckPending;
        b.concurrency = concurrency;
        b.batchSize = batchSize;
        b.instances = instances;
        b.expectedP99 = expectedP99;
        b.heartbeatInterval = heartbeatInterval;
        b.heartbeatsDisabled = heartbeatsDisabled ? Boolean.TRUE : null;
        b.maxProcessingTime = maxProcessingTime;
        b.deliverPolicy = deliverPolicy;
        b.startSequence = startSequence;
        b.startTime = startTime;
        b.description = description;
        b.metadata = metadata.isEmpty() ? null : new LinkedHashMap<>(metadata);
        b.serverBackoff = serverBackoff.isEmpty() ? null : serverBackoff;
        b.pauseUntil = pauseUntil;
        b.priorityGroups = priorityGroups.isEmpty() ? null : priorityGroups;
        b.priorityPolicy = priorityPolicy;
        b.suppressions.putAll(suppressions);
        b.escalations.putAll(escalations);
        return b;
    }

    /** The stream the consumer reads. */
    public String getStream() {
        return stream;
    }

    /** The durable consumer name. */
    public String getDurable() {
        return durable;
    }

    /** The ack deadline of every delivery (replaced by server BackOff entries when {@link #getServerBackoff()} is set). */
    public Duration getAckWait() {
        return ackWait;
    }

    /** How many times a message may be delivered, or {@link #UNLIMITED_DELIVERIES}. */
    public int getMaxDeliver() {
        return maxDeliver;
    }

    /** Whether {@link #getMaxDeliver()} is finite. */
    public boolean hasFiniteMaxDeliver() {
        return maxDeliver != UNLIMITED_DELIVERIES;
    }

    /** The retry backoff the runtime applies with {@code nakWithDelay}. */
    public Backoff getBackoff() {
        return backoff;
    }

    /** Where dead letters go. */
    public DeadLetterPolicy getDeadLetterPolicy() {
        return deadLetterPolicy;
    }

    /** The filter subjects; empty means every subject of the stream. */
    public List<String> getFilterSubjects() {
        return filterSubjects;
    }

    /** The declared max ack pending; empty means the server default (1000, lint MAP-001). */
    public OptionalInt getMaxAckPending() {
        return maxAckPending == null ? OptionalInt.empty() : OptionalInt.of(maxAckPending);
    }

    /** The declared handler concurrency, if any. */
    public OptionalInt getConcurrency() {
        return concurrency == null ? OptionalInt.empty() : OptionalInt.of(concurrency);
    }

    /** Handler threads per instance: the declared concurrency, default 1 (ordered processing). */
    public int getEffectiveConcurrency() {
        return concurrency == null ? 1 : concurrency;
    }

    /** The declared pull batch size, if any. */
    public OptionalInt getBatchSize() {
        return batchSize == null ? OptionalInt.empty() : OptionalInt.of(batchSize);
    }

    /**
     * Messages a single pull asks for. The declared batch size if there is one; otherwise the effective concurrency,
     * so no message waits in the client buffer while its ack deadline runs (B-16), except that with a declared
     * expected p99 below a quarter of the first ack deadline it is twice the concurrency (capped by max ack pending
     * per instance): one prefetched message per handler thread then waits about one p99 at most, far from its
     * deadline, and hides the pull round trip a handler would otherwise wait for its next message.
     */
    public int getEffectiveBatchSize() {
        if (batchSize != null) {
            return batchSize;
        }
        int threads = getEffectiveConcurrency();
        if (expectedP99 != null && expectedP99.multipliedBy(4).compareTo(ackDeadline(1)) < 0) {
            int cap = maxAckPending == null ? Integer.MAX_VALUE : maxAckPending / getEffectiveInstances();
            return Math.max(threads, Math.min(2 * threads, cap));
        }
        return threads;
    }

    /** The declared number of instances that run this consumer, if any. */
    public OptionalInt getInstances() {
        return instances == null ? OptionalInt.empty() : OptionalInt.of(instances);
    }

    /** Instances that run this consumer: the declared count, default 1. */
    public int getEffectiveInstances() {
        return instances == null ? 1 : instances;
    }

    /** The expected p99 handler time, if declared (rules ACK-003, BO-002, BUF-001 need it). */
    public Optional<Duration> getExpectedP99() {
        return Optional.ofNullable(expectedP99);
    }

    /** The declared heartbeat interval; empty means the runtime default (a third of the read-back deadline). */
    public Optional<Duration> getHeartbeatInterval() {
        return Optional.ofNullable(heartbeatInterval);
    }

    /** Whether heartbeats ({@code inProgress()}) are on: true unless {@link ContractBuilder#noHeartbeats()} was chosen. */
    public boolean hasHeartbeats() {
        return !heartbeatsDisabled;
    }

    /** The maximum processing time of one attempt (the heartbeat cap), if declared. */
    public Optional<Duration> getMaxProcessingTime() {
        return Optional.ofNullable(maxProcessingTime);
    }

    /** The deliver policy (default {@link DeliverPolicy#All}). */
    public DeliverPolicy getDeliverPolicy() {
        return deliverPolicy == null ? DeliverPolicy.All : deliverPolicy;
    }

    /** The start sequence, for {@link DeliverPolicy#ByStartSequence}. */
    public OptionalLong getStartSequence() {
        return startSequence == null ? OptionalLong.empty() : OptionalLong.of(startSequence);
    }

    /** The start time, for {@link DeliverPolicy#ByStartTime}. */
    public Optional<ZonedDateTime> getStartTime() {
        return Optional.ofNullable(startTime);
    }

    /** The description, if any. */
    public Optional<String> getDescription() {
        return Optional.ofNullable(description);
    }

    /** The consumer metadata (nats-server 2.10+), sorted by key. */
    public Map<String, String> getMetadata() {
        return metadata;
    }

    /** Server BackOff entries (per-delivery ack deadlines), empty unless opted in. */
    public List<Duration> getServerBackoff() {
        return serverBackoff;
    }

    /** Whether the contract opted in to server BackOff for ack timeouts. */
    public boolean hasServerBackoff() {
        return !serverBackoff.isEmpty();
    }

    /** Pause the consumer until this time (nats-server 2.11+). */
    public Optional<ZonedDateTime> getPauseUntil() {
        return Optional.ofNullable(pauseUntil);
    }

    /** Priority groups (nats-server 2.11+). */
    public List<String> getPriorityGroups() {
        return priorityGroups;
    }

    /** The priority policy (nats-server 2.11+; {@code prioritized} 2.12+). */
    public Optional<PriorityPolicy> getPriorityPolicy() {
        return Optional.ofNullable(priorityPolicy);
    }

    /** Lint rules suppressed for this contract, by ID, with the written reason. */
    public Map<String, String> getSuppressions() {
        return suppressions;
    }

    /** Lint rules whose severity this contract raises, by ID. */
    public Map<String, Severity> getEscalations() {
        return escalations;
    }

    /**
     * The ack deadline of delivery {@code n} (1-based) as the server applies it: {@code serverBackoff[min(n-1,
     * len-1)]} when server BackOff is set, else {@code ackWait} (B-02, B-03).
     */
    public Duration ackDeadline(int delivery) {
        if (delivery < 1) {
            throw new IllegalArgumentException("delivery must be at least 1 but was " + delivery);
        }
        if (serverBackoff.isEmpty()) {
            return ackWait;
        }
        return serverBackoff.get(Math.min(delivery - 1, serverBackoff.size() - 1));
    }

    /** The dead-letter subject ({@code dlq.<stream>.<durable>} by default). */
    public Optional<String> getDeadLetterSubject() {
        return deadLetterPolicy.isEnabled()
                ? Optional.of(deadLetterPolicy.subjectFor(stream, durable))
                : Optional.empty();
    }

    /**
     * The jnats consumer configuration for a server version: explicit acks, {@code ack_wait}, {@code max_deliver}, no
     * server {@code backoff} unless opted in, and every declared option.
     *
     * @throws UnsupportedServerFeatureException when the contract uses a feature the version would silently drop
     *     (several filter subjects or metadata before 2.10; pause or priority groups before 2.11; {@code
     *     prioritized} before 2.12)
     */
    public ConsumerConfiguration toConsumerConfiguration(ServerVersion version) {
        return VersionMapping.render(this, Objects.requireNonNull(version, "version"));
    }

    /** The delivery timeline this contract implies; see {@link Explanation}. */
    public Explanation explain() {
        return Explanation.of(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsumerContract c
                && c.maxDeliver == maxDeliver
                && c.heartbeatsDisabled == heartbeatsDisabled
                && c.stream.equals(stream)
                && c.durable.equals(durable)
                && c.ackWait.equals(ackWait)
                && c.backoff.equals(backoff)
                && c.deadLetterPolicy.equals(deadLetterPolicy)
                && c.filterSubjects.equals(filterSubjects)
                && Objects.equals(c.maxAckPending, maxAckPending)
                && Objects.equals(c.concurrency, concurrency)
                && Objects.equals(c.batchSize, batchSize)
                && Objects.equals(c.instances, instances)
                && Objects.equals(c.expectedP99, expectedP99)
                && Objects.equals(c.heartbeatInterval, heartbeatInterval)
                && Objects.equals(c.maxProcessingTime, maxProcessingTime)
                && Objects.equals(c.deliverPolicy, deliverPolicy)
                && Objects.equals(c.startSequence, startSequence)
                && Objects.equals(c.startTime, startTime)
                && Objects.equals(c.description, description)
                && c.metadata.equals(metadata)
                && c.serverBackoff.equals(serverBackoff)
                && Objects.equals(c.pauseUntil, pauseUntil)
                && c.priorityGroups.equals(priorityGroups)
                && Objects.equals(c.priorityPolicy, priorityPolicy)
                && c.suppressions.equals(suppressions)
                && c.escalations.equals(escalations);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                stream,
                durable,
                ackWait,
                maxDeliver,
                backoff,
                deadLetterPolicy,
                filterSubjects,
                maxAckPending,
                concurrency,
                batchSize,
                instances,
                expectedP99,
                heartbeatInterval,
                heartbeatsDisabled,
                maxProcessingTime,
                deliverPolicy,
                startSequence,
                startTime,
                description,
                metadata,
                serverBackoff,
                pauseUntil,
                priorityGroups,
                priorityPolicy,
                suppressions,
                escalations);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ConsumerContract{stream=")
                .append(stream)
                .append(", durable=")
                .append(durable)
                .append(", ackWait=")
                .append(ackWait)
                .append(", maxDeliver=")
                .append(maxDeliver == UNLIMITED_DELIVERIES ? "unlimited" : Integer.toString(maxDeliver))
                .append(", backoff=")
                .append(backoff)
                .append(", deadLetter=")
                .append(deadLetterPolicy);
        appendIf(sb, "filterSubjects", filterSubjects.isEmpty() ? null : filterSubjects);
        appendIf(sb, "maxAckPending", maxAckPending);
        appendIf(sb, "concurrency", concurrency);
        appendIf(sb, "batchSize", batchSize);
        appendIf(sb, "instances", instances);
        appendIf(sb, "expectedP99", expectedP99);
        appendIf(sb, "heartbeatInterval", heartbeatInterval);
        appendIf(sb, "heartbeats", heartbeatsDisabled ? "off" : null);
        appendIf(sb, "maxProcessingTime", maxProcessingTime);
        appendIf(sb, "deliverPolicy", deliverPolicy);
        appendIf(sb, "startSequence", startSequence);
        appendIf(sb, "startTime", startTime);
        appendIf(sb, "description", description);
        appendIf(sb, "metadata", metadata.isEmpty() ? null : metadata);
        appendIf(sb, "serverBackoff", serverBackoff.isEmpty() ? null : serverBackoff);
        appendIf(sb, "pauseUntil", pauseUntil);
        appendIf(sb, "priorityGroups", priorityGroups.isEmpty() ? null : priorityGroups);
        appendIf(sb, "priorityPolicy", priorityPolicy);
        appendIf(sb, "suppressions", suppressions.isEmpty() ? null : suppressions);
        appendIf(sb, "escalations", escalations.isEmpty() ? null : escalations);
        return sb.append('}').toString();
    }

    private static void appendIf(StringBuilder sb, String name, @Nullable Object value) {
        if (value != null) {
            sb.append(", ").append(name).append('=').append(value);
        }
    }

    /** First stage: the stream. */
    public interface StreamStage {
        /**
         * The stream the consumer reads.
         *
         * @throws IllegalArgumentException when not a valid JetStream name
         */
        DurableStage stream(String stream);
    }

    /** Second stage: the durable name. */
    public interface DurableStage {
        /**
         * The durable consumer name.
         *
         * @throws IllegalArgumentException when not a valid JetStream name
         */
        AckWaitStage durable(String durable);
    }

    /** Third stage: the ack deadline. */
    public interface AckWaitStage {
        /**
         * How long each delivery may take before the server redelivers it (heartbeats extend it).
         *
         * @throws IllegalArgumentException when not positive
         */
        MaxDeliverStage ackWait(Duration ackWait);
    }

    /** Fourth stage: the delivery limit. */
    public interface MaxDeliverStage {
        /**
         * How many times a message may be delivered before it is dead-lettered: at least 1, or {@link
         * #UNLIMITED_DELIVERIES} (lint error MD-001).
         *
         * @throws IllegalArgumentException for 0 or values below -1
         */
        BackoffStage maxDeliver(int maxDeliver);
    }

    /** Fifth stage: the retry backoff. */
    public interface BackoffStage {
        /** The delay before redelivering a failed message (applied with {@code nakWithDelay}). */
        DeadLetterStage backoff(Backoff backoff);
    }

    /** Sixth stage: the dead-letter policy; then optional settings and {@code build()}. */
    public interface DeadLetterStage {
        /** Where dead letters go ({@link DeadLetterPolicy#none()} must be chosen explicitly). */
        ContractBuilder deadLetter(DeadLetterPolicy deadLetter);
    }
}
