package dev.jscontract.contract;

import io.nats.client.api.ConsumerInfo;
import java.util.List;
import java.util.Objects;

/**
 * What {@link ContractProvisioner#provision(ConsumerContract)} did: the action on the consumer, the changes an
 * update applied, the drift left after reading the configuration back, the server version, and the lint findings
 * and findings about the dead-letter streams.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProvisionResult {
    /** What happened to the consumer. */
    public enum Action {
        /** It did not exist and was created. */
        CREATED,
        /** It existed with different mutable settings and was updated. */
        UPDATED,
        /** It existed and matched the contract. */
        UNCHANGED,
        /** Verify-only mode: nothing was written. */
        VERIFIED
    }

    private final Action action;
    private final ConsumerInfo consumerInfo;
    private final Drift changes;
    private final Drift drift;
    private final ServerVersion serverVersion;
    private final List<Finding> findings;

    ProvisionResult(
            Action action,
            ConsumerInfo consumerInfo,
            Drift changes,
            Drift drift,
            ServerVersion serverVersion,
            List<Finding> findings) {
        this.action = Objects.requireNonNull(action);
        this.consumerInfo = Objects.requireNonNull(consumerInfo);
        this.changes = Objects.requireNonNull(changes);
        this.drift = Objects.requireNonNull(drift);
        this.serverVersion = Objects.requireNonNull(serverVersion);
        this.findings = List.copyOf(findings);
    }

    /** What happened to the consumer. */
    public Action getAction() {
        return action;
    }

    /** The consumer as read back after provisioning (its configuration is the effective one). */
    public ConsumerInfo getConsumerInfo() {
        return consumerInfo;
    }

    /** The differences an update fixed (empty unless {@link Action#UPDATED}). */
    public Drift getChanges() {
        return changes;
    }

    /** The differences left after reading the configuration back (empty when the consumer matches). */
    public Drift getDrift() {
        return drift;
    }

    /** The version of the server that was provisioned. */
    public ServerVersion getServerVersion() {
        return serverVersion;
    }

    /**
     * The contract's lint findings for the connected server's version and the live stream's configuration (warnings
     * and infos; errors only when the provisioner's {@code failOnLintErrors} is off, since otherwise they refuse) and
     * findings about the dead-letter and advisory streams (e.g. DLQ-003).
     */
    public List<Finding> getFindings() {
        return findings;
    }

    @Override
    public String toString() {
        return "ProvisionResult{" + action + ", server " + serverVersion + ", changes="
                + changes.getDifferences().size() + ", drift="
                + drift.getDifferences().size() + ", findings=" + findings + "}";
    }
}
