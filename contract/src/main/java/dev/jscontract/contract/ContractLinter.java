package dev.jscontract.contract;

import static dev.jscontract.contract.internal.Durations.human;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.Subjects;
import dev.jscontract.contract.internal.VersionMapping;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Checks a contract, or a live consumer's configuration, against the rule catalogue ({@link LintRule}, from
 * {@code docs/jetstream-semantics.md} section (d)).
 *
 * <pre>{@code
 * LintReport report = ContractLinter.lint(contract, ServerVersion.parse("2.9.10"));
 * if (report.hasErrors()) throw new IllegalStateException(report.toText());
 *
 * // a consumer that jscontract did not create:
 * ConsumerInfo ci = jsm.getConsumerInfo("ORDERS", "legacy");
 * StreamInfo si = jsm.getStreamInfo("ORDERS");
 * ContractLinter.lint(ci.getConsumerConfiguration(), si.getConfiguration(), ServerVersion.of(nc),
 *     LintOptions.builder().expectedP99(Duration.ofSeconds(2)).build());
 * }</pre>
 *
 * <p><b>Decided here</b> (scope {@link LintRule.Scope#CONFIG}): ACK-001, ACK-002, ACK-003, HB-001, HB-002, BO-001,
 * BO-002, BO-003, BO-004, MD-001, MD-002, MD-003 (live form only: it needs the stream's retention), DLQ-003 ({@link
 * #lintDeadLetterStream}), DLQ-005 (a contract whose dead-letter stream subjects miss its dead-letter subject; live:
 * {@link #lintDeadLetterCapture}), NAK-002, NAK-003, MAP-001, BUF-001, CON-003, VER-001, OPS-001, OUT-001 (contracts
 * only). Rules that need an input the contract or options do not hold (expected p99,
 * heartbeat, failover SLO, ...) are listed in {@link LintReport#getUnchecked()} instead of guessed.
 *
 * <p><b>Decided by {@link ContractProvisioner}</b> against the live server: UPD-001 (read-back drift), UPD-002
 * (immutable changes), UPD-003 (create/update by version).
 *
 * <p><b>Left to the runtime</b> (the {@code consumer} and {@code outbox-bridge} modules implement them; a
 * configuration cannot show them): HB-003, DLQ-001, DLQ-002, DLQ-004, NAK-001, IDEM-001, CON-001, CON-002,
 * VER-002, PUB-001 to PUB-006.
 *
 * <p>Notes on the catalogue: BO-004 fires when {@code len(backoff) > maxDeliver} (delivery {@code maxDeliver} uses
 * entry {@code maxDeliver-1}, so an equal length uses every entry); NAK-003 is jscontract's own rule for {@link
 * Backoff#none()}.
 */
public final class ContractLinter {
    private static final Duration SERVER_DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
    private static final int JNATS_DEFAULT_BATCH = 500;

    private ContractLinter() {}

    /** Lints a contract with the version-independent (portable) form of the version rules. */
    public static LintReport lint(ConsumerContract contract) {
        return lint(contract, null, LintOptions.none());
    }

    /** Lints a contract for a target server version. */
    public static LintReport lint(ConsumerContract contract, ServerVersion version) {
        return lint(contract, Checks.notNull(version, "version"), LintOptions.none());
    }

    /**
     * Lints a contract for a target server version (null: portable rules) with extra options (failover SLO,
     * further suppressions).
     */
    public static LintReport lint(ConsumerContract contract, @Nullable ServerVersion version, LintOptions options) {
        Checks.notNull(contract, "contract");
        Checks.notNull(options, "options");
        Inputs in = Inputs.of(contract, version, options);
        Map<String, String> suppressions = new LinkedHashMap<>(options.getSuppressions());
        suppressions.putAll(contract.getSuppressions());
        return run(in, suppressions, contract.getEscalations());
    }

    /** Lints a live consumer: its configuration, its stream's configuration and the server version. */
    public static LintReport lint(ConsumerConfiguration consumer, StreamConfiguration stream, ServerVersion version) {
        return lint(consumer, stream, version, LintOptions.none());
    }

    /** Lints a live consumer with what the configuration cannot show (p99, threads, batch, DLQ sink, ...). */
    public static LintReport lint(
            ConsumerConfiguration consumer, StreamConfiguration stream, ServerVersion version, LintOptions options) {
        Checks.notNull(consumer, "consumer");
        Checks.notNull(stream, "stream");
        Checks.notNull(version, "version");
        Checks.notNull(options, "options");
        Inputs in = Inputs.of(consumer, stream, version, options);
        return run(in, options.getSuppressions(), Map.of());
    }

    /**
     * Checks a dead-letter stream's configuration (DLQ-003: WorkQueue retention blocks browsing and replay).
     */
    public static List<Finding> lintDeadLetterStream(StreamConfiguration deadLetterStream) {
        Checks.notNull(deadLetterStream, "deadLetterStream");
        if (deadLetterStream.getRetentionPolicy() == RetentionPolicy.WorkQueue) {
            return List.of(finding(
                    LintRule.DLQ_003,
                    "dead-letter stream " + deadLetterStream.getName() + " uses WorkQueue retention: ad-hoc"
                            + " consumers to browse or replay it are refused (10099/10100)",
                    Map.of("stream", deadLetterStream.getName(), "retention", "workqueue"),
                    "recreate " + deadLetterStream.getName() + " with Limits retention (DeadLetterPolicy does so)"));
        }
        return List.of();
    }

    /**
     * Checks that some stream captures a dead-letter subject (DLQ-005): without one, every dead-letter publish fails
     * (no responders), the runtime keeps NAKing the message, and nothing is ever dead-lettered.
     *
     * @param consumer {@code STREAM/durable}, for the message
     * @param deadLetterSubject the subject dead letters are published to
     * @param streams every stream on the server
     */
    public static List<Finding> lintDeadLetterCapture(
            String consumer, String deadLetterSubject, List<StreamConfiguration> streams) {
        Checks.notNull(consumer, "consumer");
        Checks.notNull(deadLetterSubject, "deadLetterSubject");
        Checks.notNull(streams, "streams");
        for (StreamConfiguration sc : streams) {
            for (String pattern : sc.getSubjects()) {
                if (Subjects.covers(pattern, deadLetterSubject)) {
                    return List.of();
                }
            }
        }
        return List.of(finding(
                LintRule.DLQ_005,
                consumer + " dead-letters to " + deadLetterSubject + " but no stream captures that subject: every"
                        + " dead-letter publish fails with no responders and the message is retried instead",
                Map.of("consumer", consumer, "deadLetterSubject", deadLetterSubject),
                "create the dead-letter stream (ContractProvisioner does: DLQ_<stream> capturing dlq.<stream>.>), or"
                        + " point the contract's DeadLetterPolicy at a captured subject"));
    }

    private static LintReport run(Inputs in, Map<String, String> suppressions, Map<String, Severity> escalations) {
        Collector c = new Collector();
        ackRules(in, c);
        heartbeatRules(in, c);
        backoffRules(in, c);
        deliveryRules(in, c);
        outageRules(in, c);
        capacityRules(in, c);
        versionRules(in, c);
        opsRules(in, c);
        List<Finding> active = new ArrayList<>();
        Map<Finding, String> suppressed = new LinkedHashMap<>();
        for (Finding f : c.findings) {
            String reason = suppressions.get(f.getRuleId());
            Severity raised = escalations.get(f.getRuleId());
            Finding effective = raised != null ? f.withSeverity(raised) : f;
            if (reason != null) {
                suppressed.put(effective, reason);
            } else {
                active.add(effective);
            }
        }
        return new LintReport(in.subject, active, suppressed, c.unchecked);
    }

    // ---- rules -------------------------------------------------------------------------------------------------

    private static void ackRules(Inputs in, Collector c) {
        if (in.ackPolicy == AckPolicy.None) {
            c.add(finding(
                    LintRule.ACK_001,
                    "ack policy is none: a message counts as processed when it is sent, so a crash loses it",
                    Map.of("ackPolicy", "none"),
                    "use ack policy explicit"));
        } else if (in.ackPolicy == AckPolicy.All && in.handlerThreads.orElse(2) > 1) {
            c.add(finding(
                    LintRule.ACK_001,
                    "ack policy is all with "
                            + in.handlerThreads
                                    .map(t -> t + " handler threads")
                                    .orElse("an unknown number of handler threads")
                            + ": acking one message acks every earlier one, even those still being processed",
                    Map.of("ackPolicy", "all"),
                    "use ack policy explicit"));
        }
        if (in.live && in.serverBackoff.isEmpty() && SERVER_DEFAULT_ACK_WAIT.equals(in.ackWait)) {
            c.add(finding(
                    LintRule.ACK_002,
                    "ack_wait is 30s, the server default, and no backoff is set: the deadline was probably never"
                            + " chosen, and a handler slower than 30s is redelivered while it runs",
                    Map.of("ackWait", "30s"),
                    "declare ackWait deliberately (a contract forces it), or suppress ACK-002 with the reason"));
        }
        if (!in.heartbeats.isPresent()) {
            c.unchecked(LintRule.ACK_003, "declare the heartbeat interval the runtime uses");
        } else if (!in.heartbeats.get()) {
            if (in.p99.isEmpty()) {
                c.unchecked(LintRule.ACK_003, "declare expectedP99");
            } else {
                Duration eff1 = in.deadline(1);
                Duration needed = scale(in.p99.get(), 1.5);
                if (eff1.compareTo(needed) < 0) {
                    c.add(finding(
                            LintRule.ACK_003,
                            "the first ack deadline " + human(eff1) + " is below 1.5 x expected p99 "
                                    + human(in.p99.get()) + " (" + human(needed) + ") and there are no heartbeats:"
                                    + " slow first attempts are redelivered while still running",
                            Map.of("ackDeadline(1)", human(eff1), "expectedP99", human(in.p99.get())),
                            "turn heartbeats on, or raise "
                                    + (in.serverBackoff.isEmpty() ? "ackWait" : "serverBackoff[0]") + " to at least "
                                    + human(needed)));
                }
            }
        }
    }

    private static void heartbeatRules(Inputs in, Collector c) {
        if (in.heartbeatInterval.isPresent()) {
            Duration hb = in.heartbeatInterval.get();
            Duration minDeadline = in.minDeadline();
            Duration third = minDeadline.dividedBy(3);
            if (hb.compareTo(third) > 0) {
                c.add(finding(
                        LintRule.HB_001,
                        "heartbeat interval " + human(hb) + " is above a third of the shortest ack deadline "
                                + human(minDeadline) + ": one lost heartbeat lets the deadline pass and the message is"
                                + " redelivered while it is processed",
                        Map.of("heartbeatInterval", human(hb), "shortestAckDeadline", human(minDeadline)),
                        "set heartbeatInterval to at most " + human(third)
                                + " (or leave it unset: the runtime uses a third of the read-back deadline)"));
            }
        }
        if (in.heartbeats.orElse(false) && in.maxProcessingTime.isEmpty()) {
            c.add(finding(
                    LintRule.HB_002,
                    "heartbeats have no upper bound: a stuck handler keeps its message (and a MaxAckPending slot)"
                            + " forever",
                    Map.of("maxProcessingTime", "unset"),
                    "declare maxProcessingTime, e.g. a few times the expected p99"));
        }
    }

    private static void backoffRules(Inputs in, Collector c) {
        List<Duration> bo = in.serverBackoff;
        if (!bo.isEmpty()) {
            if (in.ackWait != null && !in.ackWait.equals(bo.get(0))) {
                c.add(finding(
                        LintRule.BO_001,
                        "ackWait " + human(in.ackWait) + " differs from serverBackoff[0] " + human(bo.get(0))
                                + ": the server replaces ackWait with BackOff[0] (and 2.11+ pedantic mode rejects it"
                                + " with 10157)",
                        Map.of("ackWait", human(in.ackWait), "serverBackoff[0]", human(bo.get(0))),
                        "set ackWait to " + human(bo.get(0)) + ", the deadline the server will apply"));
            }
            if (in.p99.isEmpty()) {
                c.unchecked(LintRule.BO_002, "declare expectedP99");
            } else if (bo.get(0).compareTo(in.p99.get()) < 0) {
                c.add(finding(
                        LintRule.BO_002,
                        "serverBackoff[0] " + human(bo.get(0)) + " is below expected p99 " + human(in.p99.get())
                                + ": BackOff entries are ack deadlines, not retry delays, so the first attempt is"
                                + " redelivered while it runs",
                        Map.of("serverBackoff[0]", human(bo.get(0)), "expectedP99", human(in.p99.get())),
                        "make serverBackoff[0] at least " + human(scale(in.p99.get(), 1.5))
                                + "; put retry delays in the contract's backoff instead"));
            }
            bo003(in, c);
            if (in.maxDeliver != ConsumerContract.UNLIMITED_DELIVERIES && bo.size() > in.maxDeliver) {
                c.add(finding(
                        LintRule.BO_004,
                        "serverBackoff has " + bo.size() + " entries but maxDeliver is " + in.maxDeliver
                                + ": entries after index " + (in.maxDeliver - 1) + " are never used",
                        Map.of(
                                "len(serverBackoff)",
                                Integer.toString(bo.size()),
                                "maxDeliver",
                                Long.toString(in.maxDeliver)),
                        "drop the last " + (bo.size() - in.maxDeliver) + " entries"));
            }
            if (in.retryBackoff.isPresent() && !in.retryBackoff.get().isNone()) {
                c.add(finding(
                        LintRule.NAK_002,
                        "retries use nakWithDelay together with server BackOff: the wait after a NAK on delivery n is"
                                + " delay + BackOff[n-1] - BackOff[0], not the delay",
                        Map.of(
                                "serverBackoff",
                                humanList(bo),
                                "backoff",
                                in.retryBackoff.get().toString()),
                        "read the stretched waits in explain(), or drop serverBackoff and keep ackWait + heartbeats"));
            }
        }
        if (in.retryBackoff.isEmpty()) {
            c.unchecked(LintRule.NAK_003, "declare the retry backoff the runtime uses");
        } else if (in.retryBackoff.get().isNone()) {
            c.add(finding(
                    LintRule.NAK_003,
                    "retry backoff is none: every failed attempt is redelivered at once, so a downstream outage burns"
                            + " maxDeliver in milliseconds",
                    Map.of("backoff", "none"),
                    "use Backoff.exponential(...) or Backoff.fixed(...)"));
        }
    }

    private static void bo003(Inputs in, Collector c) {
        int len = in.serverBackoff.size();
        long md = in.maxDeliver;
        boolean unlimited = md == ConsumerContract.UNLIMITED_DELIVERIES;
        Map<String, String> values = Map.of(
                "maxDeliver", unlimited ? "unlimited" : Long.toString(md), "len(serverBackoff)", Integer.toString(len));
        String fix = "set maxDeliver to at least " + (len + 1) + " (portable: maxDeliver > len(serverBackoff))";
        if (in.version.isEmpty()) {
            if (unlimited || md <= len) {
                c.add(finding(
                        LintRule.BO_003,
                        "maxDeliver " + (unlimited ? "unlimited" : md) + " is not greater than len(serverBackoff) "
                                + len + ": consumer creation fails with 10116 on 2.9.x and up to 2.10.22",
                        values,
                        fix));
            }
            return;
        }
        ServerVersion v = in.version.get();
        String why = null;
        if (unlimited && v.isBefore(ServerVersion.V2_10_14)) {
            why = "maxDeliver unlimited with server BackOff is rejected with 10116 before 2.10.14 (target " + v + ")";
        } else if (!unlimited && md <= len && v.isBefore(ServerVersion.V2_10_23)) {
            why = "maxDeliver " + md + " <= len(serverBackoff) " + len + " is rejected with 10116 before 2.10.23"
                    + " (target " + v + ")";
        } else if (!unlimited && len > md) {
            why = "len(serverBackoff) " + len + " > maxDeliver " + md + " is rejected with 10116 (target " + v + ")";
        }
        if (why != null) {
            c.add(finding(LintRule.BO_003, why, values, fix));
        }
    }

    private static void deliveryRules(Inputs in, Collector c) {
        if (in.maxDeliver == ConsumerContract.UNLIMITED_DELIVERIES) {
            c.add(finding(
                    LintRule.MD_001,
                    "maxDeliver is unlimited: a poison message is redelivered forever and holds a MaxAckPending"
                            + " slot",
                    Map.of("maxDeliver", "unlimited"),
                    "set a finite maxDeliver (e.g. 5) and a dead-letter policy"));
        } else if (in.deadLetterSink.isEmpty()) {
            c.unchecked(LintRule.MD_002, "declare whether a dead-letter sink exists (deadLetterSink)");
        } else if (!in.deadLetterSink.get()) {
            c.add(finding(
                    LintRule.MD_002,
                    "maxDeliver is " + in.maxDeliver + " but nothing dead-letters: after the last delivery the message"
                            + " silently stops being processed"
                            + (in.workQueue ? " and stays in the WorkQueue stream forever (B-13)" : "")
                            + "; the MAX_DELIVERIES advisory is at-most-once and not even sent without a listener",
                    Map.of("maxDeliver", Long.toString(in.maxDeliver), "deadLetter", "none"),
                    "use DeadLetterPolicy.toDefaultSubject(), or suppress MD-002 with the reason"));
        }
        if (in.workQueue
                && in.maxDeliver != ConsumerContract.UNLIMITED_DELIVERIES
                && in.version.isPresent()
                && in.version.get().isAtLeast(ServerVersion.V2_12_3)
                && in.version.get().isBefore(ServerVersion.V2_12_5)) {
            boolean replicated = in.streamReplicas > 1;
            c.add(new Finding(
                    LintRule.MD_003,
                    replicated ? Severity.ERROR : Severity.WARNING,
                    "WorkQueue stream with maxDeliver " + in.maxDeliver + " on nats-server " + in.version.get()
                            + ": 2.12.3 and 2.12.4 delete a message when it reaches maxDeliver"
                            + (replicated
                                    ? " on replicated streams (" + in.streamReplicas + " replicas)"
                                    : " (reported on R3 streams; this one has 1 replica)")
                            + ", so the dead-letter sweeper cannot read it and it is lost (nats-server #7817)",
                    Map.of(
                            "retention",
                            "workqueue",
                            "maxDeliver",
                            Long.toString(in.maxDeliver),
                            "server",
                            in.version.get().toString(),
                            "replicas",
                            Integer.toString(in.streamReplicas)),
                    "upgrade nats-server to 2.12.5 or later (fixed by \"Preserve max delivered messages with WorkQueue"
                            + " retention\")"));
        }
        if (in.deadLetterSubject != null
                && in.deadLetterStreamSubjects.stream().noneMatch(p -> Subjects.covers(p, in.deadLetterSubject))) {
            c.add(finding(
                    LintRule.DLQ_005,
                    "the dead-letter subject " + in.deadLetterSubject + " is not among the subjects its dead-letter"
                            + " stream captures " + in.deadLetterStreamSubjects + ": every dead-letter publish would"
                            + " fail, and provisioning refuses it",
                    Map.of(
                            "deadLetterSubject",
                            in.deadLetterSubject,
                            "streamSubjects",
                            String.join(", ", in.deadLetterStreamSubjects)),
                    "add " + in.deadLetterSubject
                            + " (or a wildcard covering it) to DeadLetterPolicy.streamSubjects(...)"));
        }
        if (in.ordered) {
            c.add(finding(
                    LintRule.CON_003,
                    "this looks like an ordered consumer (ack none, max_deliver 1, memory storage): no retries and no"
                            + " dead-lettering for contract work",
                    Map.of("ackPolicy", "none", "maxDeliver", "1", "memStorage", "true"),
                    "use a durable pull consumer with explicit acks"));
        }
    }

    /**
     * OUT-001: the outage the contract rides out. Without holding, every failed attempt of an outage is NAKed with the
     * retry delay, so the earliest a message can reach its last delivery is the sum of the shortest delays: an outage
     * longer than that dead-letters healthy messages. With a circuit breaker (or a DEPENDENCY_DOWN classification)
     * the runtime holds failing messages in process instead.
     */
    private static void outageRules(Inputs in, Collector c) {
        if (in.contract == null || !in.contract.hasFiniteMaxDeliver()) {
            return;
        }
        Duration exposed = in.contract.explain().getOutageDeadLetterAfter().orElseThrow();
        String hold = in.contract
                .getMaxProcessingTime()
                .map(d -> "each " + human(d) + " (maxProcessingTime) of holding spends one delivery, never the last")
                .orElse("a held message stays held (no maxProcessingTime)");
        c.add(finding(
                LintRule.OUT_001,
                "a downstream outage longer than " + human(exposed)
                        + " dead-letters healthy messages when every failure"
                        + " is NAKed (" + in.contract.getMaxDeliver() + " deliveries with the shortest retry delays);"
                        + " with a circuit breaker or a DEPENDENCY_DOWN classification, failing messages are held in"
                        + " process instead: no dead letter for an outage of any length while an instance runs ("
                        + hold + "; a crash or restart during the outage spends one delivery per held message)",
                Map.of(
                        "rideOutWithoutHolding",
                        human(exposed),
                        "maxDeliver",
                        Integer.toString(in.contract.getMaxDeliver())),
                "protect the downstream with .gate(CircuitBreakerGate.of(breaker)) or FailureClassifier.withDependencyDown(...); see"
                        + " explain()"));
    }

    private static void capacityRules(Inputs in, Collector c) {
        int instances = in.instances.orElse(1);
        if (in.maxAckPending.isEmpty()) {
            c.add(finding(
                    LintRule.MAP_001,
                    "maxAckPending is not declared: the server default 1000 decides how many messages can be in"
                            + " flight",
                    Map.of("maxAckPending", "unset (server default 1000)"),
                    "declare maxAckPending, at least instances x batch size"));
        } else if (in.batchSize.isEmpty() || in.instances.isEmpty()) {
            c.unchecked(LintRule.MAP_001, "declare instances and batchSize to compare with maxAckPending");
        } else {
            long needed = (long) instances * in.batchSize.get();
            if (in.maxAckPending.get() < needed) {
                c.add(finding(
                        LintRule.MAP_001,
                        "maxAckPending " + in.maxAckPending.get() + " is below instances x batch size = " + instances
                                + " x " + in.batchSize.get() + " = " + needed + ": some instances' pulls are starved",
                        Map.of(
                                "maxAckPending",
                                Long.toString(in.maxAckPending.get()),
                                "instances",
                                Integer.toString(instances),
                                "batchSize",
                                Integer.toString(in.batchSize.get())),
                        "raise maxAckPending to at least " + needed + " or lower batchSize"));
            }
        }
        if (in.p99.isEmpty()) {
            c.unchecked(LintRule.BUF_001, "declare expectedP99");
        } else {
            int batch = in.batchSize.orElse(JNATS_DEFAULT_BATCH);
            int threads = in.handlerThreads.orElse(1);
            Duration wait = Duration.ofNanos(
                    Math.round((double) batch / threads * in.p99.get().toNanos()));
            Duration eff1 = in.deadline(1);
            if (wait.compareTo(eff1) >= 0) {
                c.add(finding(
                        LintRule.BUF_001,
                        "(batch " + batch + (in.batchSize.isEmpty() ? " (jnats default)" : "") + " / " + threads
                                + " handler thread(s)) x p99 " + human(in.p99.get()) + " = " + human(wait)
                                + " reaches the first ack deadline " + human(eff1)
                                + ": buffered messages are redelivered before a handler reaches them",
                        Map.of(
                                "batchSize",
                                Integer.toString(batch),
                                "handlerThreads",
                                Integer.toString(threads),
                                "expectedP99",
                                human(in.p99.get()),
                                "ackDeadline(1)",
                                human(eff1)),
                        "lower batchSize to at most " + maxBatch(eff1, in.p99.get(), threads)
                                + " or raise the ack deadline"));
            }
        }
    }

    private static void versionRules(Inputs in, Collector c) {
        if (in.version.isEmpty()) {
            if (!in.features.isEmpty()) {
                c.unchecked(LintRule.VER_001, "give the target server version");
            }
            return;
        }
        ServerVersion v = in.version.get();
        in.features.forEach((feature, needed) -> {
            if (v.isBefore(needed)) {
                c.add(finding(
                        LintRule.VER_001,
                        feature + " needs nats-server " + needed + " but the target is " + v + ", which silently"
                                + " drops it"
                                + (feature.startsWith("filterSubjects")
                                        ? ": the consumer would receive every subject of the stream"
                                        : ""),
                        Map.of("feature", feature, "needs", needed.toString(), "target", v.toString()),
                        "remove " + feature + " or upgrade the server to " + needed + "+"));
            }
        });
    }

    private static void opsRules(Inputs in, Collector c) {
        if (in.failoverSlo.isEmpty()) {
            c.unchecked(LintRule.OPS_001, "declare failoverSlo in LintOptions");
            return;
        }
        Duration longest = in.maxDeadline();
        if (longest.compareTo(in.failoverSlo.get()) > 0) {
            c.add(finding(
                    LintRule.OPS_001,
                    "the longest ack deadline " + human(longest) + " is above the failover SLO "
                            + human(in.failoverSlo.get()) + ": a crashed consumer's messages wait that long (B-17)",
                    Map.of("longestAckDeadline", human(longest), "failoverSlo", human(in.failoverSlo.get())),
                    "lower the ack deadline and rely on heartbeats for slow handlers"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static Finding finding(LintRule rule, String message, Map<String, String> values, String fix) {
        return new Finding(rule, rule.defaultSeverity(), message, values, fix);
    }

    /** The largest batch with (batch / threads) x p99 below the deadline, at least 1. */
    private static long maxBatch(Duration deadline, Duration p99, int threads) {
        long ceil = (long) Math.ceil((double) deadline.toNanos() * threads / p99.toNanos());
        return Math.max(1, ceil - 1);
    }

    private static Duration scale(Duration d, double factor) {
        return Duration.ofNanos(Math.round(d.toNanos() * factor));
    }

    private static String humanList(List<Duration> list) {
        return "[" + String.join(", ", list.stream().map(d -> human(d)).toList()) + "]";
    }

    private static final class Collector {
        final List<Finding> findings = new ArrayList<>();
        final Map<LintRule, String> unchecked = new LinkedHashMap<>();

        void add(Finding f) {
            findings.add(f);
        }

        void unchecked(LintRule rule, String needs) {
            unchecked.putIfAbsent(rule, needs);
        }
    }

    /** Both forms (contract, live configuration) normalized to what the rules need. */
    private static final class Inputs {
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

        static Inputs of(ConsumerContract c, @Nullable ServerVersion version, LintOptions o) {
            Inputs in = new Inputs();
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

        static Inputs of(ConsumerConfiguration cc, StreamConfiguration sc, ServerVersion version, LintOptions o) {
            Inputs in = new Inputs();
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
            in.workQueue = sc.getRetentionPolicy() == RetentionPolicy.WorkQueue;
            in.streamReplicas = Math.max(1, sc.getReplicas());
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
}
