package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ProvisionResult;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.RetentionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a started consumer, wired together: the pull engine and its handler threads, the heartbeat monitor,
 * the pipeline, the sweeper's engine and thread, the timer and the I/O thread, and the connection listener. Built by
 * {@link #assemble}, started by {@link #start()}, torn down by {@link #release()}; {@link ConsumerRuntime} owns the
 * lifecycle around them.
 *
 * <p>Threads: {@code concurrency} handler threads and one sweeper thread (owned), a timer (the caller's scheduler,
 * or an owned single thread), and one owned I/O thread for blocking calls that must not delay heartbeats (settling
 * timed-out attempts, connection probes, reading consumer info). The connection is the caller's and is never closed.
 */
final class RuntimeParts {
    private static final Logger LOG = LoggerFactory.getLogger(RuntimeParts.class);
    private static final Duration WORKER_STOP_WAIT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final long INFO_WARN_INTERVAL_MILLIS = 60_000;

    private final Settings settings;
    private final ConsumerContract contract;
    private final EventBus events;
    private final HealthTracker health;
    final Deadlines deadlines;
    final @Nullable Duration heartbeatInterval;
    final PullEngine engine;
    final PullTransport transport;
    private final WorkerPool workers;
    private final MessagePipeline pipeline;
    private final HeartbeatMonitor monitor;
    private final @Nullable RateWindow rateWindow;
    private final @Nullable PullEngine sweeperEngine;
    private final @Nullable WorkerPool sweeperWorkers;
    private final @Nullable DeadLetterWriter writer;
    private final boolean sweeping;
    private final ScheduledExecutorService scheduler;
    private final @Nullable ScheduledExecutorService ownedScheduler;
    private final ExecutorService io;
    private final JetStreamManagement jsm;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final ConnectionListener connectionListener;
    private long lastInfoWarnMillis;

    private RuntimeParts(Settings settings, EventBus events, HealthTracker health, ProvisionResult provisioned) {
        this.settings = settings;
        this.contract = settings.contract();
        this.events = events;
        this.health = health;
        Connection nc = settings.connection();
        this.deadlines = Deadlines.of(provisioned.getConsumerInfo().getConsumerConfiguration());
        this.heartbeatInterval = HeartbeatIntervals.effective(contract, deadlines);
        JetStream js;
        try {
            js = nc.jetStream();
            this.jsm = nc.jetStreamManagement();
        } catch (IOException e) {
            throw new IllegalStateException("could not open JetStream on the connection: " + e.getMessage(), e);
        }
        this.writer = contract.getDeadLetterPolicy().isEnabled()
                ? new DeadLetterWriter(
                        js,
                        contract.getDeadLetterPolicy().subjectFor(contract.getStream(), contract.getDurable()),
                        contract.getDeadLetterPolicy().streamFor(contract.getStream()),
                        settings.deadLetterPublishTimeout())
                : null;
        this.sweeping = writer != null && settings.sweeper() && contract.hasFiniteMaxDeliver();
        RetentionPolicy retention = sweeping ? Sweeper.retentionOf(jsm, contract.getStream()) : RetentionPolicy.Limits;
        if (sweeping) {
            Sweeper.provision(jsm, contract, settings.mode());
        }

        String name = "jsc-" + contract.getDurable();
        ScheduledExecutorService s = settings.scheduler();
        if (s == null) {
            s = Executors.newSingleThreadScheduledExecutor(daemon(name + "-timer"));
            this.ownedScheduler = s;
        } else {
            this.ownedScheduler = null;
        }
        this.scheduler = s;
        this.io = Executors.newSingleThreadExecutor(daemon(name + "-io"));

        this.transport = new JnatsPullTransport(nc);
        PullPlanner planner = planner(contract, deadlines);
        this.engine = new PullEngine(
                transport,
                contract.getStream(),
                contract.getDurable(),
                planner,
                settings.pullExpiry(),
                settings.clock(),
                events,
                health,
                settings.pullErrorBudget());
        if (settings.gate() != null) {
            engine.gate(settings.gate()::allowsPulling);
        }
        engine.prober(() -> submitIo(() -> engine.probed(transport.ping(PROBE_TIMEOUT))));
        if (heartbeatInterval != null) {
            engine.parking(heartbeatInterval);
        }
        this.rateWindow = settings.rateGuard() == null ? null : new RateWindow(settings.rateGuard());
        MessagePipeline[] pipelineRef = new MessagePipeline[1];
        this.monitor = new HeartbeatMonitor(
                contract.getEffectiveConcurrency(),
                heartbeatInterval,
                contract.getMaxProcessingTime().orElse(null),
                new HeartbeatMonitor.Callbacks() {
                    @Override
                    public void heartbeatSent(Attempt attempt, Instant now) {
                        if (events.enabled()) {
                            events.publish(new ConsumerEvent.HeartbeatSent(
                                    now,
                                    contract.getStream(),
                                    contract.getDurable(),
                                    attempt.streamSequence(),
                                    attempt.deliveryCount(),
                                    Duration.between(attempt.receivedAt(), now)));
                        }
                    }

                    @Override
                    public void timedOut(Attempt attempt, Instant now) {
                        processingTimedOut(attempt, now, pipelineRef[0]);
                    }

                    @Override
                    public void running(Attempt attempt, Duration elapsed) {
                        AdaptivePrefetch p = planner.adaptive();
                        if (p != null) {
                            p.handlerRunning(elapsed); // a handler that slows down stops the prefetch before it returns
                        }
                    }
                });
        this.pipeline = new MessagePipeline(
                contract,
                deadlines,
                settings.invoker(),
                settings.classifier(),
                settings.gate(),
                writer,
                rateWindow,
                monitor,
                events,
                settings.clock(),
                settings.instance(),
                engine);
        pipelineRef[0] = pipeline;
        this.workers = new WorkerPool(
                name, contract.getEffectiveConcurrency(), pipeline::process, engine, this::handlerThreadDied);

        if (sweeping) {
            Sweeper sweeper =
                    new Sweeper(jsm, contract, writer, events, settings.clock(), settings.instance(), retention);
            this.sweeperEngine = new PullEngine(
                    transport,
                    Sweeper.advisoryStreamFor(contract),
                    Sweeper.durableFor(contract),
                    new PullPlanner(1, 1),
                    settings.pullExpiry(),
                    settings.clock(),
                    events,
                    null,
                    settings.pullErrorBudget());
            PullEngine sweepPull = sweeperEngine;
            sweepPull.prober(() -> submitIo(() -> sweepPull.probed(transport.ping(PROBE_TIMEOUT))));
            this.sweeperWorkers = new WorkerPool(
                    name + "-sweeper", 1, (slot, m) -> sweeper.process(m), sweepPull, this::handlerThreadDied);
        } else {
            this.sweeperEngine = null;
            this.sweeperWorkers = null;
        }
        this.connectionListener = (conn, type) -> {
            if (type == ConnectionListener.Events.RESUBSCRIBED) {
                engine.reconnected();
                if (sweeperEngine != null) {
                    sweeperEngine.reconnected();
                }
            } else if (type == ConnectionListener.Events.CLOSED) {
                engine.closed();
            }
        };
    }

    /** Builds the parts for a provisioned consumer (nothing runs until {@link #start()}). */
    static RuntimeParts assemble(Settings settings, EventBus events, HealthTracker health, ProvisionResult r) {
        return new RuntimeParts(settings, events, health, r);
    }

    /** Starts the timer tasks, the pulls and the threads. */
    void start() {
        settings.connection().addConnectionListener(connectionListener);
        long tickMillis = monitor.tickPeriod().toMillis();
        tasks.add(scheduler.scheduleAtFixedRate(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS));
        if (events.enabled()) {
            long infoMillis = settings.consumerInfoInterval().toMillis();
            tasks.add(scheduler.scheduleAtFixedRate(
                    () -> submitIo(this::sampleConsumerInfo), 0, infoMillis, TimeUnit.MILLISECONDS));
        }
        engine.start();
        workers.start();
        if (sweeperEngine != null && sweeperWorkers != null) {
            sweeperEngine.start();
            sweeperWorkers.start();
        }
    }

    /**
     * The pull planner: a declared batch size or expected p99 fixes the batch (and is linted); without either, the
     * prefetch adapts to the observed handler times (one message per thread while they stay within a quarter of the
     * first ack deadline, capped by max ack pending per instance).
     */
    static PullPlanner planner(ConsumerContract contract, Deadlines deadlines) {
        int threads = contract.getEffectiveConcurrency();
        if (contract.getBatchSize().isPresent() || contract.getExpectedP99().isPresent()) {
            return new PullPlanner(threads, contract.getEffectiveBatchSize());
        }
        int room = contract.getMaxAckPending().isPresent()
                ? contract.getMaxAckPending().getAsInt() / contract.getEffectiveInstances() - threads
                : threads;
        return new PullPlanner(
                threads, new AdaptivePrefetch(Math.max(0, Math.min(threads, room)), deadlines.forDelivery(1)));
    }

    /** The line logged at start. */
    String describe(ProvisionResult r) {
        PullPlanner planner = engine.planner();
        return "consumer " + contract.getStream() + "/" + contract.getDurable() + " started (" + r.getAction()
                + " on nats-server " + r.getServerVersion() + "): concurrency " + planner.concurrency()
                + (planner.adaptive() != null
                        ? ", adaptive prefetch (up to " + planner.adaptive().maxPrefetch()
                                + " while handlers take at most "
                                + planner.adaptive().budget() + ")"
                        : ", batch " + planner.batchSize())
                + ", ack deadline " + deadlines.forDelivery(1) + ", heartbeat "
                + (heartbeatInterval == null ? "off" : heartbeatInterval) + ", max processing time "
                + contract.getMaxProcessingTime().map(Duration::toString).orElse("unbounded") + ", dead letters "
                + (writer == null ? "off (terminate)" : writer.stream() + " <- " + writer.subject()) + ", sweeper "
                + (sweeping ? "on" : "off") + ", instance " + settings.instance();
    }

    private void processingTimedOut(Attempt attempt, Instant now, MessagePipeline p) {
        LOG.warn(
                "consumer {}/{}: message {} (delivery {}) exceeded maxProcessingTime {}; failing the attempt and"
                        + " interrupting its handler",
                contract.getStream(),
                contract.getDurable(),
                attempt.streamSequence(),
                attempt.deliveryCount(),
                contract.getMaxProcessingTime().orElse(null));
        if (events.enabled()) {
            events.publish(new ConsumerEvent.ProcessingTimedOut(
                    now,
                    contract.getStream(),
                    contract.getDurable(),
                    attempt.streamSequence(),
                    attempt.deliveryCount(),
                    contract.getMaxProcessingTime().orElse(Duration.ZERO)));
        }
        if (!submitIo(() -> p.settleTimedOut(attempt))) {
            LOG.debug("consumer closing; timed-out message {} left for redelivery", attempt.streamSequence());
        }
    }

    private void handlerThreadDied(Error e) {
        health.problem(
                Problem.HANDLER_THREAD_DIED,
                true,
                "a handler thread died of " + e + "; the consumer stopped pulling and its messages come back after"
                        + " their ack deadline. The process is in trouble: restart it");
    }

    private void tick() {
        try {
            Instant now = settings.clock().instant();
            monitor.tick(now);
            if (monitor.anyWaiting(now)) {
                engine.park(now); // nothing takes what is buffered behind a held message: heartbeat it meanwhile
            }
            engine.heartbeatParked(now);
            RateWindow rate = rateWindow;
            if (rate != null && rate.resumeIfDue(now)) {
                engine.resume(PauseCause.DEAD_LETTER_RATE);
            }
            engine.maintain();
            if (sweeperEngine != null) {
                sweeperEngine.maintain();
            }
        } catch (RuntimeException ex) {
            // a scheduled task that throws is never run again: log and keep ticking
            LOG.error("consumer {}/{}: timer tick failed", contract.getStream(), contract.getDurable(), ex);
        }
    }

    /** Runs {@code r} on the I/O thread; false when it is shut down. */
    private boolean submitIo(Runnable r) {
        try {
            io.execute(r);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void sampleConsumerInfo() {
        events.publish(new ConsumerEvent.BufferSampled(
                events.now(),
                contract.getStream(),
                contract.getDurable(),
                engine.planner().prefetch(),
                engine.buffered(),
                engine.oldestBufferedAge()));
        try {
            ConsumerInfo ci = jsm.getConsumerInfo(contract.getStream(), contract.getDurable());
            events.publish(new ConsumerEvent.ConsumerInfoSampled(
                    events.now(),
                    contract.getStream(),
                    contract.getDurable(),
                    ci.getNumPending(),
                    ci.getNumAckPending(),
                    ci.getRedelivered(),
                    ci.getNumWaiting()));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            long now = settings.clock().millis();
            boolean loud = now - lastInfoWarnMillis >= INFO_WARN_INTERVAL_MILLIS;
            if (loud) {
                lastInfoWarnMillis = now;
                LOG.warn(
                        "consumer {}/{}: could not read consumer info for the pending gauges: {} (logged once a"
                                + " minute while it lasts)",
                        contract.getStream(),
                        contract.getDurable(),
                        e.toString());
            } else {
                LOG.debug(
                        "consumer {}/{}: could not read consumer info: {}",
                        contract.getStream(),
                        contract.getDurable(),
                        e.toString());
            }
        }
    }

    /** Stops pulling (a drain): in-flight work goes on. */
    void pausePulling() {
        engine.pause(PauseCause.DRAIN);
        if (sweeperEngine != null) {
            sweeperEngine.pause(PauseCause.DRAIN);
        }
    }

    /** Whether every received message is settled and no pull is open (the sweeper's open pull is not waited for). */
    boolean isDrained() {
        return engine.isIdle() && (sweeperEngine == null || sweeperEngine.inFlight() <= 0);
    }

    /** Whether every received message is settled. */
    boolean allSettled() {
        return engine.inFlight() <= 0 && (sweeperEngine == null || sweeperEngine.inFlight() <= 0);
    }

    /**
     * Stops everything: timer tasks, the connection listener, pulls, then the handler threads (interrupted; a running
     * handler's message is released), the I/O thread and an owned timer.
     */
    void release() {
        for (ScheduledFuture<?> t : tasks) {
            t.cancel(false);
        }
        tasks.clear();
        try {
            settings.connection().removeConnectionListener(connectionListener);
        } catch (RuntimeException e) {
            LOG.debug("could not remove the connection listener: {}", e.toString());
        }
        quietly("stop pulling", engine::stop);
        if (sweeperEngine != null) {
            quietly("stop the sweeper's pulls", sweeperEngine::stop);
        }
        pipeline.stop();
        boolean stopped = workers.stop(WORKER_STOP_WAIT);
        if (sweeperWorkers != null) {
            stopped &= sweeperWorkers.stop(WORKER_STOP_WAIT);
        }
        pipeline.closed();
        if (!stopped) {
            LOG.warn(
                    "consumer {}/{}: a handler thread did not end within {} of being interrupted; it is left running,"
                            + " and its message comes back after its ack deadline (make handlers respond to"
                            + " interruption)",
                    contract.getStream(),
                    contract.getDurable(),
                    WORKER_STOP_WAIT);
        }
        io.shutdownNow();
        if (ownedScheduler != null) {
            ownedScheduler.shutdownNow();
        }
    }

    /** Messages received and not yet settled. */
    int inFlight() {
        return engine.inFlight();
    }

    private void quietly(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warn(
                    "consumer {}/{}: could not {} while closing: {}",
                    contract.getStream(),
                    contract.getDurable(),
                    what,
                    e.toString());
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }
}
