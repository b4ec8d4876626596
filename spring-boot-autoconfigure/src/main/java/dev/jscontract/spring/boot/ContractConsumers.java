package dev.jscontract.spring.boot;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's contract consumers, started and drained with the application context. Created by the
 * auto-configuration; inject it to look consumers up ({@link #get(String)}), e.g. in tests or health checks.
 *
 * <p><b>Start</b> ({@link SmartLifecycle}, phase {@value #PHASE}): after every singleton exists, each consumer is
 * built and started in the order of its contract's declaration: provisioned on the server, read back and compared
 * with the contract, then pulling. A consumer that cannot start (lint errors, drift, refused provisioning, missing
 * stream) fails the start with its own message, and the consumers started before it are closed; with {@code
 * jscontract.consumer.fail-fast=false} the failure is logged and kept ({@link #getStartFailures()}), the consumer is
 * left out, and its health is DOWN.
 *
 * <p><b>Stop</b>: all consumers drain at once (stop pulling, let handlers finish, settle, flush), within {@code
 * spring.lifecycle.timeout-per-shutdown-phase} (default 30 s); a message still unsettled then is redelivered by the
 * server after its ack deadline. Stop runs before the NATS connection and the DataSource are closed.
 *
 * <p>Thread-safe.
 */
public final class ContractConsumers implements SmartLifecycle {
    /**
     * The lifecycle phase: late start, early stop (before the outbox relay, phase {@code DEFAULT_PHASE - 200}, and the
     * web server's graceful shutdown).
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

    private static final Logger LOG = LoggerFactory.getLogger(ContractConsumers.class);

    private final Map<String, ConsumerContract> contracts;
    private final Function<String, ContractConsumer> factory;
    private final Duration shutdownTimeout;
    private final boolean failFast;
    private final boolean autoStartup;
    private final Map<String, ContractConsumer> consumers = new LinkedHashMap<>();
    private final Map<String, RuntimeException> failures = new LinkedHashMap<>();
    private boolean running;

    /**
     * Consumers for {@code contracts}, built by {@code factory} at start.
     *
     * @param contracts the contracts by name, in start order
     * @param factory builds the (unstarted) consumer of a contract name
     * @param shutdownTimeout how long {@link #stop(Runnable)} lets the consumers drain
     * @param failFast whether a consumer that cannot start fails {@link #start()}
     * @param autoStartup whether the context starts the consumers
     * @throws IllegalArgumentException when the timeout is negative
     */
    public ContractConsumers(
            Map<String, ConsumerContract> contracts,
            Function<String, ContractConsumer> factory,
            Duration shutdownTimeout,
            boolean failFast,
            boolean autoStartup) {
        this.contracts =
                Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(contracts, "contracts")));
        this.factory = Objects.requireNonNull(factory, "factory");
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must not be negative but was " + shutdownTimeout);
        }
        this.failFast = failFast;
        this.autoStartup = autoStartup;
    }

    /** The contracts by name, started or not. */
    public Map<String, ConsumerContract> getContracts() {
        return contracts;
    }

    /** The consumer of contract {@code name}, once started (also after stop, in state CLOSED). */
    public synchronized Optional<ContractConsumer> get(String name) {
        return Optional.ofNullable(consumers.get(name));
    }

    /** The consumers built so far, by contract name. */
    public synchronized Map<String, ContractConsumer> getConsumers() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(consumers));
    }

    /** Why consumers did not start, by contract name (only with {@code jscontract.consumer.fail-fast=false}). */
    public synchronized Map<String, RuntimeException> getStartFailures() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(failures));
    }

    /**
     * Builds and starts every consumer.
     *
     * @throws IllegalStateException when a consumer cannot start and fail-fast is on; the message names the contract
     *     and carries the consumer's own message
     */
    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (Map.Entry<String, ConsumerContract> e : contracts.entrySet()) {
            String name = e.getKey();
            ConsumerContract contract = e.getValue();
            try {
                ContractConsumer consumer = factory.apply(name);
                consumers.put(name, consumer);
                consumer.start();
                LOG.info("jscontract consumer '{}' ({}/{}) started", name, contract.getStream(), contract.getDurable());
            } catch (RuntimeException failure) {
                String message = "jscontract consumer '" + name + "' (" + contract.getStream() + "/"
                        + contract.getDurable() + ") did not start: " + failure.getMessage();
                if (failFast) {
                    closeAll();
                    running = false;
                    throw new IllegalStateException(
                            message + " (set jscontract.consumer.fail-fast=false to start the application without"
                                    + " it)",
                            failure);
                }
                LOG.error(
                        "{}; the application starts without it (jscontract.consumer.fail-fast=false)",
                        message,
                        failure);
                failures.put(name, failure);
            }
        }
    }

    /** Drains every consumer and waits for them (at most the shutdown timeout). */
    @Override
    public void stop() {
        drainAll().join();
    }

    /** Drains every consumer in the background and runs {@code callback} when all are done. */
    @Override
    public void stop(Runnable callback) {
        drainAll().whenComplete((ok, error) -> callback.run());
    }

    private CompletableFuture<Void> drainAll() {
        List<ContractConsumer> toDrain;
        synchronized (this) {
            if (!running) {
                return CompletableFuture.completedFuture(null);
            }
            running = false;
            toDrain = new ArrayList<>();
            for (Map.Entry<String, ContractConsumer> e : consumers.entrySet()) {
                if (failures.containsKey(e.getKey())) {
                    e.getValue().close(); // never started: nothing to drain
                } else {
                    toDrain.add(e.getValue());
                }
            }
        }
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (ContractConsumer consumer : toDrain) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread t = new Thread(
                    () -> {
                        try {
                            if (!consumer.drain(shutdownTimeout)) {
                                LOG.warn(
                                        "{} did not settle everything within {} (spring.lifecycle"
                                                + ".timeout-per-shutdown-phase); what is unsettled is redelivered after"
                                                + " its ack deadline",
                                        consumer,
                                        shutdownTimeout);
                            }
                        } catch (RuntimeException e) {
                            LOG.warn("draining {} failed; closing it", consumer, e);
                            consumer.close();
                        } finally {
                            done.complete(null);
                        }
                    },
                    "jscontract-drain-" + consumer.getContract().getDurable());
            t.setDaemon(true);
            t.start();
            drains.add(done);
        }
        return CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new));
    }

    private void closeAll() {
        for (ContractConsumer c : consumers.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
    }

    /** Closes every consumer at once (used when the context closes without a stop, e.g. after a failed start). */
    public synchronized void close() {
        running = false;
        closeAll();
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public String toString() {
        return "ContractConsumers" + contracts.keySet();
    }
}
