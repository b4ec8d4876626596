package dev.jscontract.contract;

import dev.jscontract.contract.internal.VersionMapping;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Both forms (contract, live configuration) normalized to what the {@link ContractLinter} rules need. */
final class LintInputs {
    static final Duration SERVER_DEFAULT_ACK_WAIT = Duration.ofSeconds(30);

    String subject = "";
    boolean live;

    @Nullable
    ConsumerContract contract;

    @Nullable
    AckPolicy ackPolicy;

    @Nullable
    Duration ackWait;

    long maxDeliver;
    List<Duration> serverBackoff = List.of();
    Optional<Backoff> retryBackoff = Optional.empty();
    Optional<Duration> p99 = Optional.empty();
    Optional<Boolean> heartbeats = Optional.empty();
    Optional<Duration> heartbeatInterval = Optional.empty();
    Optional<Duration> maxProcessingTime = Optional.empty();
    Optional<Integer> handlerThreads = Optional.empty();
    Optional<Integer> batchSize = Optional.empty();
    Optional<Integer> instances = Optional.empty();
    Optional<Long> maxAckPending = Optional.empty();
    Optional<Boolean> deadLetterSink = Optional.empty();
    Optional<Duration> failoverSlo = Optional.empty();
    Optional<ServerVersion> version = Optional.empty();
    Map<String, ServerVersion> features = new LinkedHashMap<>();
    boolean workQueue;
    int streamReplicas = 1;

    @Nullable
    String deadLetterSubject;

    List<String> deadLetterStreamSubjects = List.of();
    boolean ordered;

    static LintInputs of(ConsumerContract c, @Nullable ServerVersion version, LintOptions o) {
        LintInputs in = new LintInputs();
        in.contract = c;
        in.subject = c.getStream() + "/" + c.getDurable();
        in.ackPolicy = AckPolicy.Explicit;
        in.ackWait = c.getAckWait();
        in.maxDeliver = c.getMaxDeliver();
        in.serverBackoff = c.getServerBackoff();
        in.retryBackoff = Optional.of(c.getBackoff());
        in.p99 = c.getExpectedP99();
        in.heartbeats = Optional.of(c.hasHeartbeats());
        in.heartbeatInterval = c.getHeartbeatInterval();
        in.maxProcessingTime = c.getMaxProcessingTime();
        in.handlerThreads = Optional.of(c.getEffectiveConcurrency());
        in.batchSize = Optional.of(c.getEffectiveBatchSize());
        in.instances = Optional.of(c.getEffectiveInstances());
        in.maxAckPending = c.getMaxAckPending().isPresent()
                ? Optional.of((long) c.getMaxAckPending().getAsInt())
                : Optional.empty();
        in.deadLetterSink = Optional.of(c.getDeadLetterPolicy().isEnabled());
        if (c.getDeadLetterPolicy().isEnabled()) {
            in.deadLetterSubject = c.getDeadLetterSubject().orElseThrow();
            in.deadLetterStreamSubjects = c.getDeadLetterPolicy().streamSubjectsFor(c.getStream());
        }
        in.failoverSlo = o.getFailoverSlo();
        in.version = Optional.ofNullable(version);
        in.features = VersionMapping.featuresBeyond(c, ServerVersion.parse("0.0.0"));
        return in;
    }

