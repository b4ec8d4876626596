package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.DuplicateWindowCheck;
import dev.jscontract.outbox.OutboxRelayEvent;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts and stops the relay's two threads (control and pump) and owns what they share. */
public final class RelayEngine {
    private static final Logger LOG = LoggerFactory.getLogger(RelayEngine.class);
    private static final int STREAM_NOT_FOUND = 10059;

    private final RelayConfig config;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private @Nullable SchemaInfo schema;
    private @Nullable RelayMetrics metrics;
    private @Nullable ControlLoop control;
    private @Nullable Pump pump;
    private @Nullable WakeUpListener listener;
    private @Nullable Thread controlThread;
    private final List<Thread> pumpThreads = new ArrayList<>();

    /** An engine for the configuration; nothing runs until {@link #start()}. */
    public RelayEngine(RelayConfig config) {
        this.config = config;
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
        RelayMetrics m =
                new RelayMetrics(config.meterRegistry(), config.tables().qualifiedTable());
        metrics = m;
        Events events = new Events(config.listeners(), m.listenerErrors::increment);
        try {
            Set<String> checked = checkStreams(events);
            Pump p = new Pump(config, s, m, events, this::ownership, checked, this::fail);
            ControlLoop cl = new ControlLoop(config, s, m, events, p);
            pump = p;
            control = cl;
            cl.connectNow();
            Thread ct = thread(cl, "control");
            controlThread = ct;
            WakeUpListener wl = new WakeUpListener(config, p::wake);
            listener = wl;
            pumpThreads.add(thread(wl, "listen"));
            pumpThreads.add(thread(p.claimer(), "claim"));
            pumpThreads.add(thread(p.settler(), "settle"));
            ct.start();
            pumpThreads.forEach(Thread::start);
        } catch (SQLException | IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        LOG.info(
                "outbox relay {} started on {} ({} partitions, batch {}, pipeline {}, retry horizon {})",
                config.name(),
                config.tables().qualifiedTable(),
                s.partitions(),
                config.batchSize(),
                config.pipelineDepth(),
                Checks.human(config.retryHorizon()));
    }

    private Thread thread(Runnable body, String role) {
        Thread t = new Thread(body, "jsc-outbox-" + config.name() + "-" + role);
        t.setDaemon(true);
        return t;
    }

    private Set<String> checkStreams(Events events) throws IOException {
        Set<String> checked = new LinkedHashSet<>();
        JetStreamManagement jsm = config.connection().jetStreamManagement();
        for (String stream : config.streams()) {
            Duration window;
            try {
                window = DuplicateWindows.effective(
                        jsm.getStreamInfo(stream).getConfiguration().getDuplicateWindow());
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                    throw new IllegalStateException("stream " + stream + " given to streams(...) does not exist on"
                            + " the NATS server; create it before starting the relay, or remove it from streams(...)");
                }
                throw new IOException("cannot read stream " + stream + ": " + e.getMessage(), e);
            }
            Optional<String> problem = DuplicateWindows.check(stream, window, config.retryHorizon());
            if (problem.isPresent()) {
                events.emit(() -> new OutboxRelayEvent.DuplicateWindowRisk(
                        config.clock().instant(),
                        config.name(),
                        stream,
                        window,
                        config.retryHorizon(),
                        config.duplicateWindowCheck()));
                if (config.duplicateWindowCheck() == DuplicateWindowCheck.REFUSE) {
                    throw new IllegalStateException(problem.get());
                }
                LOG.warn("outbox relay {}: {}", config.name(), problem.get());
            }
            checked.add(stream);
        }
        return checked;
    }

    private Ownership ownership() {
        ControlLoop c = control;
        return c == null ? Ownership.NONE : c.ownership();
    }

    private void fail(Throwable e) {
        failure.compareAndSet(null, e);
        Pump p = pump;
        if (p != null) {
            p.stop();
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
        return Optional.ofNullable(failure.get());
    }

    /** Whether both threads run. */
    public boolean isRunning() {
        Thread c = controlThread;
        return c != null
                && c.isAlive()
                && !pumpThreads.isEmpty()
                && pumpThreads.stream().allMatch(Thread::isAlive)
                && failure.get() == null;
    }

    /**
     * Stops claiming, waits for the PubAcks of the rows in flight (at most the publish timeout) and deletes the
     * acknowledged ones, then releases the partitions and closes the relay's own sessions.
     */
    public void close() {
        WakeUpListener wl = listener;
        if (wl != null) {
            wl.stop();
        }
        Pump p = pump;
        if (p != null) {
            p.stop();
        }
        // listen; claim (which also publishes); then settle, which ends after claim
        for (Thread t : pumpThreads) {
            join(t, config.publishTimeout().plus(config.dbNetworkTimeout()).plusSeconds(2));
        }
        ControlLoop c = control;
        if (c != null) {
            c.stop();
        }
        join(controlThread, config.dbNetworkTimeout().plusSeconds(2));
        RelayMetrics m = metrics;
        if (m != null) {
            m.close();
        }
        LOG.info("outbox relay {} closed", config.name());
    }

    private void join(@Nullable Thread t, Duration timeout) {
        if (t == null || t == Thread.currentThread()) {
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
