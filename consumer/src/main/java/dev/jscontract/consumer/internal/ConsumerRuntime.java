package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.PauseCause;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
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
 * The running consumer behind {@code ContractConsumer}: provisions, then wires the pull engine, handler threads,
 * heartbeat monitor, pipeline and sweeper, and owns their lifecycle.
 *
 * <p>Threads: the jnats dispatcher of each pull engine (created and closed here), {@code concurrency} handler threads
 * and one sweeper thread (owned), a timer (the caller's scheduler, or an owned single thread), and one owned I/O
 * thread for blocking calls that must not delay heartbeats (settling timed-out attempts, reading consumer info). The
 * connection is the caller's and is never closed here.
 */
public final class ConsumerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerRuntime.class);
    private static final Duration WORKER_STOP_WAIT = Duration.ofSeconds(5);

    private final Settings settings;
    private final ConsumerContract contract;
    private final EventBus events;
    private ConsumerState state = ConsumerState.NEW;

    private @Nullable ProvisionResult provisionResult;
    private @Nullable Duration heartbeatInterval;
    private @Nullable PullEngine engine;
    private @Nullable WorkerPool workers;
    private @Nullable MessagePipeline pipeline;
    private @Nullable HeartbeatMonitor monitor;
    private @Nullable RateWindow rateWindow;
    private @Nullable PullEngine sweeperEngine;
    private @Nullable WorkerPool sweeperWorkers;
    private @Nullable ScheduledExecutorService ownedScheduler;
    private @Nullable ExecutorService io;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private @Nullable ConnectionListener connectionListener;

    /** A runtime for validated settings; nothing happens until {@link #start()}. */
    public ConsumerRuntime(Settings settings) {
        this.settings = settings;
        this.contract = settings.contract();
        this.events = new EventBus(settings.listeners(), settings.clock(), contract.getStream(), contract.getDurable());
    }

    /** The state. */
    public synchronized ConsumerState state() {
        return state;
    }

    /** The provisioning result, once started. */
    public synchronized @Nullable ProvisionResult provisionResult() {
        return provisionResult;
    }

    /** The effective heartbeat interval, once started (null when heartbeats are off). */
    public synchronized @Nullable Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** How many times a listener threw. */
    public long listenerFailures() {
        return events.failures();
    }

    /** Messages received and not yet settled, plus held ones. */
    public synchronized int inFlight() {
        PullEngine e = engine;
        return e == null ? 0 : e.inFlight();
    }

    /**
     * Provisions and starts pulling.
     *
     * @throws IllegalStateException when not NEW, or the heartbeat interval cannot keep the read-back deadline
     */
    public synchronized void start() {
        if (state != ConsumerState.NEW) {
            throw new IllegalStateException("start() can be called once, on a NEW consumer, but the consumer "
                    + contract.getStream() + "/" + contract.getDurable() + " is " + state
                    + "; build a new ContractConsumer to run it again");
        }
        try {
            doStart();
            state = ConsumerState.RUNNING;
        } catch (RuntimeException | Error e) {
            state = ConsumerState.FAILED;
            release();
            throw e;
        }
    }

    private void doStart() {
        Connection nc = settings.connection();
        ProvisionResult result = ContractProvisioner.builder(nc)
                .mode(settings.mode())
                .failOnDrift(true)
                .deadLetterStreams(settings.createDeadLetterStreams())
                .build()
                .provision(contract);
        provisionResult = result;
        Deadlines deadlines = Deadlines.of(result.getConsumerInfo().getConsumerConfiguration());
        heartbeatInterval = heartbeatInterval(deadlines);

        JetStream js;
        JetStreamManagement jsm;
        try {
            js = nc.jetStream();
            jsm = nc.jetStreamManagement();
        } catch (IOException e) {
            throw new IllegalStateException("could not open JetStream on the connection: " + e.getMessage(), e);
        }
        DeadLetterWriter writer = contract.getDeadLetterPolicy().isEnabled()
                ? new DeadLetterWriter(
                        js,
                        contract.getDeadLetterPolicy().subjectFor(contract.getStream(), contract.getDurable()),
                        contract.getDeadLetterPolicy().streamFor(contract.getStream()),
                        settings.deadLetterPublishTimeout())
                : null;
        boolean sweeping = writer != null && settings.sweeper() && contract.hasFiniteMaxDeliver();
        RetentionPolicy retention = sweeping ? Sweeper.retentionOf(jsm, contract.getStream()) : RetentionPolicy.Limits;
        if (sweeping) {
            Sweeper.provision(jsm, contract, settings.mode());
        }

        String name = "jsc-" + contract.getDurable();
        ScheduledExecutorService scheduler = settings.scheduler();
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(daemon(name + "-timer"));
            ownedScheduler = scheduler;
        }
        ExecutorService ioThread = Executors.newSingleThreadExecutor(daemon(name + "-io"));
        io = ioThread;

        PullPlanner planner = new PullPlanner(contract.getEffectiveConcurrency(), contract.getEffectiveBatchSize());
        PullEngine pull = new PullEngine(
                nc,
                contract.getStream(),
                contract.getDurable(),
                planner,
                settings.pullExpiry(),
                settings.clock(),
                events,
                true);
        engine = pull;
        if (settings.gate() != null) {
            pull.gate(settings.gate()::allowsPulling);
        }
        RateWindow rate = settings.rateGuard() == null ? null : new RateWindow(settings.rateGuard());
        rateWindow = rate;
        MessagePipeline[] pipelineRef = new MessagePipeline[1];
        HeartbeatMonitor hb = new HeartbeatMonitor(
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
                        LOG.warn(
                                "consumer {}/{}: message {} (delivery {}) exceeded maxProcessingTime {}; failing the"
                                        + " attempt and interrupting its handler",
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
                        try {
                            ioThread.execute(() -> pipelineRef[0].settleTimedOut(attempt));
                        } catch (RejectedExecutionException e) {
                            LOG.debug(
                                    "consumer closing; timed-out message {} left for redelivery",
                                    attempt.streamSequence());
                        }
                    }
                });
        monitor = hb;
        MessagePipeline mp = new MessagePipeline(
                contract,
                deadlines,
                settings.invoker(),
                settings.classifier(),
                settings.gate(),
                writer,
                rate,
                hb,
                events,
                settings.clock(),
                settings.instance(),
                pull);
        pipelineRef[0] = mp;
        pipeline = mp;
        WorkerPool pool = new WorkerPool(name, contract.getEffectiveConcurrency(), mp::process, pull);
        workers = pool;

        if (sweeping) {
            Sweeper sweeper =
                    new Sweeper(jsm, contract, writer, events, settings.clock(), settings.instance(), retention);
            PullEngine sweepPull = new PullEngine(
                    nc,
                    Sweeper.advisoryStreamFor(contract),
                    Sweeper.durableFor(contract),
                    new PullPlanner(1, 1),
                    settings.pullExpiry(),
                    settings.clock(),
                    events,
                    false);
            WorkerPool sweepPool = new WorkerPool(name + "-sweeper", 1, (slot, m) -> sweeper.process(m), sweepPull);
            sweeperEngine = sweepPull;
            sweeperWorkers = sweepPool;
        }

        ConnectionListener listener = (conn, type) -> {
            if (type == ConnectionListener.Events.RESUBSCRIBED) {
                PullEngine e = engine;
                PullEngine s = sweeperEngine;
                if (e != null) {
                    e.reset("reconnected");
                }
                if (s != null) {
                    s.reset("reconnected");
                }
            }
        };
        nc.addConnectionListener(listener);
        connectionListener = listener;

        long tickMillis = hb.tickPeriod().toMillis();
        tasks.add(scheduler.scheduleAtFixedRate(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS));
        if (events.enabled()) {
            long infoMillis = settings.consumerInfoInterval().toMillis();
            tasks.add(scheduler.scheduleAtFixedRate(
                    () -> submitIo(() -> sampleConsumerInfo(jsm)), 0, infoMillis, TimeUnit.MILLISECONDS));
        }
        pull.start();
        pool.start();
        if (sweeperEngine != null && sweeperWorkers != null) {
            sweeperEngine.start();
            sweeperWorkers.start();
        }
        LOG.info(
                "consumer {}/{} started ({} on nats-server {}): concurrency {}, batch {}, ack deadline {}, heartbeat {},"
                        + " max processing time {}, dead letters {}, sweeper {}, instance {}",
                contract.getStream(),
                contract.getDurable(),
                result.getAction(),
                result.getServerVersion(),
                planner.concurrency(),
                planner.batchSize(),
                deadlines.forDelivery(1),
                heartbeatInterval == null ? "off" : heartbeatInterval,
                contract.getMaxProcessingTime().map(Duration::toString).orElse("unbounded"),
                writer == null ? "off (terminate)" : writer.stream() + " <- " + writer.subject(),
                sweeping ? "on" : "off",
                settings.instance());
    }

    private @Nullable Duration heartbeatInterval(Deadlines deadlines) {
        if (!contract.hasHeartbeats()) {
            return null;
        }
        Duration shortest = deadlines.shortest();
        Duration declared = contract.getHeartbeatInterval().orElse(null);
        if (declared == null) {
            return deadlines.defaultHeartbeatInterval();
        }
        if (declared.compareTo(shortest) >= 0) {
            throw new IllegalStateException("heartbeatInterval " + declared + " is not shorter than the shortest ack"
                    + " deadline read back from the server (" + shortest + "), so every delivery would be redelivered"
                    + " while its handler runs; declare a heartbeatInterval of at most " + shortest.dividedBy(3)
                    + " (HB-001) or leave it unset for the default (a third of the deadline)");
        }
        if (declared.compareTo(shortest.dividedBy(3)) > 0) {
            LOG.warn(
                    "consumer {}/{}: heartbeatInterval {} is more than a third of the read-back ack deadline {}; one"
                            + " lost heartbeat can let the deadline pass (HB-001)",
                    contract.getStream(),
                    contract.getDurable(),
                    declared,
                    shortest);
        }
        return declared;
    }

    private void tick() {
        try {
            Instant now = settings.clock().instant();
            HeartbeatMonitor hb = monitor;
            if (hb != null) {
                hb.tick(now);
            }
            RateWindow rate = rateWindow;
            PullEngine e = engine;
            if (rate != null && e != null && rate.resumeIfDue(now)) {
                e.resume(PauseCause.DEAD_LETTER_RATE);
            }
            if (e != null) {
                e.maintain();
            }
            PullEngine s = sweeperEngine;
            if (s != null) {
                s.maintain();
            }
        } catch (RuntimeException ex) {
            // a scheduled task that throws is never run again: log and keep ticking
            LOG.error("consumer {}/{}: timer tick failed", contract.getStream(), contract.getDurable(), ex);
        }
    }

    private void submitIo(Runnable r) {
        ExecutorService e = io;
        if (e == null) {
            return;
        }
        try {
            e.execute(r);
        } catch (RejectedExecutionException ignored) {
            // closing
        }
    }

    private void sampleConsumerInfo(JetStreamManagement jsm) {
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
            LOG.debug(
                    "consumer {}/{}: could not read consumer info: {}",
                    contract.getStream(),
                    contract.getDurable(),
                    e.toString());
        }
    }

    /**
     * Stops pulling, waits until every received message is settled (or the timeout passes), then closes.
     *
     * @return true when every received message was settled
     */
    public boolean drain(Duration timeout) {
        PullEngine e;
        PullEngine s;
        synchronized (this) {
            if (state != ConsumerState.RUNNING) {
                boolean wasNew = state == ConsumerState.NEW;
                closeNow();
                return wasNew || state == ConsumerState.CLOSED;
            }
            state = ConsumerState.DRAINING;
            e = engine;
            s = sweeperEngine;
        }
        if (e != null) {
            e.pause(PauseCause.DRAIN);
        }
        if (s != null) {
            s.pause(PauseCause.DRAIN);
        }
        // Wait until nothing is in flight and no pull is open: a pull the server still holds could deliver a message
        // after we unsubscribe, and that delivery would only come back after its ack deadline, one delivery used up.
        // An idle consumer's open pull ends at its expiry (pullExpiry), so draining an idle consumer takes up to that
        // long. The sweeper's open pull is not waited for: its consumer has no delivery limit, so an advisory sent
        // to a closed inbox just comes back later.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!((e == null || e.isIdle()) && (s == null || s.inFlight() <= 0)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean settled = (e == null || e.inFlight() <= 0) && (s == null || s.inFlight() <= 0);
        if (!settled) {
            LOG.warn(
                    "consumer {}/{}: drain timed out after {} with {} message(s) unsettled; they are redelivered after"
                            + " their ack deadline",
                    contract.getStream(),
                    contract.getDurable(),
                    timeout,
                    e == null ? 0 : e.inFlight());
        } else if (e != null && !e.isIdle()) {
            LOG.info(
                    "consumer {}/{}: drain abandons {} open pull(s) at the timeout; a message the server sends for"
                            + " them is redelivered after its ack deadline",
                    contract.getStream(),
                    contract.getDurable(),
                    e.requested());
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

    /** Stops immediately: handlers are interrupted, unsettled messages are redelivered after their deadline. */
    public synchronized void close() {
        closeNow();
    }

    private void closeNow() {
        if (state == ConsumerState.CLOSED) {
            return;
        }
        if (state != ConsumerState.FAILED) {
            state = ConsumerState.CLOSED;
        }
        release();
        LOG.info("consumer {}/{} closed", contract.getStream(), contract.getDurable());
    }

    private void release() {
        for (ScheduledFuture<?> t : tasks) {
            t.cancel(false);
        }
        tasks.clear();
        if (connectionListener != null) {
            try {
                settings.connection().removeConnectionListener(connectionListener);
            } catch (RuntimeException e) {
                LOG.debug("could not remove the connection listener: {}", e.toString());
            }
            connectionListener = null;
        }
        quietly("stop pulling", () -> {
            if (engine != null) {
                engine.stop();
            }
        });
        quietly("stop the sweeper's pulls", () -> {
            if (sweeperEngine != null) {
                sweeperEngine.stop();
            }
        });
        if (pipeline != null) {
            pipeline.stop();
        }
        boolean stopped = true;
        if (workers != null) {
            stopped = workers.stop(WORKER_STOP_WAIT);
        }
        if (sweeperWorkers != null) {
            stopped &= sweeperWorkers.stop(WORKER_STOP_WAIT);
        }
        if (!stopped) {
            LOG.warn(
                    "consumer {}/{}: a handler thread did not end within {} of being interrupted; it is left running"
                            + " (make handlers respond to interruption)",
                    contract.getStream(),
                    contract.getDurable(),
                    WORKER_STOP_WAIT);
        }
        if (io != null) {
            io.shutdownNow();
        }
        if (ownedScheduler != null) {
            ownedScheduler.shutdownNow();
        }
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
