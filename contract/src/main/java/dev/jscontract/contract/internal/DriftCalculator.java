package dev.jscontract.contract.internal;

import static dev.jscontract.contract.internal.Durations.human;

import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.ReplayPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Field-by-field comparison of a desired consumer configuration (rendered from a contract) with the server's.
 * Only fields the desired configuration declares are compared, plus the ones the contract relies on implicitly
 * (explicit acks, pull mode, instant replay). Server-owned metadata ({@code _nats.*}) is ignored.
 */
public final class DriftCalculator {

    /** One difference, before it becomes a public {@code Drift.Difference}. */
    public record Diff(String field, String expected, String actual, String kind, String fix) {}

    private DriftCalculator() {}

    /**
     * @param desired the rendered contract
     * @param actual the server's configuration
     * @param filterMutable whether the server can update filter subjects (2.9.12+)
     * @param consumer {@code stream/durable}, for messages
     * @return the differences in a stable order
     */
    public static List<Diff> diff(
            ConsumerConfiguration desired, ConsumerConfiguration actual, boolean filterMutable, String consumer) {
        List<Diff> out = new java.util.ArrayList<>();
        String recreate = "delete and recreate " + consumer + " (immutable on the server, B-18): stop every"
                + " instance, `nats consumer rm " + consumer.replace('/', ' ') + "` (or"
                + " JetStreamManagement.deleteConsumer), then provision again; this drops the consumer's delivery"
                + " state (ack floor, pending and redelivery counts) and restarts delivery from its deliver policy";
        String update = "provision in CREATE_OR_UPDATE mode to apply the contract";

        if (actual.getAckPolicy() != AckPolicy.Explicit) {
            out.add(new Diff("ack_policy", "explicit", name(actual.getAckPolicy()), "IMMUTABLE", recreate));
        }
        if (actual.getDeliverSubject() != null) {
            out.add(new Diff("deliver_subject", "(pull consumer)", actual.getDeliverSubject(), "IMMUTABLE", recreate));
        }
        if (actual.getReplayPolicy() != null && actual.getReplayPolicy() != ReplayPolicy.Instant) {
            out.add(new Diff("replay_policy", "instant", name(actual.getReplayPolicy()), "IMMUTABLE", recreate));
        }
        DeliverPolicy dp = desired.getDeliverPolicy();
        if (dp != actual.getDeliverPolicy()) {
            out.add(new Diff("deliver_policy", name(dp), name(actual.getDeliverPolicy()), "IMMUTABLE", recreate));
        }
        if (dp == DeliverPolicy.ByStartSequence && desired.getStartSequence() != actual.getStartSequence()) {
            out.add(new Diff(
                    "opt_start_seq",
                    Long.toString(desired.getStartSequence()),
                    Long.toString(actual.getStartSequence()),
                    "IMMUTABLE",
                    recreate));
        }
        if (dp == DeliverPolicy.ByStartTime && !sameInstant(desired.getStartTime(), actual.getStartTime())) {
            out.add(new Diff(
                    "opt_start_time",
                    String.valueOf(desired.getStartTime()),
                    String.valueOf(actual.getStartTime()),
                    "IMMUTABLE",
                    recreate));
        }

        List<Duration> desiredBackoff = nonNull(desired.getBackoff());
        List<Duration> actualBackoff = nonNull(actual.getBackoff());
        if (!Objects.equals(desired.getAckWait(), actual.getAckWait())) {
            boolean replaced = !actualBackoff.isEmpty() && actualBackoff.get(0).equals(actual.getAckWait());
            out.add(new Diff(
                    "ack_wait",
                    human(desired.getAckWait()),
                    human(actual.getAckWait()),
                    replaced && desiredBackoff.equals(actualBackoff) ? "EFFECTIVE" : "MUTABLE",
                    replaced && desiredBackoff.equals(actualBackoff)
                            ? "server BackOff replaces AckWait with BackOff[0] (B-02): set ackWait to "
                                    + human(actualBackoff.get(0)) + " in the contract"
                            : update));
        }
        long dmd = normalizeMaxDeliver(desired.getMaxDeliver());
        long amd = normalizeMaxDeliver(actual.getMaxDeliver());
        if (dmd != amd) {
            out.add(new Diff("max_deliver", maxDeliver(dmd), maxDeliver(amd), "MUTABLE", update));
        }
        if (!desiredBackoff.equals(actualBackoff)) {
            out.add(new Diff("backoff", list(desiredBackoff), list(actualBackoff), "MUTABLE", update));
        }
        if (desired.getMaxAckPending() > 0 && desired.getMaxAckPending() != actual.getMaxAckPending()) {
            out.add(new Diff(
                    "max_ack_pending",
                    Long.toString(desired.getMaxAckPending()),
                    Long.toString(actual.getMaxAckPending()),
                    "MUTABLE",
                    actual.getMaxAckPending() < desired.getMaxAckPending()
                            ? update + "; if the server keeps the lower value, the account or stream limits"
                                    + " max_ack_pending (consumer_limits): raise the limit or lower the contract"
                            : update));
        }
        Set<String> df = new TreeSet<>(nonNull(desired.getFilterSubjects()));
        Set<String> af = new TreeSet<>(nonNull(actual.getFilterSubjects()));
        if (!df.equals(af)) {
            out.add(new Diff(
                    "filter_subjects",
                    df.isEmpty() ? "(all subjects)" : df.toString(),
                    af.isEmpty() ? "(all subjects)" : af.toString(),
                    filterMutable ? "MUTABLE" : "IMMUTABLE",
                    filterMutable
                            ? update
                            : "nats-server before 2.9.12 does not rebuild a consumer's filter on update (B-19): "
                                    + recreate));
        }
        if (desired.getDescription() != null && !desired.getDescription().equals(actual.getDescription())) {
            out.add(new Diff(
                    "description",
                    desired.getDescription(),
                    String.valueOf(actual.getDescription()),
                    "MUTABLE",
                    update));
        }
        Map<String, String> dm = userMetadata(desired.getMetadata());
        Map<String, String> am = userMetadata(actual.getMetadata());
        if (!dm.equals(am)) {
            out.add(new Diff("metadata", dm.toString(), am.toString(), "MUTABLE", update));
        }
        if (desired.getPauseUntil() != null && !sameInstant(desired.getPauseUntil(), actual.getPauseUntil())) {
            out.add(new Diff(
                    "pause_until",
                    String.valueOf(desired.getPauseUntil()),
                    String.valueOf(actual.getPauseUntil()),
                    "MUTABLE",
                    update));
        }
        List<String> dg = nonNull(desired.getPriorityGroups());
        if (!dg.isEmpty() && !dg.equals(nonNull(actual.getPriorityGroups()))) {
            out.add(new Diff(
                    "priority_groups",
                    dg.toString(),
                    nonNull(actual.getPriorityGroups()).toString(),
                    "MUTABLE",
                    update));
        }
        if (desired.getPriorityPolicy() != null && desired.getPriorityPolicy() != actual.getPriorityPolicy()) {
            out.add(new Diff(
                    "priority_policy",
                    name(desired.getPriorityPolicy()),
                    name(actual.getPriorityPolicy()),
                    "MUTABLE",
                    update));
        }
        return out;
    }

    private static long normalizeMaxDeliver(long v) {
        return v > 0 ? v : -1;
    }

    private static String maxDeliver(long v) {
        return v > 0 ? Long.toString(v) : "unlimited";
    }

    private static Map<String, String> userMetadata(@Nullable Map<String, String> m) {
        Map<String, String> out = new TreeMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                if (!k.startsWith("_nats.")) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    private static boolean sameInstant(@Nullable ZonedDateTime a, @Nullable ZonedDateTime b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.toInstant().equals(b.toInstant());
    }

    private static <T> List<T> nonNull(@Nullable List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String list(List<Duration> l) {
        return l.isEmpty() ? "(none)" : l.stream().map(Durations::human).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String name(@Nullable Object e) {
        return e == null ? "(unset)" : e.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
