package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.Subjects;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The last stage: optional settings and {@link #build()}. Every option may be set once; after {@link
 * ConsumerContract#toBuilder()}, each may be changed once.
 */
public final class ContractBuilder
        implements ConsumerContract.StreamStage,
                ConsumerContract.DurableStage,
                ConsumerContract.AckWaitStage,
                ConsumerContract.MaxDeliverStage,
                ConsumerContract.BackoffStage,
                ConsumerContract.DeadLetterStage {
    final Set<String> set = new HashSet<>();

    @Nullable
    String stream;

    @Nullable
    String durable;

    @Nullable
    Duration ackWait;

    @Nullable
    Integer maxDeliver;

    @Nullable
    Backoff backoff;

    @Nullable
    DeadLetterPolicy deadLetterPolicy;

    @Nullable
    List<String> filterSubjects;

    @Nullable
    Integer maxAckPending;

    @Nullable
    Integer concurrency;

    @Nullable
    Integer batchSize;

    @Nullable
    Integer instances;

    @Nullable
    Duration expectedP99;

    @Nullable
    Duration heartbeatInterval;

    @Nullable
    Boolean heartbeatsDisabled;

    @Nullable
    Duration maxProcessingTime;

    @Nullable
    DeliverPolicy deliverPolicy;

    @Nullable
    Long startSequence;

    @Nullable
    ZonedDateTime startTime;

    @Nullable
    String description;

    @Nullable
    Map<String, String> metadata;

    @Nullable
    List<Duration> serverBackoff;

    @Nullable
    ZonedDateTime pauseUntil;

    @Nullable
    List<String> priorityGroups;

    @Nullable
    PriorityPolicy priorityPolicy;

    final Map<String, String> suppressions = new TreeMap<>();
    final Map<String, Severity> escalations = new TreeMap<>();

    ContractBuilder() {}

    private void once(String option, @Nullable Object current) {
        Checks.once(!set.add(option), option, current);
    }

    @Override
    public ContractBuilder stream(String stream) {
        Checks.name(stream, "stream");
        once("stream", this.stream);
        this.stream = stream;
        return this;
    }

    @Override
    public ContractBuilder durable(String durable) {
        Checks.name(durable, "durable");
        once("durable", this.durable);
        this.durable = durable;
        return this;
    }

    @Override
    public ContractBuilder ackWait(Duration ackWait) {
        Checks.positive(ackWait, "ackWait");
        once("ackWait", this.ackWait);
        this.ackWait = ackWait;
        return this;
    }

    @Override
    public ContractBuilder maxDeliver(int maxDeliver) {
        if (maxDeliver == 0 || maxDeliver < ConsumerContract.UNLIMITED_DELIVERIES) {
            throw new IllegalArgumentException("maxDeliver must be at least 1, or"
                    + " ConsumerContract.UNLIMITED_DELIVERIES (-1) to redeliver forever, but was " + maxDeliver);
        }
        once("maxDeliver", this.maxDeliver);
        this.maxDeliver = maxDeliver;
        return this;
    }

    @Override
    public ContractBuilder backoff(Backoff backoff) {
        Checks.notNull(backoff, "backoff");
        once("backoff", this.backoff);
        this.backoff = backoff;
        return this;
    }

    @Override
    public ContractBuilder deadLetter(DeadLetterPolicy deadLetter) {
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
    public ContractBuilder filterSubject(String subject) {
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
    public ContractBuilder filterSubjects(String... subjects) {
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
    public ContractBuilder maxAckPending(int maxAckPending) {
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
    public ContractBuilder concurrency(int concurrency) {
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
    public ContractBuilder batchSize(int batchSize) {
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
    public ContractBuilder instances(int instances) {
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
    public ContractBuilder expectedP99(Duration expectedP99) {
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
    public ContractBuilder heartbeatInterval(Duration heartbeatInterval) {
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
    public ContractBuilder noHeartbeats() {
        if (heartbeatInterval != null) {
            throw new IllegalStateException(
                    "noHeartbeats() conflicts with heartbeatInterval " + heartbeatInterval + "; choose one of them");
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
    public ContractBuilder maxProcessingTime(Duration maxProcessingTime) {
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
    public ContractBuilder deliverPolicy(DeliverPolicy deliverPolicy) {
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
    public ContractBuilder deliverFromSequence(long sequence) {
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
    public ContractBuilder deliverFromTime(ZonedDateTime time) {
        Checks.notNull(time, "deliverFromTime");
        once("deliverPolicy", this.deliverPolicy);
        this.deliverPolicy = DeliverPolicy.ByStartTime;
        this.startTime = time;
        return this;
    }

    /**
     * A description shown by {@code nats consumer info}.
     *
     * @throws IllegalArgumentException when blank or longer than {@value #ConsumerContract.MAX_DESCRIPTION_LENGTH} characters
     */
    public ContractBuilder description(String description) {
        Checks.notNull(description, "description");
        if (description.isBlank()) {
            throw new IllegalArgumentException("description must not be blank; leave it unset instead");
        }
        if (description.length() > ConsumerContract.MAX_DESCRIPTION_LENGTH) {
            throw new IllegalArgumentException("description must be at most " + ConsumerContract.MAX_DESCRIPTION_LENGTH
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
    public ContractBuilder metadata(Map<String, String> metadata) {
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
    public ContractBuilder serverBackoff(Duration... deadlines) {
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
    public ContractBuilder pauseUntil(ZonedDateTime pauseUntil) {
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
    public ContractBuilder priorityGroups(String... groups) {
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
    public ContractBuilder priorityPolicy(PriorityPolicy policy) {
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
    public ContractBuilder suppress(String ruleId, String reason) {
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
    public ContractBuilder escalate(String ruleId, Severity severity) {
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
