package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.RelayState;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the relay's four threads and owns what they share.
 *
 * <ul>
 *   <li><b>control</b> ({@link ControlLoop}): partition ownership (advisory locks on its own session), rebalancing,
 *       the stats query;
 *   <li><b>listen</b> ({@link WakeUpListener}): commit notifications, which wake the claim thread;
 *   <li><b>claim</b> ({@link Claimer} with {@link Publisher}): claims batches and sends them;
 *   <li><b>settle</b> ({@link RowSettler}): deletes acknowledged rows, records or parks failed ones.
 * </ul>
 *
 * <p>What they share is in {@link InFlight}; the health they report to is the {@link RelayHealthTracker}. A thread
 * that fails unexpectedly, a refused duplicate window and a closed NATS connection halt the relay: every thread
 * stops.
 */
public final class RelayEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(RelayEngine.class);

    private final RelayConfig config;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile @Nullable RelayMetrics metrics;
    private final Events events;
    private final RelayHealthTracker health;
    private @Nullable SchemaInfo schema;
    private @Nullable ControlLoop control;
    private @Nullable InFlight inFlight;
    private @Nullable WakeUpListener listener;
    private @Nullable ConnectionListener natsListener;
    private final List<Thread> threads = new ArrayList<>();

    /** An engine for the configuration; nothing runs until {@link #start()}. */
    public RelayEngine(RelayConfig config) {
        this.config = config;
        this.events = new Events(config.listeners(), config.clock(), config.name(), () -> {
            RelayMetrics m = metrics;
            if (m != null) {
                m.listenerFailures.increment();
            }
        });
        this.health = new RelayHealthTracker(
                config.name(),
                "rows stay in the outbox",
                config.clock(),
                events,
                state -> {
                    RelayMetrics m = metrics;
                    if (m != null) {
                        m.state.set(state);
                    }
                },
                this::stopThreads);
    }

    /**
     * Reads the schema, checks the configured streams' duplicate windows, opens the control session and starts the
     * threads.
     *
     * @throws SQLException when PostgreSQL cannot be reached
     * @throws IOException when the NATS server cannot answer a stream-info request
     * @throws IllegalStateException when the schema is missing, a stream does not exist, or a duplicate window is
     *     refused (PUB-002)
     */
    public void start() throws SQLException, IOException {
        RelayMetrics m =
                new RelayMetrics(config.meterRegistry(), config.tables().qualifiedTable());
        metrics = m;
        try {
            doStart(m);
        } catch (SQLException | IOException | RuntimeException e) {
            m.close();
            metrics = null;
            throw e;
        }
    }

    private void doStart(RelayMetrics metrics) throws SQLException, IOException {
        SchemaInfo s;
        try (Connection c = config.dataSource().getConnection()) {
            s = SchemaInfo.load(c, config.tables());
        }
        schema = s;
        if (!s.autovacuum()) {
            LOG.warn(
                    "autovacuum is off for {} (server setting autovacuum or the table's autovacuum_enabled): rows the"
                            + " relay deletes stay behind as dead tuples, and every claim walks past them, so the relay"
                            + " slows down as they pile up. Turn autovacuum on, or run VACUUM {} regularly",
                    config.tables().qualifiedTable(),
                    config.tables().qualifiedTable());
        }
        if (s.schemaVersion() < SchemaTemplate.VERSION) {
            LOG.info(
                    "{} has outbox schema version {}: its trigger notifies on every insert, which serializes the"
                            + " writers' commits on PostgreSQL's notification lock. Run OutboxSchema.install (or apply"
                            + " OutboxSchema.sql) again to upgrade it to version {}, which notifies only while a relay"
                            + " sleeps",
                    config.tables().qualifiedTable(),
                    s.schemaVersion(),
                    SchemaTemplate.VERSION);
        }
        JetStreamManagement jsm = config.connection().jetStreamManagement();
        DuplicateWindowGuard windows = new DuplicateWindowGuard(config, jsm, events, DuplicateWindowGuard.Mode.TABLE);
        windows.checkConfigured();
        OutboxSql sql = new OutboxSql(config.tables(), config.batchSize(), s.commitTimestamps());
        InFlight f = new InFlight(s.partitions());
        inFlight = f;
        ControlLoop cl = new ControlLoop(config, s, sql, metrics, events, f, health);
        control = cl;
        PublishHold hold = new PublishHold(config, f);
        Publisher publisher = new Publisher(config.connection().jetStream(), config, f, this::ownership, hold);
        Claimer claimer = new Claimer(config, s, sql, metrics, f, publisher, hold, this::ownership, health);
        RowSettler settler = new RowSettler(
                config, s, sql, metrics, events, f, this::ownership, health, new StreamLookup(jsm), windows);
        cl.connectNow();
        WakeUpListener wl = new WakeUpListener(config, f::wake);
        listener = wl;
        threads.add(thread(cl, "control"));
        threads.add(thread(wl, "listen"));
        threads.add(thread(guarded("claim", claimer::run), "claim"));
        threads.add(thread(guarded("settle", settler::run), "settle"));
        health.lifecycle(RelayState.RUNNING);
        threads.forEach(Thread::start);
        // an idle claim thread looks at the connection only when it wakes: the connection's events wake it, so a
        // disconnect or a close is reported at once and not at the next idle poll
        ConnectionListener nl = (conn, type) -> {
            health.nats(conn.getStatus());
            f.claimSignal.raise();
        };
        natsListener = nl;
        config.connection().addConnectionListener(nl);
        LOG.info(
                "outbox relay {} started on {} ({} partitions, batch {}, pipeline {}, retry horizon {})",
                config.name(),
                config.tables().qualifiedTable(),
                s.partitions(),
                config.batchSize(),
                config.pipelineDepth(),
                Durations.human(config.retryHorizon()));
    }

    private interface Loop {
        void run() throws InterruptedException;
    }

    /** A thread body that halts the relay when it fails unexpectedly, or when it ends because the relay halted. */
    private Runnable guarded(String role, Loop loop) {
        return () -> {
            try {
                loop.run();
                if (health.state() == RelayState.HALTED) {
                    halt(new IllegalStateException(health.health().getDetail()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                LOG.error(
                        "outbox relay {}: the {} thread failed unexpectedly; the relay stops", config.name(), role, e);
                health.fatal(RelayHealth.Cause.RELAY_THREAD_FAILED, "the " + role + " thread failed: " + e);
                halt(e);
            }
        };
    }

    private Thread thread(Runnable body, String role) {
        Thread t = new Thread(body, "jsc-outbox-" + config.name() + "-" + role);
        t.setDaemon(true);
        return t;
    }

    private Ownership ownership() {
        ControlLoop c = control;
        return c == null ? Ownership.NONE : c.ownership();
    }

    /** Stops every thread after a failure; the first failure is kept. */
    private void halt(Throwable e) {
        failure.compareAndSet(null, e);
        stopThreads();
    }

    private void stopThreads() {
        ConnectionListener nl = natsListener;
        if (nl != null) {
            try {
                config.connection().removeConnectionListener(nl);
            } catch (RuntimeException e) {
                LOG.debug("outbox relay {}: could not remove the connection listener: {}", config.name(), e.toString());
            }
        }
        WakeUpListener wl = listener;
        if (wl != null) {
            wl.stop();
        }
        InFlight f = inFlight;
        if (f != null) {
            f.stop();
        }
        ControlLoop c = control;
        if (c != null) {
            c.stop();
        }
    }

    /** The partitions owned right now. */
    public Set<Integer> ownedPartitions() {
        return ownership().asSet();
    }

    /** The installed partition count, or 0 before start. */
    public int partitions() {
        SchemaInfo s = schema;
        return s == null ? 0 : s.partitions();
    }

    /** Why the relay stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        Throwable t = failure.get();
        if (t == null && health.state() == RelayState.HALTED) {
            t = new IllegalStateException(health.health().getDetail()); // halted by a thread that has not ended yet
        }
        return Optional.ofNullable(t);
    }

    /** The health. */
    public RelayHealth health() {
        return health.health();
    }

    /** Whether every thread runs and the relay is not halted. */
    public boolean isRunning() {
        return !threads.isEmpty()
                && threads.stream().allMatch(Thread::isAlive)
                && health.state() != RelayState.HALTED
                && failure.get() == null;
    }

    /**
     * Stops claiming, waits for the PubAcks of the rows in flight (at most the publish timeout) and deletes the
     * acknowledged ones, then releases the partitions and closes the relay's own sessions.
     */
    public void close() {
        if (threads.isEmpty()) {
            health.lifecycle(RelayState.CLOSED); // never started
            return;
        }
        WakeUpListener wl = listener;
        if (wl != null) {
            wl.stop();
        }
        InFlight f = inFlight;
        if (f != null) {
            f.stop();
        }
        // listen; claim (which also publishes); then settle, which ends after claim
        for (Thread t : threads) {
            if (!t.getName().endsWith("-control")) {
                join(t, config.publishTimeout().plus(config.dbNetworkTimeout()).plusSeconds(2));
            }
        }
        ControlLoop c = control;
        if (c != null) {
            c.stop();
        }
        for (Thread t : threads) {
            if (t.getName().endsWith("-control")) {
                join(t, config.dbNetworkTimeout().plusSeconds(2));
            }
        }
        health.lifecycle(RelayState.CLOSED);
        RelayMetrics m = metrics;
        if (m != null) {
            m.close();
        }
        LOG.info("outbox relay {} closed", config.name());
    }

    private void join(Thread t, java.time.Duration timeout) {
        if (t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(timeout.toMillis());
            if (t.isAlive()) {
                LOG.warn(
                        "outbox relay {}: thread {} did not end within {}; it is a daemon and ends with the JVM",
                        config.name(),
                        t.getName(),
                        timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
