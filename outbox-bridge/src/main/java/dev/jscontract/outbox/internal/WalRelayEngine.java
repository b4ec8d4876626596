package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.RelayState;
import dev.jscontract.outbox.WalSettings;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay in WAL mode: streams the writer's logical decoding messages from a replication slot and publishes
 * them in commit order.
 *
 * <h2>Parts and threads</h2>
 *
 * This class owns the lifecycle: {@link #start()} checks the server and makes sure the slot exists ({@link
 * WalSlotManager}), then starts two threads and listens to the NATS connection; {@link #close()} stops them. The
 * {@code wal} thread owns the replication session: it opens one (through {@link WalSlotManager}) and runs a {@link
 * WalPipeline} on it, which reads the events, publishes them ({@link WalSender}), settles them in commit order,
 * holds publishing through a NATS outage ({@link WalOutageHold}) and parks the events that cannot be published
 * ({@link WalParker}). A broken replication session discards the pipeline's queue and reconnects from the slot's
 * confirmed position.
 *
 * <h2>Several relays</h2>
 *
 * PostgreSQL lets one session stream from a slot; another relay's {@code START_REPLICATION} fails with "replication
 * slot ... is active for PID ...". Such a relay is a standby: it tries again every {@code takeoverInterval}. The
 * {@code stats} thread ({@link WalStatsPoller}) reads the slot's retained WAL and lag on its own session.
 */
public final class WalRelayEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);

    private final RelayConfig config;
    private final WalSettings wal;
    private final Events events;
    private final RelayHealthTracker health;
    private final WalSlotManager slots;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile @Nullable WalMetrics metrics;
    private volatile boolean stopping;
    private volatile boolean streaming;
    private volatile @Nullable Thread walThread;
    private @Nullable Thread statsThread;
    private @Nullable ConnectionListener natsListener;
    private @Nullable DuplicateWindowGuard windows;
    private @Nullable StreamLookup lookup;
    private String idPrefix = "";

    /** An engine for the configuration; nothing runs until {@link #start()}. */
    public WalRelayEngine(RelayConfig config, WalSettings wal) {
        this.config = config;
        this.wal = wal;
        this.events = new Events(config.listeners(), config.clock(), config.name(), () -> {
            WalMetrics m = metrics;
            if (m != null) {
                m.listenerFailures.increment();
            }
        });
        this.health = new RelayHealthTracker(
                config.name(),
                "events stay in the WAL (the slot keeps them)",
                config.clock(),
                events,
                state -> {
                    WalMetrics m = metrics;
                    if (m != null) {
                        m.state.set(state);
                    }
                },
                this::wakeAndStop);
        this.slots = new WalSlotManager(config, wal, events, () -> metrics);
    }

    @Override
    public void start() throws SQLException, IOException {
        WalMetrics m = new WalMetrics(config.meterRegistry(), wal.getSlot());
        metrics = m;
        try {
            doStart(m);
        } catch (SQLException | IOException | RuntimeException e) {
            m.close();
            metrics = null;
            throw e;
        }
    }

    private void doStart(WalMetrics m) throws SQLException, IOException {
        try (Connection c = config.dataSource().getConnection()) {
            slots.checkServer(c);
            SchemaInfo s = SchemaInfo.load(c, config.tables());
            idPrefix = s.messageIdPrefix(config.tables()) + "wal:";
        }
        slots.resolveReplicationUrl();
        // PUB-002 before the slot: a relay refused for its streams must not leave a new slot behind that keeps WAL
        JetStreamManagement jsm = config.connection().jetStreamManagement();
        DuplicateWindowGuard w = new DuplicateWindowGuard(config, jsm, events, DuplicateWindowGuard.Mode.WAL);
        w.checkConfigured();
        // the slot exists when start() returns: every event committed from then on is relayed
        try {
            slots.ensureSlot();
            // a role without REPLICATION may find the slot made by someone else, but cannot stream from it: tell now,
            // not by retrying the session forever
            slots.openReplication().close();
        } catch (Fatal e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        windows = w;
        lookup = new StreamLookup(jsm);
        Thread t = new Thread(this::runWal, "jsc-outbox-" + config.name() + "-wal");
        t.setDaemon(true);
        walThread = t;
        Thread st = new Thread(
                new WalStatsPoller(config, wal, m, events, () -> stopping, () -> streaming),
                "jsc-outbox-" + config.name() + "-stats");
        st.setDaemon(true);
        statsThread = st;
        health.lifecycle(RelayState.RUNNING);
        ConnectionListener nl = (conn, type) -> {
            health.nats(conn.getStatus());
            Thread wt = walThread;
            if (wt != null) {
                LockSupport.unpark(wt);
            }
        };
        natsListener = nl;
        config.connection().addConnectionListener(nl);
        t.start();
        st.start();
        LOG.info(
                "outbox relay {} started in WAL mode (slot {}, publication {}, prefix {}, retry horizon {})",
                config.name(),
                wal.getSlot(),
                wal.getPublication(),
                wal.getPrefix(),
                Durations.human(config.retryHorizon()));
    }

    // ------------------------------------------------------------------------------------------------ the wal thread

    private void runWal() {
        try {
            while (!stopping) {
                try {
                    streamOnce();
                } catch (WalSlotManager.SlotBusy e) {
                    standby(e.getMessage());
                } catch (SQLException e) {
                    if (stopping) {
                        break;
                    }
                    setStreaming(false);
                    health.databaseDown("replication", String.valueOf(e.getMessage()));
                    LOG.warn(
                            "outbox relay {}: the replication session failed ({}); reconnecting in {}",
                            config.name(),
                            e.getMessage(),
                            Durations.human(wal.getTakeoverInterval()));
                    pause(wal.getTakeoverInterval());
                }
            }
        } catch (Fatal e) {
            LOG.error("outbox relay {}: {}", config.name(), e.getMessage());
            failure.compareAndSet(null, new IllegalStateException(e.getMessage()));
            health.fatal(e.cause, e.getMessage());
        } catch (Stop e) {
            // closing
        } catch (RuntimeException | Error e) {
            LOG.error("outbox relay {}: the wal thread failed unexpectedly; the relay stops", config.name(), e);
            failure.compareAndSet(null, e);
            health.fatal(RelayHealth.Cause.RELAY_THREAD_FAILED, "the wal thread failed: " + e);
        } finally {
            setStreaming(false);
        }
    }

    private void standby(String why) {
        if (streaming) {
            setStreaming(false);
        }
        LOG.debug("outbox relay {}: standby ({})", config.name(), why);
        health.databaseUp("replication");
        pause(wal.getTakeoverInterval());
    }

    private void setStreaming(boolean on) {
        if (streaming != on) {
            streaming = on;
            WalMetrics m = metrics;
            if (m != null) {
                m.active.set(on ? 1 : 0);
            }
            if (on) {
                LOG.info("outbox relay {} holds slot {} and streams from it", config.name(), wal.getSlot());
            } else {
                LOG.info("outbox relay {} no longer streams from slot {}", config.name(), wal.getSlot());
            }
        }
    }

    /** One replication session: from connecting to the first failure, or to close. */
    private void streamOnce() throws SQLException {
        if ("lost".equals(slots.ensureSlot())) {
            throw slots.slotLost("wal_status 'lost'");
        }
        Connection rc = slots.openReplication();
        try (rc) {
            PGReplicationStream stream = slots.startStream(rc);
            setStreaming(true);
            health.databaseUp("replication");
            try {
                new WalPipeline(
                                config,
                                wal,
                                events,
                                health,
                                Objects.requireNonNull(metrics),
                                Objects.requireNonNull(windows),
                                Objects.requireNonNull(lookup),
                                idPrefix,
                                slots,
                                () -> stopping,
                                stream)
                        .run();
            } finally {
                try {
                    stream.close();
                } catch (SQLException e) {
                    LOG.debug("outbox relay {}: closing the stream: {}", config.name(), e.toString());
                }
            }
        } finally {
            setStreaming(false);
        }
    }

    /** Sleeps, unless closing (then throws {@link Stop}). */
    private void pause(Duration d) {
        pause(d, () -> stopping);
    }

    /** Sleeps, unless {@code stopping} tells the relay closes (then throws {@link Stop}); for every relay thread. */
    static void pause(Duration d, BooleanSupplier stopping) {
        long end = System.nanoTime() + d.toNanos();
        while (!stopping.getAsBoolean()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(left);
        }
        throw new Stop();
    }

    private void wakeAndStop() {
        stopping = true;
        Thread t = walThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        Thread s = statsThread;
        if (s != null) {
            LockSupport.unpark(s);
        }
    }

    /** Thrown inside the relay's threads to end them when the relay closes. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    /** Something only a person can fix; the relay halts with this message. */
    static final class Fatal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        /** The health cause the relay halts with. */
        final RelayHealth.Cause cause;

        Fatal(RelayHealth.Cause cause, String message) {
            super(message, null, false, false);
            this.cause = cause;
        }
    }

    @Override
    public void close() {
        Thread t = walThread;
        if (t == null) {
            health.lifecycle(RelayState.CLOSED);
            return;
        }
        ConnectionListener nl = natsListener;
        if (nl != null) {
            try {
                config.connection().removeConnectionListener(nl);
            } catch (RuntimeException e) {
                LOG.debug("outbox relay {}: could not remove the connection listener: {}", config.name(), e.toString());
            }
        }
        wakeAndStop();
        join(t, config.publishTimeout().plus(config.dbNetworkTimeout()).plusSeconds(2));
        Thread s = statsThread;
        if (s != null) {
            join(s, config.dbNetworkTimeout().plusSeconds(2));
        }
        health.lifecycle(RelayState.CLOSED);
        WalMetrics m = metrics;
        if (m != null) {
            m.close();
        }
        LOG.info("outbox relay {} closed", config.name());
    }

    private void join(Thread t, Duration timeout) {
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

    @Override
    public boolean isRunning() {
        Thread t = walThread;
        return t != null && t.isAlive() && health.state() != RelayState.HALTED && failure.get() == null;
    }

    @Override
    public RelayHealth health() {
        return health.health();
    }

    @Override
    public Optional<Throwable> failure() {
        Throwable t = failure.get();
        if (t == null && health.state() == RelayState.HALTED) {
            t = new IllegalStateException(health.health().getDetail());
        }
        return Optional.ofNullable(t);
    }

    @Override
    public Set<Integer> ownedPartitions() {
        return streaming ? Set.of(0) : Set.of();
    }

    @Override
    public int partitions() {
        return walThread == null ? 0 : 1;
    }
}
