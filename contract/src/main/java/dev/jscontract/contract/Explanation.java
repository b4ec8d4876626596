package dev.jscontract.contract;

import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The delivery timeline a contract implies, which a team otherwise learns in production: for each delivery the
 * earliest and latest time it can happen (relative to the first delivery), its ack deadline, how long the attempt
 * may run, and the retry delay after it fails; the latest time a message is dead-lettered; how long a crashed
 * instance holds a message; and the throughput ceiling of max ack pending and processing time.
 *
 * <p>The model: a failed attempt is NAKed with the contract's retry backoff (jitter bounds give earliest/latest);
 * with server BackOff the wait after a NAK on delivery {@code n} is stretched to {@code delay + eff(n) - eff(1)}
 * (B-09). An attempt runs at most its ack deadline without heartbeats, and up to the maximum processing time with
 * them (unbounded when none is declared). A crashed instance's message is redelivered only when its deadline
 * passes (B-17). Messages whose every attempt timed out are dead-lettered through the MAX_DELIVERIES advisory,
 * which the server sends at the next pull after the last expiry (B-12); the runtime keeps a pull outstanding.
 *
 * <pre>{@code
 * System.out.println(contract.explain().toText());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Explanation {
    /** Unlimited-delivery contracts show this many attempts. */
    static final int SHOWN_WHEN_UNLIMITED = 10;

    private final ConsumerContract contract;
    private final List<Attempt> attempts;
    private final Optional<Duration> latestDeadLetter;
    private final Duration crashHoldFirst;
    private final Duration crashHoldMax;
    private final OptionalDouble throughputCeiling;
    private final Optional<Duration> outageDeadLetterAfter;

    private Explanation(
            ConsumerContract contract,
            List<Attempt> attempts,
            Optional<Duration> latestDeadLetter,
            Duration crashHoldFirst,
            Duration crashHoldMax,
            OptionalDouble throughputCeiling,
            Optional<Duration> outageDeadLetterAfter) {
        this.contract = contract;
        this.outageDeadLetterAfter = outageDeadLetterAfter;
        this.attempts = List.copyOf(attempts);
        this.latestDeadLetter = latestDeadLetter;
        this.crashHoldFirst = crashHoldFirst;
        this.crashHoldMax = crashHoldMax;
        this.throughputCeiling = throughputCeiling;
    }

    static Explanation of(ConsumerContract c) {
        Objects.requireNonNull(c, "contract");
        boolean unlimited = !c.hasFiniteMaxDeliver();
        int shown = unlimited ? SHOWN_WHEN_UNLIMITED : c.getMaxDeliver();
        List<Attempt> attempts = new ArrayList<>();
        Duration earliest = Duration.ZERO;
        Duration latest = Duration.ZERO;
        boolean latestBounded = true;
        Duration eff1 = c.ackDeadline(1);
        Duration crashMax = Duration.ZERO;
        for (int n = 1; n <= shown; n++) {
            Duration deadline = c.ackDeadline(n);
            crashMax = max(crashMax, deadline);
            Optional<Duration> runFor = runLimit(c, n);
            boolean last = !unlimited && n == c.getMaxDeliver();
            Duration minWait = null;
            Duration maxWait = null;
            if (!last) {
                Duration stretch = c.hasServerBackoff() ? deadline.minus(eff1) : Duration.ZERO;
                minWait = c.getBackoff().minDelayFor(n).plus(stretch);
                maxWait = c.getBackoff().maxDelayFor(n).plus(stretch);
            }
            attempts.add(new Attempt(
                    n,
                    earliest,
                    latestBounded ? Optional.of(latest) : Optional.empty(),
                    deadline,
                    runFor,
                    Optional.ofNullable(minWait),
                    Optional.ofNullable(maxWait)));
            if (!last) {
                earliest = earliest.plus(minWait);
                if (latestBounded && runFor.isPresent()) {
                    // fail at the end of the run and wait the longest delay, or crash after the last heartbeat
                    // and wait for the deadline
                    Duration afterRun = c.hasHeartbeats() ? max(maxWait, deadline) : maxWait;
                    latest = latest.plus(runFor.get()).plus(afterRun);
                } else {
                    latestBounded = false;
                }
            }
        }
        Optional<Duration> latestDlq = Optional.empty();
        if (!unlimited && c.getDeadLetterPolicy().isEnabled() && latestBounded) {
            Attempt lastAttempt = attempts.get(attempts.size() - 1);
            Optional<Duration> run = lastAttempt.getMayRunFor();
            if (run.isPresent()) {
                Duration deadline = lastAttempt.getAckDeadline();
                Duration tail = c.hasHeartbeats() ? run.get().plus(deadline) : deadline;
                latestDlq = Optional.of(latest.plus(tail));
            }
        }
        OptionalDouble ceiling = OptionalDouble.empty();
        if (c.getExpectedP99().isPresent()) {
            double seconds = c.getExpectedP99().get().toNanos() / 1e9;
            int inFlight = Math.min(
                    c.getMaxAckPending().orElse(1000), c.getEffectiveInstances() * c.getEffectiveConcurrency());
            ceiling = OptionalDouble.of(inFlight / seconds);
        }
        // During an outage every attempt fails at once: the last delivery comes at the earliest delivery time.
        Optional<Duration> outage = unlimited
                ? Optional.empty()
                : Optional.of(attempts.get(attempts.size() - 1).getEarliestDelivery());
        return new Explanation(c, attempts, latestDlq, eff1, crashMax, ceiling, outage);
    }

    private static Optional<Duration> runLimit(ConsumerContract c, int n) {
        if (!c.hasHeartbeats()) {
            return Optional.of(c.ackDeadline(n));
        }
        return c.getMaxProcessingTime();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The contract explained. */
    public ConsumerContract getContract() {
        return contract;
    }

    /**
     * One entry per delivery: all of them for a finite maxDeliver, the first {@value #SHOWN_WHEN_UNLIMITED} when
     * unlimited.
     */
    public List<Attempt> getAttempts() {
        return attempts;
    }

    /** The latest time a message can be dead-lettered, or empty when never (no DLQ, unlimited) or unbounded. */
    public Optional<Duration> getLatestDeadLetter() {
        return latestDeadLetter;
    }

    /** How long a crashed instance holds a first delivery before the server redelivers it (B-17). */
    public Duration getCrashHoldFirstDelivery() {
        return crashHoldFirst;
    }

    /** The longest a crashed instance can hold any delivery (the largest ack deadline). */
    public Duration getCrashHoldMax() {
        return crashHoldMax;
    }

    /**
     * Messages per second all instances can settle at most: {@code min(maxAckPending, instances × concurrency) /
     * expected p99}; empty when no expected p99 is declared.
     */
    public OptionalDouble getThroughputCeiling() {
        return throughputCeiling;
    }

    /**
     * The shortest downstream outage that dead-letters healthy messages when every failure is NAKed: the earliest time
     * of the last delivery (every attempt fails at once and waits the shortest retry delay). Empty for unlimited
     * deliveries. With a circuit breaker or a {@code DEPENDENCY_DOWN} classification the runtime holds failing
     * messages instead, and an outage of any length dead-letters nothing while an instance runs, as long as
     * heartbeats are on: without them ({@code noHeartbeats()}) a held message is redelivered after its ack deadline,
     * one delivery each time.
     */
    public Optional<Duration> getOutageDeadLetterAfter() {
        return outageDeadLetterAfter;
    }

    /** A readable rendering of the timeline (the same text on every call; golden-tested). */
    public String toText() {
        ConsumerContract c = contract;
        StringBuilder sb = new StringBuilder();
        sb.append("Contract ")
                .append(c.getStream())
                .append('/')
                .append(c.getDurable())
                .append('\n');
        sb.append("  ack deadline: ")
                .append(
                        c.hasServerBackoff()
                                ? "server BackOff " + humanList(c.getServerBackoff()) + " (replaces ackWait "
                                        + human(c.getAckWait()) + ")"
                                : human(c.getAckWait()))
                .append('\n');
        sb.append("  max deliveries: ")
                .append(c.hasFiniteMaxDeliver() ? Integer.toString(c.getMaxDeliver()) : "unlimited")
                .append('\n');
        sb.append("  retry backoff: ").append(c.getBackoff()).append('\n');
        sb.append("  heartbeats: ")
                .append(
                        !c.hasHeartbeats()
                                ? "off"
                                : c.getHeartbeatInterval()
                                        .map(d -> "every " + human(d))
                                        .orElse("every third of the ack deadline"))
                .append(", max processing time: ")
                .append(c.getMaxProcessingTime().map(d -> human(d)).orElse(c.hasHeartbeats() ? "unbounded" : "n/a"))
                .append('\n');
        sb.append('\n');
        String[] head = {"delivery", "earliest", "latest", "ack deadline", "may run for", "retry delay"};
        List<String[]> rows = new ArrayList<>();
        rows.add(head);
        for (Attempt a : attempts) {
            rows.add(new String[] {
                Integer.toString(a.getDelivery()),
                "+" + human(a.getEarliestDelivery()),
                a.getLatestDelivery().map(d -> "+" + human(d)).orElse("unbounded"),
                human(a.getAckDeadline()),
                a.getMayRunFor().map(d -> human(d)).orElse("unbounded"),
                a.getRetryDelayMin()
                        .map(min -> {
                            Duration mx = a.getRetryDelayMax().orElseThrow();
                            return min.equals(mx) ? human(min) : human(min) + ".." + human(mx);
                        })
                        .orElse(c.getDeadLetterPolicy().isEnabled() ? "dead-letter" : "terminate")
            });
        }
        int[] widths = new int[head.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                line.append(String.format("%-" + widths[i] + "s", r[i]));
                if (i < r.length - 1) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        if (!c.hasFiniteMaxDeliver()) {
            sb.append("  ... redelivered forever (maxDeliver unlimited, lint MD-001)\n");
        }
        sb.append('\n');
        sb.append("  times are relative to the first delivery; a failed attempt is NAKed with the retry delay");
        if (c.hasServerBackoff()) {
            sb.append(",\n  stretched by server BackOff to delay + deadline(n) - deadline(1) (B-09)");
        }
        sb.append('\n');
        if (!c.hasFiniteMaxDeliver()) {
            sb.append("  dead-lettered: never (unlimited deliveries)\n");
        } else if (!c.getDeadLetterPolicy().isEnabled()) {
            sb.append("  dead-lettered: never (DeadLetterPolicy.none(): terminated after the last delivery)\n");
        } else {
            sb.append("  dead-lettered at the latest: ")
                    .append(latestDeadLetter.map(d -> "+" + human(d)).orElse("unbounded (no max processing time)"))
                    .append(" to ")
                    .append(c.getDeadLetterSubject().orElseThrow())
                    .append('\n');
        }
        sb.append("  a crashed instance holds a message for ")
                .append(human(crashHoldFirst))
                .append(
                        crashHoldMax.equals(crashHoldFirst)
                                ? ""
                                : " (up to " + human(crashHoldMax) + " on later deliveries)")
                .append(" before it is redelivered (B-17)\n");
        if (outageDeadLetterAfter.isPresent() && !c.hasHeartbeats()) {
            sb.append("  downstream outage: when every failure is NAKed, one longer than +")
                    .append(human(outageDeadLetterAfter.get()))
                    .append(c.getDeadLetterPolicy().isEnabled() ? " dead-letters" : " terminates")
                    .append(" healthy messages;\n")
                    .append("    holding (circuit breaker, DEPENDENCY_DOWN) does not help without heartbeats:")
                    .append(" a held message is redelivered after its ack deadline (")
                    .append(human(attempts.get(0).getAckDeadline()))
                    .append("), one delivery each time\n");
        } else if (outageDeadLetterAfter.isPresent()) {
            sb.append("  downstream outage: when every failure is NAKed, one longer than +")
                    .append(human(outageDeadLetterAfter.get()))
                    .append(c.getDeadLetterPolicy().isEnabled() ? " dead-letters" : " terminates")
                    .append(" healthy messages;\n")
                    .append("    with a circuit breaker or DEPENDENCY_DOWN failures they are held in process instead,")
                    .append(" no delivery spent:\n")
                    .append("    none is lost to an outage of any length while an instance runs (")
                    .append(c.getMaxProcessingTime()
                            .map(d -> "each " + human(d) + " held spends a delivery, never the last")
                            .orElse("held until it recovers"))
                    .append(")\n");
        }
        if (throughputCeiling.isPresent()) {
            sb.append(String.format(
                    "  throughput ceiling: %.1f msg/s = min(maxAckPending %s, %d instance(s) x %d thread(s)) / p99 %s%n",
                    throughputCeiling.getAsDouble(),
                    c.getMaxAckPending().isPresent()
                            ? Integer.toString(c.getMaxAckPending().getAsInt())
                            : "1000 (default)",
                    c.getEffectiveInstances(),
                    c.getEffectiveConcurrency(),
                    human(c.getExpectedP99().orElseThrow())));
        } else {
            sb.append("  throughput ceiling: unknown (declare expectedP99)\n");
        }
        return sb.toString();
    }

    private static String humanList(List<Duration> list) {
        return "[" + String.join(", ", list.stream().map(d -> human(d)).toList()) + "]";
    }

    @Override
    public String toString() {
        return toText();
    }

    /** One delivery of the timeline. Times are relative to the first delivery. */
    public static final class Attempt {
        private final int delivery;
        private final Duration earliestDelivery;
        private final Optional<Duration> latestDelivery;
        private final Duration ackDeadline;
        private final Optional<Duration> mayRunFor;
        private final Optional<Duration> retryDelayMin;
        private final Optional<Duration> retryDelayMax;

        Attempt(
                int delivery,
                Duration earliestDelivery,
                Optional<Duration> latestDelivery,
                Duration ackDeadline,
                Optional<Duration> mayRunFor,
                Optional<Duration> retryDelayMin,
                Optional<Duration> retryDelayMax) {
            this.delivery = delivery;
            this.earliestDelivery = earliestDelivery;
            this.latestDelivery = latestDelivery;
            this.ackDeadline = ackDeadline;
            this.mayRunFor = mayRunFor;
            this.retryDelayMin = retryDelayMin;
            this.retryDelayMax = retryDelayMax;
        }

        /** The delivery number, 1-based. */
        public int getDelivery() {
            return delivery;
        }

        /** The earliest time of this delivery (every earlier attempt failed at once, shortest delays). */
        public Duration getEarliestDelivery() {
            return earliestDelivery;
        }

        /** The latest time of this delivery, or empty when unbounded (heartbeats without a max processing time). */
        public Optional<Duration> getLatestDelivery() {
            return latestDelivery;
        }

        /** The server's ack deadline for this delivery (ackWait, or the server BackOff entry). */
        public Duration getAckDeadline() {
            return ackDeadline;
        }

        /**
         * How long the attempt may run: the ack deadline without heartbeats, the max processing time with them,
         * empty when unbounded.
         */
        public Optional<Duration> getMayRunFor() {
            return mayRunFor;
        }

        /** The shortest wait before the next delivery after a failure; empty for the last delivery. */
        public Optional<Duration> getRetryDelayMin() {
            return retryDelayMin;
        }

        /** The longest wait before the next delivery after a failure; empty for the last delivery. */
        public Optional<Duration> getRetryDelayMax() {
            return retryDelayMax;
        }

        @Override
        public String toString() {
            return "Attempt{delivery=" + delivery + ", earliest=" + earliestDelivery + ", latest=" + latestDelivery
                    + ", ackDeadline=" + ackDeadline + ", mayRunFor=" + mayRunFor + ", retry=" + retryDelayMin
                    + ".." + retryDelayMax + "}";
        }
    }
}
