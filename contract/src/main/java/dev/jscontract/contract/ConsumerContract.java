package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.Subjects;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
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
 * contract opts in to server BackOff for ack timeouts with {@link Builder#serverBackoff(Duration...)}.
 *
 * <p>Option errors are {@link IllegalArgumentException}s that name the option, the value and the fix; setting an
 * option twice, and cross-option conflicts found by {@link Builder#build()}, are {@link IllegalStateException}s.
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

    private ConsumerContract(Builder b) {
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
        return new Builder();
    }

    /** A builder with every value of this contract; each option may be changed once. */
    public Builder toBuilder() {
        Builder b = new Builder();
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

    /** Whether heartbeats ({@code inProgress()}) are on: true unless {@link Builder#noHeartbeats()} was chosen. */
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
        Objects.requireNonNull(version, "version");
        requireFeatures(version);
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .durable(durable)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxDeliver(maxDeliver)
                .deliverPolicy(getDeliverPolicy());
        if (filterSubjects.size() == 1) {
            b.filterSubject(filterSubjects.get(0));
        } else if (filterSubjects.size() > 1) {
            b.filterSubjects(filterSubjects);
        }
        if (maxAckPending != null) {
            b.maxAckPending(maxAckPending);
        }
        if (startSequence != null) {
            b.startSequence(startSequence);
        }
        if (startTime != null) {
            b.startTime(startTime);
        }
        if (description != null) {
            b.description(description);
        }
        if (!metadata.isEmpty()) {
            b.metadata(metadata);
        }
        if (!serverBackoff.isEmpty()) {
            b.backoff(serverBackoff.toArray(Duration[]::new));
        }
        if (pauseUntil != null) {
            b.pauseUntil(pauseUntil);
        }
        if (!priorityGroups.isEmpty()) {
            b.priorityGroups(priorityGroups);
        }
        if (priorityPolicy != null) {
            b.priorityPolicy(priorityPolicy);
        }
        return b.build();
    }

    /** The features this contract uses that need a newer server than {@code version}, as (feature, version) pairs. */
    Map<String, ServerVersion> featuresBeyond(ServerVersion version) {
        Map<String, ServerVersion> out = new LinkedHashMap<>();
        if (filterSubjects.size() > 1 && version.isBefore(ServerVersion.V2_10_0)) {
            out.put("filterSubjects (more than one)", ServerVersion.V2_10_0);
        }
        if (!metadata.isEmpty() && version.isBefore(ServerVersion.V2_10_0)) {
            out.put("metadata", ServerVersion.V2_10_0);
        }
        if (pauseUntil != null && version.isBefore(ServerVersion.V2_11_0)) {
            out.put("pauseUntil", ServerVersion.V2_11_0);
        }
        if (!priorityGroups.isEmpty() && version.isBefore(ServerVersion.V2_11_0)) {
            out.put("priorityGroups", ServerVersion.V2_11_0);
        }
        if (priorityPolicy == PriorityPolicy.Prioritized && version.isBefore(ServerVersion.V2_12_0)) {
            out.put("priorityPolicy prioritized", ServerVersion.V2_12_0);
        }
        return out;
    }

    private void requireFeatures(ServerVersion version) {
        Map<String, ServerVersion> beyond = featuresBeyond(version);
        if (!beyond.isEmpty()) {
            Map.Entry<String, ServerVersion> first =
                    beyond.entrySet().iterator().next();
            throw new UnsupportedServerFeatureException(first.getKey(), first.getValue(), version);
        }
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
        Builder deadLetter(DeadLetterPolicy deadLetter);
    }

    /**
     * The last stage: optional settings and {@link #build()}. Every option may be set once; after {@link
     * ConsumerContract#toBuilder()}, each may be changed once.
     */
    public static final class Builder
            implements StreamStage, DurableStage, AckWaitStage, MaxDeliverStage, BackoffStage, DeadLetterStage {
        private final Set<String> set = new HashSet<>();
        private @Nullable String stream;
        private @Nullable String durable;
        private @Nullable Duration ackWait;
        private @Nullable Integer maxDeliver;
        private @Nullable Backoff backoff;
        private @Nullable DeadLetterPolicy deadLetterPolicy;
        private @Nullable List<String> filterSubjects;
        private @Nullable Integer maxAckPending;
        private @Nullable Integer concurrency;
        private @Nullable Integer batchSize;
        private @Nullable Integer instances;
        private @Nullable Duration expectedP99;
        private @Nullable Duration heartbeatInterval;
        private @Nullable Boolean heartbeatsDisabled;
        private @Nullable Duration maxProcessingTime;
        private @Nullable DeliverPolicy deliverPolicy;
        private @Nullable Long startSequence;
        private @Nullable ZonedDateTime startTime;
        private @Nullable String description;
        private @Nullable Map<String, String> metadata;
        private @Nullable List<Duration> serverBackoff;
        private @Nullable ZonedDateTime pauseUntil;
        private @Nullable List<String> priorityGroups;
        private @Nullable PriorityPolicy priorityPolicy;
        private final Map<String, String> suppressions = new TreeMap<>();
        private final Map<String, Severity> escalations = new TreeMap<>();

        private Builder() {}

        private void once(String option, @Nullable Object current) {
            if (!set.add(option)) {
                throw new IllegalStateException(option + " was already set to " + current
                        + "; set each option once (use toBuilder() on a built contract to change it)");
            }
        }

        @Override
        public Builder stream(String stream) {
            Checks.name(stream, "stream");
            once("stream", this.stream);
            this.stream = stream;
            return this;
        }

        @Override
        public Builder durable(String durable) {
            Checks.name(durable, "durable");
            once("durable", this.durable);
            this.durable = durable;
            return this;
        }

        @Override
        public Builder ackWait(Duration ackWait) {
            Checks.positive(ackWait, "ackWait");
            once("ackWait", this.ackWait);
            this.ackWait = ackWait;
            return this;
        }

        @Override
        public Builder maxDeliver(int maxDeliver) {
            if (maxDeliver == 0 || maxDeliver < UNLIMITED_DELIVERIES) {
                throw new IllegalArgumentException("maxDeliver must be at least 1, or"
                        + " ConsumerContract.UNLIMITED_DELIVERIES (-1) to redeliver forever, but was " + maxDeliver);
            }
            once("maxDeliver", this.maxDeliver);
            this.maxDeliver = maxDeliver;
            return this;
        }

        @Override
        public Builder backoff(Backoff backoff) {
            Checks.notNull(backoff, "backoff");
            once("backoff", this.backoff);
            this.backoff = backoff;
            return this;
        }

        @Override
        public Builder deadLetter(DeadLetterPolicy deadLetter) {
            Checks.notNull(deadLetter, "deadLetter");
            once("deadLetter", this.deadLetterPolicy);
            this.deadLetterPolicy = deadLetter;
            return this;
        }

        /**
         * Consume only this subject (wildcards allowed).
         *
         * @throws IllegalArgumentException when not a valid subject
         * @throws IllegalStateException when filter subjects were already set
         */
        public Builder filterSubject(String subject) {
            Checks.subject(subject, "filterSubject", true);
            once("filterSubjects", this.filterSubjects);
            this.filterSubjects = List.of(subject);
            return this;
        }

        /**
         * Consume these subjects (nats-server 2.10+ for more than one). They must not overlap.
         *
         * @throws IllegalArgumentException when empty, invalid, duplicated or overlapping
         * @throws IllegalStateException when filter subjects were already set
         */
        public Builder filterSubjects(String... subjects) {
            Checks.notNull(subjects, "filterSubjects");
            if (subjects.length == 0) {
                throw new IllegalArgumentException(
                        "filterSubjects must not be empty; leave it unset to consume" + " every subject of the stream");
            }
            for (int i = 0; i < subjects.length; i++) {
                Checks.subject(subjects[i], "filterSubjects[" + i + "]", true);
            }
            for (int i = 0; i < subjects.length; i++) {
                for (int j = i + 1; j < subjects.length; j++) {
                    if (Subjects.overlap(subjects[i], subjects[j])) {
                        throw new IllegalArgumentException("filterSubjects must not overlap but '" + subjects[i]
                                + "' and '" + subjects[j] + "' both match some subjects (the server refuses"
                                + " overlapping filters); keep one of them or make them disjoint");
                    }
                }
            }
            once("filterSubjects", this.filterSubjects);
            this.filterSubjects = List.of(subjects);
            return this;
        }

        /**
         * Most messages delivered and not yet settled across all instances; the server then stops delivering
         * (B-15). Undeclared means the server default 1000 (lint MAP-001).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder maxAckPending(int maxAckPending) {
            Checks.positive(maxAckPending, "maxAckPending");
            once("maxAckPending", this.maxAckPending);
            this.maxAckPending = maxAckPending;
            return this;
        }

        /**
         * Handler threads per instance (default 1, which processes messages in stream order).
         *
         * @throws IllegalArgumentException when not in 1..1024
         */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 1024) {
                throw new IllegalArgumentException("concurrency must be between 1 and 1024 but was " + concurrency);
            }
            once("concurrency", this.concurrency);
            this.concurrency = concurrency;
            return this;
        }

        /**
         * Messages one pull asks for (default: the concurrency, so nothing waits in a buffer; B-16, BUF-001).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder batchSize(int batchSize) {
            Checks.positive(batchSize, "batchSize");
            once("batchSize", this.batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /**
         * How many instances (processes) run this consumer (default 1); used by lint MAP-001.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder instances(int instances) {
            Checks.positive(instances, "instances");
            once("instances", this.instances);
            this.instances = instances;
            return this;
        }

        /**
         * The expected p99 handler time; lets the linter check ACK-003, BO-002 and BUF-001, and explain the
         * throughput ceiling.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder expectedP99(Duration expectedP99) {
            Checks.positive(expectedP99, "expectedP99");
            once("expectedP99", this.expectedP99);
            this.expectedP99 = expectedP99;
            return this;
        }

        /**
         * How often the runtime sends {@code inProgress()} while a handler runs (default: a third of the ack
         * deadline read back from the server).
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException after {@link #noHeartbeats()}
         */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            Checks.positive(heartbeatInterval, "heartbeatInterval");
            if (Boolean.TRUE.equals(heartbeatsDisabled)) {
                throw new IllegalStateException("heartbeatInterval conflicts with noHeartbeats(); choose one of them");
            }
            once("heartbeatInterval", this.heartbeatInterval);
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        /**
         * Turns heartbeats off: a handler must finish within the ack deadline or the message is redelivered while
         * it runs (lint ACK-003 with an expected p99).
         *
         * @throws IllegalStateException after {@link #heartbeatInterval(Duration)}
         */
        public Builder noHeartbeats() {
            if (heartbeatInterval != null) {
                throw new IllegalStateException("noHeartbeats() conflicts with heartbeatInterval " + heartbeatInterval
                        + "; choose one of them");
            }
            once("noHeartbeats", heartbeatsDisabled);
            this.heartbeatsDisabled = Boolean.TRUE;
            return this;
        }

        /**
         * The longest one attempt may run; heartbeats stop then and the attempt fails (retried or dead-lettered as
         * {@code processing-timeout}). Undeclared means unbounded (lint HB-002).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder maxProcessingTime(Duration maxProcessingTime) {
            Checks.positive(maxProcessingTime, "maxProcessingTime");
            once("maxProcessingTime", this.maxProcessingTime);
            this.maxProcessingTime = maxProcessingTime;
            return this;
        }

        /**
         * Where a new consumer starts: {@code All} (default), {@code New}, {@code Last} or {@code LastPerSubject}.
         * For a start sequence or time use {@link #deliverFromSequence(long)} / {@link
         * #deliverFromTime(ZonedDateTime)}. Immutable on the server (B-18).
         *
         * @throws IllegalArgumentException for ByStartSequence/ByStartTime
         */
        public Builder deliverPolicy(DeliverPolicy deliverPolicy) {
            Checks.notNull(deliverPolicy, "deliverPolicy");
            if (deliverPolicy == DeliverPolicy.ByStartSequence || deliverPolicy == DeliverPolicy.ByStartTime) {
                throw new IllegalArgumentException("deliverPolicy " + deliverPolicy + " needs a start; use"
                        + " deliverFromSequence(long) or deliverFromTime(ZonedDateTime) instead");
            }
            once("deliverPolicy", this.deliverPolicy);
            this.deliverPolicy = deliverPolicy;
            return this;
        }

        /**
         * Start at a stream sequence ({@code ByStartSequence}).
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when a deliver policy was already set
         */
        public Builder deliverFromSequence(long sequence) {
            if (sequence < 1) {
                throw new IllegalArgumentException("deliverFromSequence must be at least 1 but was " + sequence);
            }
            once("deliverPolicy", this.deliverPolicy);
            this.deliverPolicy = DeliverPolicy.ByStartSequence;
            this.startSequence = sequence;
            return this;
        }

        /**
         * Start at a time ({@code ByStartTime}).
         *
         * @throws IllegalStateException when a deliver policy was already set
         */
        public Builder deliverFromTime(ZonedDateTime time) {
            Checks.notNull(time, "deliverFromTime");
            once("deliverPolicy", this.deliverPolicy);
            this.deliverPolicy = DeliverPolicy.ByStartTime;
            this.startTime = time;
            return this;
        }

        /**
         * A description shown by {@code nats consumer info}.
         *
         * @throws IllegalArgumentException when blank or longer than {@value #MAX_DESCRIPTION_LENGTH} characters
         */
        public Builder description(String description) {
            Checks.notNull(description, "description");
            if (description.isBlank()) {
                throw new IllegalArgumentException("description must not be blank; leave it unset instead");
            }
            if (description.length() > MAX_DESCRIPTION_LENGTH) {
                throw new IllegalArgumentException("description must be at most " + MAX_DESCRIPTION_LENGTH
                        + " characters but was " + description.length());
            }
            once("description", this.description);
            this.description = description;
            return this;
        }

        /**
         * Consumer metadata (nats-server 2.10+). Keys starting with {@code _nats.} belong to the server.
         *
         * @throws IllegalArgumentException when empty, or a key is empty or reserved
         */
        public Builder metadata(Map<String, String> metadata) {
            Checks.notNull(metadata, "metadata");
            if (metadata.isEmpty()) {
                throw new IllegalArgumentException("metadata must not be empty; leave it unset instead");
            }
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getKey().isEmpty()) {
                    throw new IllegalArgumentException("metadata keys must not be empty");
                }
                if (e.getKey().startsWith("_nats.")) {
                    throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved: keys starting"
                            + " with '_nats.' are set by the server; choose another key");
                }
                Checks.notNull(e.getValue(), "metadata[" + e.getKey() + "]");
            }
            once("metadata", this.metadata);
            this.metadata = new LinkedHashMap<>(metadata);
            return this;
        }

        /**
         * Opts in to server BackOff for ack timeouts: entry {@code i} is the ack deadline of delivery {@code i+1},
         * the last repeating; it replaces ackWait (B-02, B-03), so the linter then applies the BO rules.
         *
         * @throws IllegalArgumentException when empty or an entry is not positive
         */
        public Builder serverBackoff(Duration... deadlines) {
            Checks.notNull(deadlines, "serverBackoff");
            if (deadlines.length == 0) {
                throw new IllegalArgumentException("serverBackoff must not be empty; leave it unset to keep the"
                        + " server's ack deadline at ackWait");
            }
            for (int i = 0; i < deadlines.length; i++) {
                Checks.positive(deadlines[i], "serverBackoff[" + i + "]");
            }
            once("serverBackoff", this.serverBackoff);
            this.serverBackoff = List.of(deadlines);
            return this;
        }

        /**
         * Creates the consumer paused until this time (nats-server 2.11+).
         */
        public Builder pauseUntil(ZonedDateTime pauseUntil) {
            Checks.notNull(pauseUntil, "pauseUntil");
            once("pauseUntil", this.pauseUntil);
            this.pauseUntil = pauseUntil;
            return this;
        }

        /**
         * Priority groups (nats-server 2.11+); needs {@link #priorityPolicy(PriorityPolicy)}.
         *
         * @throws IllegalArgumentException when empty or a name is not 1-16 characters of {@code A-Za-z0-9-_/=}
         */
        public Builder priorityGroups(String... groups) {
            Checks.notNull(groups, "priorityGroups");
            if (groups.length == 0) {
                throw new IllegalArgumentException("priorityGroups must not be empty; leave it unset instead");
            }
            for (String g : groups) {
                if (g == null || !g.matches("[A-Za-z0-9_/=-]{1,16}")) {
                    throw new IllegalArgumentException("priorityGroups entry '" + g + "' is invalid: use 1 to 16"
                            + " characters of A-Z, a-z, 0-9, '-', '_', '/', '='");
                }
            }
            once("priorityGroups", this.priorityGroups);
            this.priorityGroups = List.of(groups);
            return this;
        }

        /**
         * The priority policy for {@link #priorityGroups(String...)} (nats-server 2.11+; {@code Prioritized}
         * 2.12+).
         *
         * @throws IllegalArgumentException for {@code None} (leave it unset instead)
         */
        public Builder priorityPolicy(PriorityPolicy policy) {
            Checks.notNull(policy, "priorityPolicy");
            if (policy == PriorityPolicy.None) {
                throw new IllegalArgumentException("priorityPolicy None is the default; leave it unset instead");
            }
            once("priorityPolicy", this.priorityPolicy);
            this.priorityPolicy = policy;
            return this;
        }

        /**
         * Suppresses a lint rule for this contract; the reason is kept and reported.
         *
         * @throws IllegalArgumentException for an unknown rule or a blank reason
         * @throws IllegalStateException when the rule is already suppressed
         */
        public Builder suppress(String ruleId, String reason) {
            LintRule rule = LintRule.byId(Checks.notNull(ruleId, "ruleId"));
            Checks.notNull(reason, "reason");
            if (reason.isBlank()) {
                throw new IllegalArgumentException("reason must say why " + rule.id()
                        + " does not apply to this contract; a suppression without a reason is not accepted");
            }
            if (suppressions.containsKey(rule.id())) {
                throw new IllegalStateException(rule.id() + " is already suppressed (" + suppressions.get(rule.id())
                        + "); suppress each rule once");
            }
            suppressions.put(rule.id(), reason);
            return this;
        }

        /**
         * Raises a lint rule's severity for this contract (e.g. a warning that must fail this team's build).
         *
         * @throws IllegalArgumentException for an unknown rule, or a severity not above the rule's default
         * @throws IllegalStateException when the rule is already escalated
         */
        public Builder escalate(String ruleId, Severity severity) {
            LintRule rule = LintRule.byId(Checks.notNull(ruleId, "ruleId"));
            Checks.notNull(severity, "severity");
            if (severity.compareTo(rule.defaultSeverity()) <= 0) {
                throw new IllegalArgumentException("escalate can only raise a severity, but " + rule.id() + " is "
                        + rule.defaultSeverity().label() + " and " + severity.label() + " is not higher; to silence a"
                        + " rule use suppress(ruleId, reason)");
            }
            if (escalations.containsKey(rule.id())) {
                throw new IllegalStateException(rule.id() + " is already escalated to "
                        + escalations.get(rule.id()).label() + "; escalate each rule once");
            }
            escalations.put(rule.id(), severity);
            return this;
        }

        /**
         * Builds the contract.
         *
         * @throws IllegalStateException when options conflict (concurrency above maxAckPending, priority groups
         *     without a policy or the reverse, a rule both suppressed and escalated)
         */
        public ConsumerContract build() {
            if (stream == null
                    || durable == null
                    || ackWait == null
                    || maxDeliver == null
                    || backoff == null
                    || deadLetterPolicy == null) {
                throw new IllegalStateException("stream, durable, ackWait, maxDeliver, backoff and deadLetter are"
                        + " required; use ConsumerContract.builder(), whose stages ask for each");
            }
            if (concurrency != null && maxAckPending != null && concurrency > maxAckPending) {
                throw new IllegalStateException("concurrency " + concurrency + " exceeds maxAckPending "
                        + maxAckPending + ": at most " + maxAckPending + " messages can be in flight, so handler"
                        + " threads would idle; raise maxAckPending or lower concurrency");
            }
            if (priorityGroups != null && priorityPolicy == null) {
                throw new IllegalStateException("priorityGroups " + priorityGroups + " need a priorityPolicy"
                        + " (Overflow, PinnedClient or Prioritized); the server refuses groups without one (10196)");
            }
            if (priorityPolicy != null && priorityGroups == null) {
                throw new IllegalStateException("priorityPolicy " + priorityPolicy + " needs priorityGroups");
            }
            for (String rule : suppressions.keySet()) {
                if (escalations.containsKey(rule)) {
                    throw new IllegalStateException(rule + " is both suppressed and escalated; choose one");
                }
            }
            return new ConsumerContract(this);
        }
    }
}
