package dev.jscontract.contract;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.contract.internal.DriftCalculator;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or updates the consumer a contract describes, reads its configuration back, and reports drift (UPD-001);
 * on request also creates the dead-letter stream and the stream that captures MAX_DELIVERIES advisories.
 *
 * <pre>{@code
 * ProvisionResult r = ContractProvisioner.builder(connection).build().provision(contract);
 * // r.getAction(): CREATED / UPDATED / UNCHANGED; drift after read-back throws ContractDriftException
 *
 * Drift d = ContractProvisioner.builder(connection).mode(Mode.VERIFY_ONLY).failOnDrift(false).build()
 *     .provision(contract).getDrift(); // never writes
 * }</pre>
 *
 * <p>Behaviour by server version: on 2.10+ a missing consumer is created with {@code action: create} and an existing
 * one updated with {@code action: update} (10148 / 10149 when another process raced us, handled by reading again);
 * 2.9 ignores {@code action} (B-20, UPD-003), so add-or-update is used after an explicit existence check. A change to
 * an immutable field (B-18, UPD-002) is never attempted: it is reported with the delete-and-recreate migration, and
 * nothing is written. The source stream must exist; jscontract never creates it.
 *
 * <p>Thread-safe; does not own the connection.
 */
public final class ContractProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(ContractProvisioner.class);
    private static final ServerVersion FILTER_UPDATE_FIXED = ServerVersion.parse("2.9.12");
    private static final int CONSUMER_NOT_FOUND = 10014;
    static final int STREAM_NOT_FOUND = 10059;
    private static final int CONSUMER_EXISTS = 10148;
    private static final int CONSUMER_DOES_NOT_EXIST = 10149;

    /** Whether the provisioner may write. */
    public enum Mode {
        /** Create a missing consumer, update mutable differences, then verify (the default). */
        CREATE_OR_UPDATE,
        /** Never write: read the consumer and report drift (a missing consumer is an error). */
        VERIFY_ONLY
    }

    private final Connection connection;
    private final Mode mode;
    private final boolean failOnDrift;
    private final boolean failOnLintErrors;
    private final boolean deadLetterStreams;

    private ContractProvisioner(Builder b) {
        this.connection = b.connection;
        this.mode = b.mode;
        this.failOnDrift = b.failOnDrift;
        this.failOnLintErrors = b.failOnLintErrors;
        this.deadLetterStreams = b.deadLetterStreams;
    }

    /** A builder over a connection (not owned). */
    public static Builder builder(Connection connection) {
        return new Builder(Checks.notNull(connection, "connection"));
    }

    /**
     * Lints the contract against its live stream for the connected server's version ({@link
     * ContractLinter#lint(ConsumerContract, StreamConfiguration, ServerVersion, LintOptions)}: rules such as MD-003
     * depend on the stream's retention and replicas), provisions its consumer (and, if configured, its dead-letter
     * streams) and verifies it. The lint findings that are not errors (warnings, infos) are in {@link
     * ProvisionResult#getFindings()}, together with findings about the dead-letter streams (DLQ-003 also for a
     * dead-letter stream the provisioner does not manage). In VERIFY_ONLY mode the streams are only read.
     *
     * @throws ContractLintException when the contract has lint errors (and {@code failOnLintErrors}, the default):
     *     nothing is written
     * @throws ContractDriftException when drift remains (and {@code failOnDrift}, the default), or an immutable
     *     field would have to change
     * @throws UnsupportedServerFeatureException when the contract uses a feature the server would drop
     * @throws ContractProvisioningException when the server refuses a request, or the stream or (in verify-only
     *     mode) the consumer does not exist
     */
    public ProvisionResult provision(ConsumerContract contract) {
        Checks.notNull(contract, "contract");
        ServerVersion version = ServerVersion.of(connection);
        ConsumerConfiguration desired = contract.toConsumerConfiguration(version);
        String name = contract.getStream() + "/" + contract.getDurable();
        JetStreamManagement jsm = jsm();
        StreamConfiguration stream = requireStream(jsm, contract.getStream());

        LintReport lint = ContractLinter.lint(contract, stream, version, LintOptions.none());
        if (lint.hasErrors()) {
            if (failOnLintErrors) {
                throw new ContractLintException(lint, "consumer " + name);
            }
            LOG.warn(
                    "consumer {} is provisioned despite lint errors (failOnLintErrors is off):\n{}",
                    name,
                    lint.toText());
        }
        List<Finding> findings = new ArrayList<>(lint.getFindings());
        if (contract.getDeadLetterPolicy().isEnabled()) {
            findings.addAll(
                    deadLetterStreams
                            ? DeadLetterStreams.provision(jsm, contract, mode == Mode.CREATE_OR_UPDATE)
                            : DeadLetterStreams.lintUnmanaged(jsm, contract));
        }

        ConsumerInfo existing = consumerInfo(jsm, contract.getStream(), contract.getDurable());
        // 2.9 before 2.9.12 accepts a filter update but does not rebuild the filter state (B-19, docs/semantics.md)
        boolean filterMutable = version.isAtLeast(FILTER_UPDATE_FIXED);
        if (mode == Mode.VERIFY_ONLY) {
            if (existing == null) {
                throw new ContractProvisioningException("consumer " + name + " does not exist and the provisioner is"
                        + " in VERIFY_ONLY mode, which never writes; create it (CREATE_OR_UPDATE mode) or check the"
                        + " stream and durable names");
            }
            Drift drift = drift(desired, existing.getConsumerConfiguration(), filterMutable, name);
            checkDrift(name, drift, "verify only");
            return new ProvisionResult(
                    ProvisionResult.Action.VERIFIED, existing, Drift.none(), drift, version, findings);
        }

        ProvisionResult.Action action;
        Drift changes = Drift.none();
        if (existing == null) {
            create(jsm, contract.getStream(), desired, version, name);
            action = ProvisionResult.Action.CREATED;
            LOG.info("created consumer {} on nats-server {}", name, version);
        } else {
            changes = drift(desired, existing.getConsumerConfiguration(), filterMutable, name);
            if (changes.hasImmutableChanges()) {
                throw new ContractDriftException(
                        name, changes, "an update would change immutable fields; nothing" + " was written (UPD-002)");
            }
            if (changes.isEmpty()) {
                action = ProvisionResult.Action.UNCHANGED;
            } else {
                update(jsm, contract.getStream(), desired, version, name);
                action = ProvisionResult.Action.UPDATED;
                LOG.info("updated consumer {} on nats-server {}:\n{}", name, version, changes.toText());
            }
        }
        ConsumerInfo readBack = consumerInfo(jsm, contract.getStream(), contract.getDurable());
        if (readBack == null) {
            throw new ContractProvisioningException("consumer " + name + " disappeared right after it was "
                    + action.name().toLowerCase(java.util.Locale.ROOT) + "; another process deletes it (check for"
                    + " an inactive_threshold or a cleanup job)");
        }
        Drift drift = drift(desired, readBack.getConsumerConfiguration(), filterMutable, name);
        checkDrift(name, drift, "read back after " + action.name().toLowerCase(java.util.Locale.ROOT));
        return new ProvisionResult(action, readBack, changes, drift, version, findings);
    }

    private void checkDrift(String name, Drift drift, String context) {
        if (!drift.isEmpty()) {
            if (failOnDrift) {
                throw new ContractDriftException(name, drift, context);
            }
            LOG.warn("consumer {} does not match its contract ({}):\n{}", name, context, drift.toText());
        }
    }

    private static Drift drift(
            ConsumerConfiguration desired, ConsumerConfiguration actual, boolean filterMutable, String name) {
        List<Drift.Difference> out = new ArrayList<>();
        for (DriftCalculator.Diff d : DriftCalculator.diff(desired, actual, filterMutable, name)) {
            out.add(new Drift.Difference(d.field(), d.expected(), d.actual(), Drift.Kind.valueOf(d.kind()), d.fix()));
        }
        return new Drift(out);
    }

    private void create(
            JetStreamManagement jsm, String stream, ConsumerConfiguration cc, ServerVersion v, String name) {
        try {
            if (v.isAtLeast(ServerVersion.V2_10_0)) {
                jsm.createConsumer(stream, cc);
            } else {
                // 2.9 ignores action: this is add-or-update, and we checked that it does not exist (UPD-003)
                jsm.addOrUpdateConsumer(stream, cc);
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_EXISTS) {
                // created concurrently by another instance: update to the contract instead
                LOG.info("consumer {} was created concurrently; updating it to the contract", name);
                update(jsm, stream, cc, v, name);
                return;
            }
            throw refused("create consumer " + name, e);
        } catch (IOException e) {
            throw unreachable("create consumer " + name, e);
        }
    }

    private void update(
            JetStreamManagement jsm, String stream, ConsumerConfiguration cc, ServerVersion v, String name) {
        try {
            if (v.isAtLeast(ServerVersion.V2_10_0)) {
                jsm.updateConsumer(stream, cc);
            } else {
                jsm.addOrUpdateConsumer(stream, cc);
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_DOES_NOT_EXIST) {
                LOG.info("consumer {} was deleted concurrently; creating it", name);
                create(jsm, stream, cc, v, name);
                return;
            }
            throw refused("update consumer " + name, e);
        } catch (IOException e) {
            throw unreachable("update consumer " + name, e);
        }
    }

    /** The source stream's configuration, which the lint reads (it is never written). */
    private static StreamConfiguration requireStream(JetStreamManagement jsm, String stream) {
        try {
            return jsm.getStreamInfo(stream).getConfiguration();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                throw new ContractProvisioningException(
                        "stream " + stream + " does not exist on the server; create"
                                + " it first (jscontract provisions consumers and dead-letter streams, never source streams)",
                        e);
            }
            throw refused("read stream " + stream, e);
        } catch (IOException e) {
            throw unreachable("read stream " + stream, e);
        }
    }

    private static @Nullable ConsumerInfo consumerInfo(JetStreamManagement jsm, String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                return null;
            }
            throw refused("read consumer " + stream + "/" + durable, e);
        } catch (IOException e) {
            throw unreachable("read consumer " + stream + "/" + durable, e);
        }
    }

    private JetStreamManagement jsm() {
        try {
            return connection.jetStreamManagement();
        } catch (IOException e) {
            throw unreachable("open JetStream management", e);
        }
    }

    static ContractProvisioningException refused(String what, JetStreamApiException e) {
        return new ContractProvisioningException(
                "the server refused to " + what + ": " + e.getErrorDescription()
                        + " (code " + e.getErrorCode() + ", err_code " + e.getApiErrorCode()
                        + "); fix the contract or the"
                        + " server configuration accordingly",
                e);
    }

    static ContractProvisioningException unreachable(String what, IOException e) {
        return new ContractProvisioningException(
                "could not " + what + ": " + e.getMessage() + "; check that the"
                        + " connection is up and JetStream is enabled on the server",
                e);
    }

    @Override
    public String toString() {
        return "ContractProvisioner{mode=" + mode + ", failOnDrift=" + failOnDrift + ", failOnLintErrors="
                + failOnLintErrors + ", deadLetterStreams=" + deadLetterStreams + "}";
    }

    /** Builds a {@link ContractProvisioner}. */
    public static final class Builder {
        private final Connection connection;
        private Mode mode = Mode.CREATE_OR_UPDATE;
        private boolean failOnDrift = true;
        private boolean failOnLintErrors = true;
        private boolean deadLetterStreams = true;
        private boolean modeSet;
        private boolean failSet;
        private boolean lintSet;
        private boolean dlqSet;

        private Builder(Connection connection) {
            this.connection = connection;
        }

        /** {@link Mode#CREATE_OR_UPDATE} (default) or {@link Mode#VERIFY_ONLY}. */
        public Builder mode(Mode mode) {
            Objects.requireNonNull(mode, "mode");
            if (modeSet) {
                Checks.once(true, "mode", this.mode);
            }
            modeSet = true;
            this.mode = mode;
            return this;
        }

        /** Whether remaining drift throws {@link ContractDriftException} (default true) or is only reported. */
        public Builder failOnDrift(boolean failOnDrift) {
            if (failSet) {
                Checks.once(true, "failOnDrift", null);
            }
            failSet = true;
            this.failOnDrift = failOnDrift;
            return this;
        }

        /**
         * Whether lint errors for the connected server's version throw {@link ContractLintException} before anything
         * is written (default true) or are only logged and reported. Suppress a rule that does not apply in the
         * contract instead ({@code suppress(ruleId, reason)}); turn this off only in tools that provision contracts
         * they do not own.
         */
        public Builder failOnLintErrors(boolean failOnLintErrors) {
            if (lintSet) {
                Checks.once(true, "failOnLintErrors", null);
            }
            lintSet = true;
            this.failOnLintErrors = failOnLintErrors;
            return this;
        }

        /**
         * Whether to create the dead-letter stream and the advisory capture stream when missing (default true). In
         * VERIFY_ONLY mode nothing is created: a missing stream becomes an MD-002 finding in the result. When false,
         * an existing dead-letter stream is still read and linted (DLQ-003 in the result), never written.
         */
        public Builder deadLetterStreams(boolean create) {
            if (dlqSet) {
                Checks.once(true, "deadLetterStreams", null);
            }
            dlqSet = true;
            this.deadLetterStreams = create;
            return this;
        }

        /** Builds the provisioner. */
        public ContractProvisioner build() {
            return new ContractProvisioner(this);
        }
    }
}
