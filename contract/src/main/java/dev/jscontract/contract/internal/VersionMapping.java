package dev.jscontract.contract.internal;

import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.contract.UnsupportedServerFeatureException;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a contract becomes the jnats {@link ConsumerConfiguration} of one server version: explicit acks, {@code
 * ack_wait}, {@code max_deliver}, no server {@code backoff} unless the contract opts in, and every declared option.
 * A feature the version would silently drop is refused, never left out. {@link DriftCalculator} compares what this
 * renders with what a server has.
 */
public final class VersionMapping {
    private VersionMapping() {}

    /**
     * The configuration of {@code c} for {@code version}.
     *
     * @throws UnsupportedServerFeatureException when the contract uses a feature the version does not have
     */
    public static ConsumerConfiguration render(ConsumerContract c, ServerVersion version) {
        Map<String, ServerVersion> beyond = featuresBeyond(c, version);
        if (!beyond.isEmpty()) {
            Map.Entry<String, ServerVersion> first =
                    beyond.entrySet().iterator().next();
            throw new UnsupportedServerFeatureException(first.getKey(), first.getValue(), version);
        }
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .durable(c.getDurable())
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(c.getAckWait())
                .maxDeliver(c.getMaxDeliver())
                .deliverPolicy(c.getDeliverPolicy());
        List<String> filters = c.getFilterSubjects();
        if (filters.size() == 1) {
            b.filterSubject(filters.get(0));
        } else if (filters.size() > 1) {
            b.filterSubjects(filters);
        }
        c.getMaxAckPending().ifPresent(b::maxAckPending);
        c.getStartSequence().ifPresent(b::startSequence);
        c.getStartTime().ifPresent(b::startTime);
        c.getDescription().ifPresent(b::description);
        if (!c.getMetadata().isEmpty()) {
            b.metadata(c.getMetadata());
        }
        if (c.hasServerBackoff()) {
            b.backoff(c.getServerBackoff().toArray(Duration[]::new));
        }
        c.getPauseUntil().ifPresent(b::pauseUntil);
        if (!c.getPriorityGroups().isEmpty()) {
            b.priorityGroups(c.getPriorityGroups());
        }
        c.getPriorityPolicy().ifPresent(b::priorityPolicy);
        return b.build();
    }

    /** The features {@code c} uses that need a newer server than {@code version}, as (feature, version) pairs. */
    public static Map<String, ServerVersion> featuresBeyond(ConsumerContract c, ServerVersion version) {
        Map<String, ServerVersion> out = new LinkedHashMap<>();
        if (c.getFilterSubjects().size() > 1 && version.isBefore(ServerVersion.V2_10_0)) {
            out.put("filterSubjects (more than one)", ServerVersion.V2_10_0);
        }
        if (!c.getMetadata().isEmpty() && version.isBefore(ServerVersion.V2_10_0)) {
            out.put("metadata", ServerVersion.V2_10_0);
        }
        if (c.getPauseUntil().isPresent() && version.isBefore(ServerVersion.V2_11_0)) {
            out.put("pauseUntil", ServerVersion.V2_11_0);
        }
        if (!c.getPriorityGroups().isEmpty() && version.isBefore(ServerVersion.V2_11_0)) {
            out.put("priorityGroups", ServerVersion.V2_11_0);
        }
        if (c.getPriorityPolicy().filter(p -> p == PriorityPolicy.Prioritized).isPresent()
                && version.isBefore(ServerVersion.V2_12_0)) {
            out.put("priorityPolicy prioritized", ServerVersion.V2_12_0);
        }
        return out;
    }
}
