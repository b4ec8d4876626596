package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a contract's dead letters go: the subject the runtime publishes the envelope (format v1, see {@link
 * DeadLetterHeaders}) to, and the stream that captures it. The stream always has Limits retention: a WorkQueue
 * dead-letter stream cannot be browsed or replayed by ad-hoc consumers (DLQ-003, B-25).
 *
 * <p>Defaults, for a contract on stream {@code ORDERS} with durable {@code billing}:
 *
 * <ul>
 *   <li>subject {@code dlq.ORDERS.billing} ({@link #toDefaultSubject()});
 *   <li>stream {@code DLQ_ORDERS} capturing {@code dlq.ORDERS.>} (one dead-letter stream per source stream), or
 *       the subject itself when a custom subject is given;
 *   <li>max age {@value #DEFAULT_MAX_AGE_DAYS} days, 1 replica;
 *   <li>advisory capture stream {@code JSC_ADV_ORDERS} for {@code $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.*}
 *       (B-12, B-14: advisories are at-most-once unless a stream captures them).
 * </ul>
 *
 * <pre>{@code
 * DeadLetterPolicy.toDefaultSubject().maxAge(Duration.ofDays(30)).replicas(3)
 * DeadLetterPolicy.toSubject("dlq.payments").stream("DLQ_PAYMENTS")
 * DeadLetterPolicy.none() // lint error MD-002 unless the contract suppresses it with a reason
 * }</pre>
 *
 * <p>Immutable; each option may be set once.
 */
public final class DeadLetterPolicy {
    /** Default retention of dead letters, in days. */
    public static final int DEFAULT_MAX_AGE_DAYS = 14;

    /** The default max age ({@value #DEFAULT_MAX_AGE_DAYS} days). */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(DEFAULT_MAX_AGE_DAYS);

    /** The prefix of the advisory a sweeper captures: {@code <prefix>.<stream>.<consumer>}. */
    public static final String MAX_DELIVERIES_ADVISORY_PREFIX = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES";

    private static final DeadLetterPolicy NONE = new DeadLetterPolicy(false, null, null, null, null, null, null);
    private static final DeadLetterPolicy DEFAULT = new DeadLetterPolicy(true, null, null, null, null, null, null);

    private final boolean enabled;
    private final @Nullable String subject;
    private final @Nullable String stream;
    private final @Nullable List<String> streamSubjects;
    private final @Nullable Duration maxAge;
    private final @Nullable Integer replicas;
    private final @Nullable String advisoryStream;

    private DeadLetterPolicy(
            boolean enabled,
            @Nullable String subject,
            @Nullable String stream,
            @Nullable List<String> streamSubjects,
            @Nullable Duration maxAge,
            @Nullable Integer replicas,
            @Nullable String advisoryStream) {
        this.enabled = enabled;
        this.subject = subject;
        this.stream = stream;
        this.streamSubjects = streamSubjects;
        this.maxAge = maxAge;
        this.replicas = replicas;
        this.advisoryStream = advisoryStream;
    }

    /** Dead letters go to {@code dlq.<stream>.<durable>}. */
    public static DeadLetterPolicy toDefaultSubject() {
        return DEFAULT;
    }

    /**
     * Dead letters go to {@code subject} (no wildcards).
     *
     * @throws IllegalArgumentException when the subject is not a valid literal subject
     */
    public static DeadLetterPolicy toSubject(String subject) {
        Checks.subject(subject, "subject", false);
        return new DeadLetterPolicy(true, subject, null, null, null, null, null);
    }

    /**
     * No dead-lettering: a message that fails its last delivery is terminated and only the advisory remembers it.
     * Lint error {@code MD-002} unless the contract suppresses it with a written reason.
     */
    public static DeadLetterPolicy none() {
        return NONE;
    }

    /**
     * The name of the dead-letter stream (default {@code DLQ_<stream>}).
     *
     * @throws IllegalArgumentException when not a valid JetStream name
     * @throws IllegalStateException on {@link #none()} or when already set
     */
    public DeadLetterPolicy stream(String name) {
        requireEnabled("stream");
        Checks.once(stream, "stream");
        Checks.name(name, "stream");
        return new DeadLetterPolicy(enabled, subject, name, streamSubjects, maxAge, replicas, advisoryStream);
    }

    /**
     * The subjects the dead-letter stream captures (default: {@code dlq.<stream>.>} for the default subject, else
     * the subject itself). They must include the dead-letter subject; the provisioner checks that.
     *
     * @throws IllegalArgumentException when empty or a subject is invalid
     * @throws IllegalStateException on {@link #none()} or when already set
     */
    public DeadLetterPolicy streamSubjects(String... subjects) {
        requireEnabled("streamSubjects");
        Checks.once(streamSubjects, "streamSubjects");
        Objects.requireNonNull(subjects, "streamSubjects");
        if (subjects.length == 0) {
            throw new IllegalArgumentException("streamSubjects must not be empty; give the subjects the dead-letter"
                    + " stream captures, e.g. 'dlq.ORDERS.>'");
        }
        for (int i = 0; i < subjects.length; i++) {
            Checks.subject(subjects[i], "streamSubjects[" + i + "]", true);
        }
        return new DeadLetterPolicy(enabled, subject, stream, List.of(subjects), maxAge, replicas, advisoryStream);
    }

    /**
     * How long dead letters are kept (default {@value #DEFAULT_MAX_AGE_DAYS} days).
     *
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException on {@link #none()} or when already set
     */
    public DeadLetterPolicy maxAge(Duration maxAge) {
        requireEnabled("maxAge");
        Checks.once(this.maxAge, "maxAge");
        Checks.positive(maxAge, "maxAge");
        return new DeadLetterPolicy(enabled, subject, stream, streamSubjects, maxAge, replicas, advisoryStream);
    }

    /**
     * Replicas of the dead-letter and advisory streams (default 1; 3 in a cluster is usual).
     *
     * @throws IllegalArgumentException when not in 1..5
     * @throws IllegalStateException on {@link #none()} or when already set
     */
    public DeadLetterPolicy replicas(int replicas) {
        requireEnabled("replicas");
        Checks.once(this.replicas, "replicas");
        if (replicas < 1 || replicas > 5) {
            throw new IllegalArgumentException("replicas must be between 1 and 5 but was " + replicas);
        }
        return new DeadLetterPolicy(enabled, subject, stream, streamSubjects, maxAge, replicas, advisoryStream);
    }

    /**
     * The name of the stream that captures MAX_DELIVERIES advisories for the source stream (default {@code
     * JSC_ADV_<stream>}).
     *
     * @throws IllegalArgumentException when not a valid JetStream name
     * @throws IllegalStateException on {@link #none()} or when already set
     */
    public DeadLetterPolicy advisoryStream(String name) {
        requireEnabled("advisoryStream");
        Checks.once(advisoryStream, "advisoryStream");
        Checks.name(name, "advisoryStream");
        return new DeadLetterPolicy(enabled, subject, stream, streamSubjects, maxAge, replicas, name);
    }

    private void requireEnabled(String option) {
        if (!enabled) {
            throw new IllegalStateException(option + " cannot be set on DeadLetterPolicy.none(); use"
                    + " DeadLetterPolicy.toDefaultSubject() or toSubject(...) to dead-letter");
        }
    }

    /** Whether dead-lettering is on (false for {@link #none()}). */
    public boolean isEnabled() {
        return enabled;
    }

    /** The explicitly set subject, if any (empty means the default pattern). */
    public Optional<String> getSubject() {
        return Optional.ofNullable(subject);
    }

    /** The explicitly set stream name, if any. */
    public Optional<String> getStream() {
        return Optional.ofNullable(stream);
    }

    /** The explicitly set stream subjects, if any. */
    public Optional<List<String>> getStreamSubjects() {
        return Optional.ofNullable(streamSubjects);
    }

    /** The explicitly set max age, if any. */
    public Optional<Duration> getMaxAge() {
        return Optional.ofNullable(maxAge);
    }

    /** The explicitly set replica count, if any. */
    public Optional<Integer> getReplicas() {
        return Optional.ofNullable(replicas);
    }

    /** The explicitly set advisory stream name, if any. */
    public Optional<String> getAdvisoryStream() {
        return Optional.ofNullable(advisoryStream);
    }

    /**
     * The dead-letter subject for a source stream and durable.
     *
     * @throws IllegalStateException on {@link #none()}
     */
    public String subjectFor(String sourceStream, String durable) {
        requireEnabled("subjectFor");
        return subject != null ? subject : "dlq." + sourceStream + "." + durable;
    }

    /** The dead-letter stream name for a source stream. */
    public String streamFor(String sourceStream) {
        requireEnabled("streamFor");
        return stream != null ? stream : "DLQ_" + sourceStream;
    }

    /** The subjects the dead-letter stream captures, for a source stream. */
    public List<String> streamSubjectsFor(String sourceStream) {
        requireEnabled("streamSubjectsFor");
        if (streamSubjects != null) {
            return streamSubjects;
        }
        return subject != null ? List.of(subject) : List.of("dlq." + sourceStream + ".>");
    }

    /** The effective max age. */
    public Duration effectiveMaxAge() {
        return maxAge != null ? maxAge : DEFAULT_MAX_AGE;
    }

    /** The effective replica count. */
    public int effectiveReplicas() {
        return replicas != null ? replicas : 1;
    }

    /** The advisory capture stream name for a source stream. */
    public String advisoryStreamFor(String sourceStream) {
        requireEnabled("advisoryStreamFor");
        return advisoryStream != null ? advisoryStream : "JSC_ADV_" + sourceStream;
    }

    /** The advisory subject the sweeper needs for one consumer. */
    public static String maxDeliveriesAdvisorySubject(String sourceStream, String durable) {
        return MAX_DELIVERIES_ADVISORY_PREFIX + "." + sourceStream + "." + durable;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterPolicy p
                && p.enabled == enabled
                && Objects.equals(p.subject, subject)
                && Objects.equals(p.stream, stream)
                && Objects.equals(p.streamSubjects, streamSubjects)
                && Objects.equals(p.maxAge, maxAge)
                && Objects.equals(p.replicas, replicas)
                && Objects.equals(p.advisoryStream, advisoryStream);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, subject, stream, streamSubjects, maxAge, replicas, advisoryStream);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "DeadLetterPolicy.none()";
        }
        StringBuilder sb = new StringBuilder(
                subject == null
                        ? "DeadLetterPolicy.toDefaultSubject()"
                        : "DeadLetterPolicy.toSubject(" + subject + ")");
        if (stream != null) {
            sb.append(".stream(").append(stream).append(')');
        }
        if (streamSubjects != null) {
            sb.append(".streamSubjects(")
                    .append(String.join(", ", streamSubjects))
                    .append(')');
        }
        if (maxAge != null) {
            sb.append(".maxAge(").append(maxAge).append(')');
        }
        if (replicas != null) {
            sb.append(".replicas(").append(replicas).append(')');
        }
        if (advisoryStream != null) {
            sb.append(".advisoryStream(").append(advisoryStream).append(')');
        }
        return sb.toString();
    }
}
