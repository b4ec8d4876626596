package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.Subjects;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checks a contract, or a live consumer's configuration, against the rule catalogue ({@link LintRule}, from
 * {@code docs/jetstream-semantics.md} section (d)).
 *
 * <pre>{@code
 * LintReport report = ContractLinter.lint(contract, ServerVersion.parse("2.9.10"));
 * if (report.hasErrors()) throw new IllegalStateException(report.toText());
 *
 * // against the live stream, as ContractProvisioner (and so ContractConsumer.start()) does:
 * ContractLinter.lint(contract, jsm.getStreamInfo(contract.getStream()).getConfiguration(), ServerVersion.of(nc),
 *     LintOptions.none());
 *
 * // a consumer that jscontract did not create:
 * ConsumerInfo ci = jsm.getConsumerInfo("ORDERS", "legacy");
 * StreamInfo si = jsm.getStreamInfo("ORDERS");
 * ContractLinter.lint(ci.getConsumerConfiguration(), si.getConfiguration(), ServerVersion.of(nc),
 *     LintOptions.builder().expectedP99(Duration.ofSeconds(2)).build());
 * }</pre>
 *
 * <p><b>Decided here</b> (scope {@link LintRule.Scope#CONFIG}): ACK-001, ACK-002, ACK-003, HB-001, HB-002, BO-001,
 * BO-002, BO-003, BO-004, MD-001, MD-002, MD-003 (it needs the stream's retention and replicas:
 * the live forms, and a contract linted with its stream), DLQ-003 ({@link
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
        LintInputs in = LintInputs.of(contract, version, options);
        Map<String, String> suppressions = new LinkedHashMap<>(options.getSuppressions());
        suppressions.putAll(contract.getSuppressions());
        return run(in, suppressions, contract.getEscalations());
    }

    /**
     * Lints a contract against its live stream for the server it runs on: the rules of {@link #lint(ConsumerContract,
     * ServerVersion, LintOptions)} plus those that need the stream's configuration (MD-003: WorkQueue retention with
     * a finite maxDeliver on 2.12.3/2.12.4, an error on a replicated stream; MD-002 then also says that an exhausted
     * message stays in the WorkQueue stream). {@link ContractProvisioner} lints this way with the stream it reads.
     *
     * @param stream the configuration of the contract's stream as the server reports it ({@code StreamInfo})
     * @throws IllegalArgumentException when {@code stream} is not the contract's stream
     */
    public static LintReport lint(
            ConsumerContract contract, StreamConfiguration stream, ServerVersion version, LintOptions options) {
        Checks.notNull(contract, "contract");
        Checks.notNull(stream, "stream");
        Checks.notNull(version, "version");
        Checks.notNull(options, "options");
        if (!contract.getStream().equals(stream.getName())) {
            throw new IllegalArgumentException("stream must be the contract's stream " + contract.getStream()
                    + " but was " + stream.getName() + "; pass the configuration of " + contract.getStream());
        }
        LintInputs in = LintInputs.of(contract, version, options).readStream(stream);
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
        LintInputs in = LintInputs.of(consumer, stream, version, options);
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

    private static LintReport run(LintInputs in, Map<String, String> suppressions, Map<String, Severity> escalations) {
        LintCollector c = new LintCollector();
        AckRules.ack(in, c);
        AckRules.heartbeats(in, c);
        BackoffRules.check(in, c);
        DeliveryRules.check(in, c);
        OutageRules.check(in, c);
        CapacityRules.check(in, c);
        VersionRules.check(in, c);
        OpsRules.check(in, c);
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
}