    static LintInputs of(ConsumerConfiguration cc, StreamConfiguration sc, ServerVersion version, LintOptions o) {
        LintInputs in = new LintInputs();
        in.live = true;
        String name = cc.getDurable() != null ? cc.getDurable() : cc.getName();
        in.subject = sc.getName() + "/" + (name != null ? name : "(ephemeral)");
        in.ackPolicy = cc.getAckPolicy();
        in.ackWait = cc.getAckWait();
        in.maxDeliver = cc.getMaxDeliver() > 0 ? cc.getMaxDeliver() : ConsumerContract.UNLIMITED_DELIVERIES;
        in.serverBackoff = cc.getBackoff() == null ? List.of() : cc.getBackoff();
        in.retryBackoff = o.getRetryBackoff();
        in.p99 = o.getExpectedP99();
        in.heartbeatInterval = o.getHeartbeatInterval();
        in.heartbeats = o.getHeartbeatInterval().isPresent() ? Optional.of(true) : Optional.empty();
        in.maxProcessingTime = o.getMaxProcessingTime();
        in.handlerThreads = o.getHandlerThreads().isPresent()
                ? Optional.of(o.getHandlerThreads().getAsInt())
                : Optional.empty();
        in.batchSize =
                o.getBatchSize().isPresent() ? Optional.of(o.getBatchSize().getAsInt()) : Optional.empty();
        in.instances =
                o.getInstances().isPresent() ? Optional.of(o.getInstances().getAsInt()) : Optional.empty();
        in.maxAckPending = cc.getMaxAckPending() > 0 ? Optional.of(cc.getMaxAckPending()) : Optional.empty();
        in.deadLetterSink = o.getDeadLetterSink();
        in.failoverSlo = o.getFailoverSlo();
        in.version = Optional.of(version);
        in.readStream(sc);
        in.ordered = cc.getAckPolicy() == AckPolicy.None
                && cc.getMaxDeliver() == 1
                && Boolean.TRUE.equals(cc.isMemStorage());
        List<String> filters = cc.getFilterSubjects();
        if (filters != null && filters.size() > 1) {
            in.features.put("filterSubjects (more than one)", ServerVersion.V2_10_0);
        }
        Map<String, String> metadata = cc.getMetadata();
        if (metadata != null && metadata.keySet().stream().anyMatch(k -> !k.startsWith("_nats."))) {
            in.features.put("metadata", ServerVersion.V2_10_0);
        }
        if (cc.getPauseUntil() != null) {
            in.features.put("pauseUntil", ServerVersion.V2_11_0);
        }
        if (cc.getPriorityGroups() != null && !cc.getPriorityGroups().isEmpty()) {
            in.features.put("priorityGroups", ServerVersion.V2_11_0);
        }
        if (cc.getPriorityPolicy() == io.nats.client.api.PriorityPolicy.Prioritized) {
            in.features.put("priorityPolicy prioritized", ServerVersion.V2_12_0);
        }
        return in;
    }

    /** What the rules read from the stream's configuration: its retention and replicas (MD-002, MD-003). */
    LintInputs readStream(StreamConfiguration sc) {
        workQueue = sc.getRetentionPolicy() == RetentionPolicy.WorkQueue;
        streamReplicas = Math.max(1, sc.getReplicas());
        return this;
    }

    Duration deadline(int n) {
        if (serverBackoff.isEmpty()) {
            return ackWait != null ? ackWait : SERVER_DEFAULT_ACK_WAIT;
        }
        return serverBackoff.get(Math.min(n - 1, serverBackoff.size() - 1));
    }

    /** The shortest deadline over the deliveries that can happen. */
    Duration minDeadline() {
        int used = maxDeliver == ConsumerContract.UNLIMITED_DELIVERIES
                ? Math.max(1, serverBackoff.size())
                : (int) Math.min(maxDeliver, Math.max(1, serverBackoff.size()));
        Duration min = deadline(1);
        for (int n = 2; n <= used; n++) {
            Duration d = deadline(n);
            if (d.compareTo(min) < 0) {
                min = d;
            }
        }
        return min;
    }

    Duration maxDeadline() {
        int used = maxDeliver == ConsumerContract.UNLIMITED_DELIVERIES
                ? Math.max(1, serverBackoff.size())
                : (int) Math.min(maxDeliver, Math.max(1, serverBackoff.size()));
        Duration max = deadline(1);
        for (int n = 2; n <= used; n++) {
            Duration d = deadline(n);
            if (d.compareTo(max) > 0) {
                max = d;
            }
        }
        return max;
    }
}
