package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerHealth;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.Finding;
import dev.jscontract.contract.ProvisionResult;
import dev.jscontract.contract.Severity;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running consumer behind {@code ContractConsumer}: lints and provisions the contract, then starts the {@link
 * RuntimeParts} and owns the lifecycle NEW → RUNNING → DRAINING → CLOSED (or FAILED when start fails). The health
 * while running (PAUSED, RECOVERING, HALTED) comes from the {@link HealthTracker}, which the parts report to.
 */
public final class ConsumerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerRuntime.class);

    private final Settings settings;
    private final ConsumerContract contract;
    private final EventBus events;
    private final HealthTracker health;
    private @Nullable ProvisionResult provisionResult;
    private @Nullable RuntimeParts parts;

    /** A runtime for validated settings; nothing happens until {@link #start()}. */
    public ConsumerRuntime(Settings settings) {
        this.settings = settings;
        this.contract = settings.contract();
        this.events = new EventBus(settings.listeners(), settings.clock(), contract.getStream(), contract.getDurable());
        this.health = new HealthTracker(events);
    }

    /** The state. */
    public ConsumerState state() {
        return health.state();
    }

    /** The health. */
    public ConsumerHealth health() {
        return health.health();
    }

    /** The provisioning result, once started. */
    public synchronized @Nullable ProvisionResult provisionResult() {
        return provisionResult;
    }

    /** The effective heartbeat interval, once started (null when heartbeats are off). */
    public synchronized @Nullable Duration heartbeatInterval() {
        return parts == null ? null : parts.heartbeatInterval;
    }

    /** How many times a listener threw. */
    public long listenerFailures() {
        return events.failures();
    }

    /** Messages received and not yet settled, plus held ones. */
    public synchronized int inFlight() {
        return parts == null ? 0 : parts.inFlight();
    }

    /**
     * Lints, provisions and starts pulling.
     *
     * @throws IllegalStateException when not NEW, or the heartbeat interval cannot keep the read-back deadline
     */
    public synchronized void start() {
        if (health.lifecycle() != ConsumerState.NEW) {
            throw new IllegalStateException("start() can be called once, on a NEW consumer, but the consumer "
                    + contract.getStream() + "/" + contract.getDurable() + " is " + health.state()
                    + "; build a new ContractConsumer to run it again");
        }
        RuntimeParts p = null;
        try {
            ProvisionResult result = ContractProvisioner.builder(settings.connection())
                    .mode(settings.mode())
                    .failOnDrift(true)
                    .deadLetterStreams(settings.createDeadLetterStreams())
                    .build()
                    .provision(contract);
            provisionResult = result;
            logFindings(result);
            p = RuntimeParts.assemble(settings, events, health, result);
            parts = p;
            health.lifecycle(ConsumerState.RUNNING);
            p.start();
            LOG.info(p.describe(result));
        } catch (RuntimeException | Error e) {
            health.lifecycle(ConsumerState.FAILED);
            if (p != null) {
                p.release();
            }
            throw e;
        }
    }

    private void logFindings(ProvisionResult result) {
        for (Finding f : result.getFindings()) {
            if (f.getSeverity() == Severity.INFO) {
                LOG.info(
                        "consumer {}/{}: {} {}",
                        contract.getStream(),
                        contract.getDurable(),
                        f.getRuleId(),
                        f.getMessage());
            } else {
                LOG.warn(
                        "consumer {}/{}: lint {} {}: {} (fix: {}; or suppress it in the contract with the reason)",
                        contract.getStream(),
                        contract.getDurable(),
                        f.getSeverity().label(),
                        f.getRuleId(),
                        f.getMessage(),
                        f.getFix());
            }
        }
    }

    /**
     * Stops pulling, waits until every received message is settled (or the timeout passes), then closes.
     *
     * @return true when every received message was settled
     */
    public boolean drain(Duration timeout) {
        RuntimeParts p;
        synchronized (this) {
            if (!health.lifecycle().isActive()) {
                boolean wasNew = health.lifecycle() == ConsumerState.NEW;
                closeNow();
                return wasNew || health.lifecycle() == ConsumerState.CLOSED;
            }
            health.lifecycle(ConsumerState.DRAINING);
            p = parts;
        }
        if (p == null) {
            close();
            return true;
        }
        p.pausePulling();
        // Wait until nothing is in flight and no pull is open: a pull the server still holds could deliver a message
        // after we unsubscribe, and that delivery would only come back after its ack deadline, one delivery used up.
        // An idle consumer's open pull ends at its expiry (pullExpiry), so draining an idle consumer takes up to that
        // long. The sweeper's open pull is not waited for: its consumer has no delivery limit, so an advisory sent
        // to a closed inbox just comes back later.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!p.isDrained() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean settled = p.allSettled();
        if (!settled) {
            LOG.warn(
                    "consumer {}/{}: drain timed out after {} with {} message(s) unsettled; their handlers are"
                            + " interrupted and the messages released for redelivery (not counted as failures)",
                    contract.getStream(),
                    contract.getDurable(),
                    timeout,
                    p.inFlight());
        } else if (!p.isDrained()) {
            LOG.info(
                    "consumer {}/{}: drain abandons {} open pull(s) at the timeout; a message the server sends for"
                            + " them is redelivered after its ack deadline",
                    contract.getStream(),
                    contract.getDurable(),
                    p.engine.requested());
        }
        flush();
        synchronized (this) {
            closeNow();
        }
        return settled;
    }

    /** Makes sure the acks, NAKs and terms sent so far have reached the server before the caller moves on. */
    private void flush() {
        try {
            settings.connection().flush(Duration.ofSeconds(2));
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.info(
                    "consumer {}/{}: could not flush the connection after draining: {}",
                    contract.getStream(),
                    contract.getDurable(),
                    e.toString());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops immediately: handlers are interrupted, and the messages they were working on (or waiting with) are
     * released for redelivery, not counted as failures.
     */
    public synchronized void close() {
        closeNow();
    }

    private void closeNow() {
        ConsumerState lifecycle = health.lifecycle();
        if (lifecycle == ConsumerState.CLOSED) {
            return;
        }
        RuntimeParts p = parts;
        if (p != null) {
            p.release();
        }
        if (lifecycle != ConsumerState.FAILED) {
            health.lifecycle(ConsumerState.CLOSED);
        }
        LOG.info("consumer {}/{} closed", contract.getStream(), contract.getDurable());
    }
}
