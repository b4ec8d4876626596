package dev.jscontract.contract;

import dev.jscontract.contract.internal.Subjects;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter and advisory capture streams of {@link ContractProvisioner}: created when missing and allowed,
 * otherwise only read and linted.
 */
final class DeadLetterStreams {
    // logged under the provisioner, where operators already look for what provisioning created
    private static final Logger LOG = LoggerFactory.getLogger(ContractProvisioner.class);
    /** The dead-letter stream's duplicate window: long enough that the handler and advisory paths dedupe. */
    static final Duration DUPLICATE_WINDOW = Duration.ofHours(1);

    private DeadLetterStreams() {}

    /**
     * Creates the dead-letter stream and the MAX_DELIVERIES advisory capture stream when missing ({@code write}; in
     * VERIFY_ONLY mode a missing one is an MD-002 finding instead), and checks existing ones: DLQ-003 for a WorkQueue
     * dead-letter stream, a refusal for one that does not capture its subject.
     *
     * @throws ContractProvisioningException when an existing stream does not capture its subject, or the server
     *     refuses
     */
    static List<Finding> provision(JetStreamManagement jsm, ConsumerContract c, boolean write) {
        DeadLetterPolicy p = c.getDeadLetterPolicy();
        List<Finding> findings = new ArrayList<>();
        String dlqSubject = p.subjectFor(c.getStream(), c.getDurable());
        String dlqStream = p.streamFor(c.getStream());
        Duration maxAge = p.effectiveMaxAge();
        StreamConfiguration dlq = StreamConfiguration.builder()
                .name(dlqStream)
                .description("jscontract dead letters of stream " + c.getStream() + " (envelope format v"
                        + DeadLetterHeaders.FORMAT_VERSION + ")")
                .subjects(p.streamSubjectsFor(c.getStream()))
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .storageType(StorageType.File)
                .maxAge(maxAge)
                .duplicateWindow(min(DUPLICATE_WINDOW, maxAge))
                .replicas(p.effectiveReplicas())
                .build();
        StreamConfiguration existing = ensureStream(jsm, dlq, write, findings);
        if (existing != null) {
            findings.addAll(ContractLinter.lintDeadLetterStream(existing));
            requireCaptures(existing, dlqSubject, "dead-letter subject");
        }
        String advisorySubject = DeadLetterPolicy.maxDeliveriesAdvisorySubject(c.getStream(), c.getDurable());
        StreamConfiguration adv = StreamConfiguration.builder()
                .name(p.advisoryStreamFor(c.getStream()))
                .description("jscontract: MAX_DELIVERIES advisories of stream " + c.getStream()
                        + " (B-12, B-14), read by the dead-letter sweeper")
                .subjects(DeadLetterPolicy.MAX_DELIVERIES_ADVISORY_PREFIX + "." + c.getStream() + ".*")
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .storageType(StorageType.File)
                .maxAge(maxAge)
                .replicas(p.effectiveReplicas())
                .build();
        StreamConfiguration existingAdv = ensureStream(jsm, adv, write, findings);
        if (existingAdv != null) {
            requireCaptures(existingAdv, advisorySubject, "MAX_DELIVERIES advisory subject");
        }
        return findings;
    }

    /**
     * Lints the dead-letter stream the application manages itself (DLQ-003), when it exists; reads only. A missing one
     * is not reported: another stream may capture the dead-letter subject.
     */
    static List<Finding> lintUnmanaged(JetStreamManagement jsm, ConsumerContract c) {
        StreamConfiguration existing =
                streamConfiguration(jsm, c.getDeadLetterPolicy().streamFor(c.getStream()));
        return existing == null ? List.of() : ContractLinter.lintDeadLetterStream(existing);
    }

    /** The stream's configuration, or null when it does not exist. */
    private static @Nullable StreamConfiguration streamConfiguration(JetStreamManagement jsm, String name) {
        try {
            return jsm.getStreamInfo(name).getConfiguration();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != ContractProvisioner.STREAM_NOT_FOUND) {
                throw ContractProvisioner.refused("read stream " + name, e);
            }
            return null;
        } catch (IOException e) {
            throw ContractProvisioner.unreachable("read stream " + name, e);
        }
    }

    /**
     * Creates the stream if missing (when writing; otherwise records an MD-002 finding); returns the existing
     * configuration when it was already there.
     */
    private static @Nullable StreamConfiguration ensureStream(
            JetStreamManagement jsm, StreamConfiguration sc, boolean write, List<Finding> findings) {
        StreamConfiguration existing = streamConfiguration(jsm, sc.getName());
        if (existing != null) {
            return existing;
        }
        if (!write) {
            findings.add(new Finding(
                    LintRule.MD_002,
                    LintRule.MD_002.defaultSeverity(),
                    "stream " + sc.getName() + " for " + sc.getSubjects() + " does not exist: dead letters cannot be"
                            + " stored (the runtime keeps such messages and retries)",
                    Map.of("stream", sc.getName()),
                    "provision in CREATE_OR_UPDATE mode, or create the stream"));
            return null;
        }
        try {
            jsm.addStream(sc);
            LOG.info("created stream {} for subjects {}", sc.getName(), sc.getSubjects());
            return null;
        } catch (JetStreamApiException e) {
            throw ContractProvisioner.refused("create stream " + sc.getName() + " for subjects " + sc.getSubjects(), e);
        } catch (IOException e) {
            throw ContractProvisioner.unreachable("create stream " + sc.getName(), e);
        }
    }

    private static void requireCaptures(StreamConfiguration sc, String subject, String what) {
        boolean captured = sc.getSubjects().stream().anyMatch(s -> Subjects.covers(s, subject));
        if (!captured) {
            throw new ContractProvisioningException("stream " + sc.getName() + " exists but does not capture the "
                    + what + " " + subject + " (its subjects: " + sc.getSubjects() + "); add the subject to the"
                    + " stream, or choose another stream name in the DeadLetterPolicy");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
