package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.PublishFailure;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.RelayState;
import dev.jscontract.outbox.WalSettings;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay in WAL mode: streams the writer's logical decoding messages from a replication slot and publishes
 * them in commit order.
 *
 * <h2>One thread streams</h2>
 *
 * The {@code wal} thread owns the replication session. It reads with {@code readPending()} (so it can also send
 * status updates, settle PubAcks and notice a close without a blocking read; see {@code docs/decisions/
 * outbox-wal-mode.md} for the pgjdbc facts behind this), publishes each event with {@code publishAsync} as soon as it
 * is read, and keeps every event and every commit in one queue in WAL order. The head of the queue is settled in
 * order: an acknowledged event is removed; a commit at the head means every event before it is acknowledged, so its
 * end LSN becomes the flushed position reported to PostgreSQL (with automatic flush off, the driver never confirms
 * more than that). A crash re-reads from the last reported position; the events read again carry the same {@code
 * Nats-Msg-Id} and the duplicate window drops them.
 *
 * <h2>Failures</h2>
 *
 * An outage (the connection not CONNECTED or re-established since the last check, a timeout, a stream unavailable)
 * holds publishing: nothing new is published until NATS is connected, every event in flight has its PubAck, its
 * failure or its timeout, and the first unacknowledged event, sent again alone, is acknowledged; then the other
 * unacknowledged events are sent again in commit order, counting nothing and parking nothing. Events jnats still held,
 * unwritten, when the socket broke are sent by jnats itself after the reconnect, so they can land ahead of events
 * lost with the socket (logged as a warning with the number; see {@code docs/decisions/
 * outbox-wal-order-across-reconnects.md}). A failure of the event itself is retried with the relay's backoff up to
 * {@code maxAttempts} (at once for permanent ones) and then parked with its LSN; events after it that were already
 * in flight may have been stored before it (at most {@code maxInFlight}). While it waits, the thread keeps the
 * replication session alive with status updates. A broken replication session discards the queue and reconnects from
 * the slot's confirmed position.
 *
 * <h2>Several relays</h2>
 *
 * PostgreSQL lets one session stream from a slot; another relay's {@code START_REPLICATION} fails with "replication
 * slot ... is active for PID ...". Such a relay is a standby: it tries again every {@code takeoverInterval}. The
 * {@code stats} thread ({@link WalStatsPoller}) reads the slot's retained WAL and lag on its own session.
 */
public final class WalRelayEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(WalRelayEngine.class);
    private static final String UNDECODABLE_SUBJECT = "(undecodable)";
    /** How long publishing stays held after an outage before the relay tries again. */
    static final Duration HOLD_RETRY = Duration.ofMillis(250);

    private final RelayConfig config;
    private final WalSettings wal;
    private final Events events;
    private final RelayHealthTracker health;
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
    private final WalSlotManager slots;

    /** An engine for the configuration; nothing runs until {@link #start()}. */
    public WalRelayEngine(RelayConfig config, WalSettings wal) {
        this.config = config;
        this.wal = wal;
        this.events = new Events(config.listeners(), () -> {
            WalMetrics m = metrics;
            if (m != null) {
                m.listenerErrors.increment();
            }
        });
        this.health = new RelayHealthTracker(
                config.name(),
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
        // the slot exists when start() returns: every event committed from then on is relayed
        try {
            slots.ensureSlot();
            // a role without REPLICATION may find the slot made by someone else, but cannot stream from it: tell now,
            // not by retrying the session forever
            slots.openReplication().close();
        } catch (Fatal e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        JetStreamManagement jsm = config.connection().jetStreamManagement();
        DuplicateWindowGuard w = new DuplicateWindowGuard(config, jsm, events);
        w.checkConfigured();
        windows = w;
        lookup = new StreamLookup(jsm);
        Thread t = new Thread(this::runWal, "jsc-outbox-" + config.name() + "-wal");
        t.setDaemon(true);
        walThread = t;
        Thread st = new Thread(
                new WalStatsPoller(config, wal, m, () -> stopping, () -> streaming),
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
                new Session(stream).run();
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

    /** A queued event, or a commit (the position to confirm once everything before it is acknowledged). */
    private static final class Entry {
        final long lsn;
        final long commitMicros;
        final boolean commit;

        WalEventCodec.@Nullable Event event;

        byte @Nullable [] raw;

        @Nullable
        CompletableFuture<PublishAck> future;

        PublishFailures.@Nullable Failure sendFailure;
        long deadlineNanos;
        int attempts;
        /** When the PubAck arrived (set on jnats' thread, read after the future is done). */
        volatile @Nullable Instant ackedAt;

        Entry(long lsn, long commitMicros, boolean commit) {
            this.lsn = lsn;
            this.commitMicros = commitMicros;
            this.commit = commit;
        }
    }

    /** State of one replication session; lives on the wal thread only. */
    private final class Session {
        private final PGReplicationStream stream;
        private final JetStream js;
        private final ArrayDeque<Entry> queue = new ArrayDeque<>();
        private int inFlight;
        private long commitMicros;
        /** Between a Begin and its Commit: the server's position must not be confirmed from keepalives. */
        private boolean inTransaction;

        private long flushTo;
        private long reported;
        private long lastForcedNanos = System.nanoTime();
        private @Nullable Connection parkSession;
        /**
         * Publishing is held: NATS broke (or an event failed for a reason that is not its own), so nothing new is
         * published until {@link #resume()} has settled what was in flight and sent the unacknowledged events again.
         */
        private boolean held;
        /** When the hold began or the last probe failed; {@link #resume()} waits {@link #HOLD_RETRY} from there. */
        private long heldSinceNanos;
        /** The first unacknowledged event, sent again alone after an outage; the others follow once it is acked. */
        private @Nullable Entry probe;
        /** Whether the failure that began this hold is counted in the failures meter already ({@link #recover}). */
        private boolean holdCounted;
        /** Events stored after the probe's first attempt failed: they are ahead of it in the stream. */
        private int overtakers;
        /** jnats' reconnect count when publishing last resumed; a change means NATS broke in between. */
        private long reconnectsSeen;
        /** Set on jnats' threads when a PubAck future fails for a reason that may be an outage. */
        private volatile boolean outageSeen;
        /** Events acknowledged in this settle round, for {@link OutboxRelayEvent.BatchPublished} (listeners only). */
        private final java.util.List<OutboxRelayEvent.PublishedRow> published = new java.util.ArrayList<>();

        Session(PGReplicationStream stream) throws SQLException {
            this.stream = stream;
            try {
                this.js = config.connection().jetStream();
            } catch (IOException e) {
                throw new SQLException("cannot create a JetStream context: " + e.getMessage(), e);
            }
            this.reconnectsSeen = reconnects();
        }

        void run() throws SQLException {
            long idleNanos = 50_000;
            try {
                while (!stopping) {
                    settle();
                    report();
                    if (!held && (outageSeen || natsBroke())) {
                        hold();
                    }
                    if (held && !resume()) {
                        keepAlive();
                        LockSupport.parkNanos(1_000_000); // held; NATS' listener unparks this thread
                        continue;
                    }
                    if (inFlight >= wal.getMaxInFlight()) {
                        keepAlive();
                        LockSupport.parkNanos(50_000); // PubAcks arrive every few microseconds while draining
                        continue;
                    }
                    ByteBuffer buf = stream.readPending();
                    if (buf == null) {
                        LockSupport.parkNanos(idleNanos);
                        idleNanos = Math.min(idleNanos * 2, 4_000_000);
                        continue;
                    }
                    idleNanos = 50_000;
                    handle(buf);
                }
                drainOnClose();
            } finally {
                closeParkSession();
            }
        }

        private void handle(ByteBuffer buf) {
            PgOutput.Msg m = PgOutput.parse(buf);
            if (m instanceof PgOutput.Begin b) {
                commitMicros = b.commitMicros();
                inTransaction = true;
            } else if (m instanceof PgOutput.Message msg) {
                if (!msg.prefix().equals(wal.getPrefix())) {
                    return;
                }
                if (!msg.transactional()) {
                    LOG.warn(
                            "outbox relay {}: ignoring a non-transactional message with prefix {} at {}; events must"
                                    + " be emitted with pg_logical_emit_message(true, ...)",
                            config.name(),
                            msg.prefix(),
                            LogSequenceNumber.valueOf(msg.lsn()).asString());
                    return;
                }
                Entry e = new Entry(msg.lsn(), commitMicros, false);
                try {
                    e.event = WalEventCodec.decode(msg.content());
                } catch (IllegalArgumentException ex) {
                    e.raw = msg.content();
                    e.sendFailure = new PublishFailures.Failure(
                            PublishFailure.INVALID, "undecodable event: " + ex.getMessage());
                }
                queue.add(e);
                inFlight++;
                if (e.event != null) {
                    if (natsBroke()) {
                        // read before NATS broke but not yet published: it waits with the others (see resume)
                        e.sendFailure = new PublishFailures.Failure(
                                PublishFailure.CONNECTION, "not published: the NATS connection broke");
                        hold();
                    } else {
                        send(e);
                    }
                }
            } else if (m instanceof PgOutput.Commit c) {
                inTransaction = false;
                if (queue.isEmpty()) {
                    flushTo = c.endLsn();
                } else {
                    queue.add(new Entry(c.endLsn(), 0, true));
                }
            }
        }

        private void send(Entry e) {
            WalEventCodec.Event ev = java.util.Objects.requireNonNull(e.event);
            e.sendFailure = null;
            e.future = null;
            try {
                Headers h = new Headers();
                HeadersJson.read(ev.headersJson(), h::add);
                h.put(NatsJetStreamConstants.MSG_ID_HDR, messageId(e));
                e.deadlineNanos = System.nanoTime() + config.publishTimeout().toNanos();
                CompletableFuture<PublishAck> f = js.publishAsync(ev.subject(), h, ev.payload());
                e.future = f;
                f.whenComplete((ack, error) -> {
                    e.ackedAt = config.clock().instant();
                    // a future the relay replaced (sent again, then cancelled) tells nothing
                    if (error != null && e.future == f && mayBeOutage(PublishFailures.ofFuture(error))) {
                        outageSeen = true;
                    }
                });
            } catch (RuntimeException ex) {
                e.sendFailure = PublishFailures.ofSend(ex);
                if (mayBeOutage(e.sendFailure)) {
                    outageSeen = true;
                }
            }
        }

        /** Whether a failure may stand for an outage (a 503 No Responders may also mean a stream unavailable). */
        private static boolean mayBeOutage(PublishFailures.Failure f) {
            return !f.reason().isRowSpecific() || f.noResponders();
        }

        /** jnats' reconnect count (0 when the application's statistics collector does not count them). */
        private long reconnects() {
            return config.connection().getStatistics().getReconnects();
        }

        /**
         * Whether the NATS connection is not usable now or has been re-established since publishing last resumed.
         * The status alone could miss a disconnect and reconnect that happen between two checks; jnats counts the
         * reconnect right after setting the status back to CONNECTED.
         */
        private boolean natsBroke() {
            return config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED
                    || reconnects() != reconnectsSeen;
        }

        /** Stops publishing new events until {@link #resume()} lets it go on. */
        private void hold() {
            if (!held) {
                held = true;
                holdCounted = false;
                probe = null;
                heldSinceNanos = System.nanoTime();
                LOG.debug("outbox relay {}: publishing held ({} events in flight)", config.name(), inFlight);
            }
        }

        /**
         * Ends a hold once that is safe for commit order; true when publishing may go on. In this order:
         *
         * <ol>
         *   <li>NATS is connected again ({@link #HOLD_RETRY} after the hold began, so a stream that stays
         *       unavailable is not hammered);
         *   <li>every event in flight has its outcome: a PubAck, a failure, or the publish timeout. Events jnats
         *       still held when the connection broke are sent by jnats after the reconnect and get their PubAcks
         *       now; events lost with the socket time out. Nothing is sent again before, so an event the server
         *       still stores late (a cluster node forwarding it) cannot land behind a re-sent later one;
         *   <li>the first unacknowledged event is sent again alone (a probe), so that if the stream is still not
         *       available no later event overtakes it;
         *   <li>once the probe is acknowledged (or fails for a reason of its own, which {@link #recover} then
         *       retries in place), every other unacknowledged event is sent again in commit order, and only then
         *       new ones.
         * </ol>
         */
        private boolean resume() throws SQLException {
            if (config.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED
                    || System.nanoTime() - heldSinceNanos < HOLD_RETRY.toNanos()) {
                return false;
            }
            reconnectsSeen = reconnects();
            long now = System.nanoTime();
            for (Entry e : queue) {
                CompletableFuture<PublishAck> f = e.future;
                if (f != null && !f.isDone()) {
                    if (now - e.deadlineNanos < 0) {
                        return false; // its PubAck or its failure is still to come
                    }
                    f.cancel(false);
                }
            }
            outageSeen = false; // every failure so far is handled here; later ones come from what is sent now
            settle(); // the acknowledged head is removed; the head is now the first unacknowledged event, if any
            Entry p = probe;
            if (p != null) {
                probe = null;
                PublishFailures.Failure f = outcome(p);
                if (f != null && !classify(p, f).reason().isRowSpecific()) {
                    java.util.Objects.requireNonNull(metrics).failure(f.reason());
                    LOG.debug("outbox relay {}: still an outage ({}), waiting", config.name(), f.message());
                    heldSinceNanos = System.nanoTime();
                    return false;
                }
                resendUnacknowledged(p, true);
                held = false;
                return true;
            }
            Entry h = firstUnacknowledged();
            if (h == null) {
                held = false;
                return true;
            }
            PublishFailures.Failure f = classify(h, java.util.Objects.requireNonNull(outcome(h)));
            if (f.reason().isRowSpecific()) {
                // the head's own problem: recover() retries or parks it in place; the others go out again now
                resendUnacknowledged(h, false);
                held = false;
                return true;
            }
            if (!holdCounted) {
                java.util.Objects.requireNonNull(metrics).failure(f.reason());
                holdCounted = true;
            }
            if (f.reason() == PublishFailure.UNAVAILABLE || f.reason() == PublishFailure.TIMEOUT) {
                health.streamUnavailable(
                        "publishing waits: " + f.message() + "; events stay in the WAL and no attempt is counted");
            }
            overtakers = 0;
            for (Entry e : queue) {
                if (e != h && !e.commit && acked(e)) {
                    overtakers++;
                }
            }
            send(h);
            probe = h;
            return false;
        }

        /** The first queued event without a PubAck (after {@link #settle()}: the head), or null. */
        private @Nullable Entry firstUnacknowledged() {
            for (Entry e : queue) {
                if (!e.commit && !acked(e)) {
                    return e;
                }
            }
            return null;
        }

        private static boolean acked(Entry e) {
            CompletableFuture<PublishAck> f = e.future;
            return e.sendFailure == null && f != null && f.isDone() && !f.isCompletedExceptionally();
        }

        /** Tells a 503 No Responders apart: no stream for the subject (the event's problem) or an outage. */
        private PublishFailures.Failure classify(Entry h, PublishFailures.Failure f) {
            if (f.noResponders() && h.event != null) {
                return java.util.Objects.requireNonNull(lookup).classify(h.event.subject(), f);
            }
            return f;
        }

        /** Settles the head of the queue, in order; blocks while the head event fails. */
        private void settle() throws SQLException {
            try {
                settleHead();
            } finally {
                if (!published.isEmpty()) {
                    java.util.List<OutboxRelayEvent.PublishedRow> rows = java.util.List.copyOf(published);
                    published.clear();
                    events.emit(() ->
                            new OutboxRelayEvent.BatchPublished(config.clock().instant(), config.name(), rows));
                }
            }
        }

        private void settleHead() throws SQLException {
            while (!queue.isEmpty()) {
                Entry h = queue.peek();
                if (h.commit) {
                    flushTo = h.lsn;
                    queue.poll();
                    continue;
                }
                PublishFailures.Failure f = outcome(h);
                if (f == null) {
                    if (h.future == null || !h.future.isDone()) {
                        return; // still waiting for its PubAck
                    }
                    acknowledged(h);
                } else if (held || !recover(h, f)) {
                    return; // publishing is held: resume() sends the unacknowledged events again, in order
                }
                queue.poll();
                inFlight--;
            }
        }

        /** The failure of a settled or overdue event, or null when it succeeded or is still pending. */
        private PublishFailures.@Nullable Failure outcome(Entry h) {
            if (h.sendFailure != null) {
                return h.sendFailure;
            }
            CompletableFuture<PublishAck> f = java.util.Objects.requireNonNull(h.future);
            if (f.isDone()) {
                if (!f.isCompletedExceptionally()) {
                    return null;
                }
                try {
                    f.join();
                    return null;
                } catch (CompletionException | CancellationException e) {
                    return PublishFailures.ofFuture(e);
                }
            }
            if (System.nanoTime() - h.deadlineNanos > 0) {
                f.cancel(false);
                return PublishFailures.timeout(config.publishTimeout());
            }
            return null;
        }

        private void acknowledged(Entry h) {
            PublishAck ack = java.util.Objects.requireNonNull(h.future).join();
            WalMetrics m = java.util.Objects.requireNonNull(metrics);
            if (ack.isDuplicate()) {
                m.duplicates.increment();
            } else {
                m.stored.increment();
            }
            Instant at = h.ackedAt;
            if (at == null) {
                at = config.clock().instant();
            }
            if (h.commitMicros > 0) {
                m.commitToAck(at.getEpochSecond() * 1_000_000 + at.getNano() / 1000 - h.commitMicros);
            }
            if (events.active()) {
                published.add(new OutboxRelayEvent.PublishedRow(
                        h.lsn,
                        messageId(h),
                        ack.getStream(),
                        ack.getSeqno(),
                        ack.isDuplicate(),
                        Instant.ofEpochSecond(h.commitMicros / 1_000_000, (h.commitMicros % 1_000_000) * 1000),
                        at));
            }
            health.streamAvailable();
            DuplicateWindowGuard w = java.util.Objects.requireNonNull(windows);
            if (w.needsCheck(ack.getStream())) {
                w.checkSeen(ack.getStream(), health);
                if (health.state() == RelayState.HALTED) {
                    throw new Stop();
                }
            }
        }

        /**
         * Handles a failure of the head event. A failure of the event itself is retried here, in place, until the
         * event is acknowledged or parked (returns true). An outage waits for NATS and then sends the head and every
         * later event that has no PubAck yet again, in order, and returns false: settling resumes from the head.
         */
        private boolean recover(Entry h, PublishFailures.Failure first) throws SQLException {
            PublishFailures.Failure f = first;
            WalMetrics m = java.util.Objects.requireNonNull(metrics);
            while (true) {
                f = classify(h, f);
                m.failure(f.reason());
                if (!f.reason().isRowSpecific()) {
                    if (f.reason() == PublishFailure.UNAVAILABLE || f.reason() == PublishFailure.TIMEOUT) {
                        health.streamUnavailable("publishing waits: " + f.message() + "; events stay in the WAL and"
                                + " no attempt is counted");
                    }
                    LOG.debug("outbox relay {}: outage ({}), publishing held", config.name(), f.message());
                    hold();
                    holdCounted = true;
                    return false;
                }
                h.attempts++;
                if (f.reason().isPermanent() || h.attempts >= config.maxAttempts() || h.event == null) {
                    park(h, f);
                    return true;
                }
                Duration delay = config.retryBackoff()
                        .delay(h.attempts, ThreadLocalRandom.current().nextDouble());
                LOG.info(
                        "outbox relay {}: event at {} failed ({}), attempt {} of {}; retrying in {}",
                        config.name(),
                        LogSequenceNumber.valueOf(h.lsn).asString(),
                        f.message(),
                        h.attempts,
                        config.maxAttempts(),
                        Durations.human(delay));
                waitFor(delay);
                send(h);
                while (h.sendFailure == null
                        && !java.util.Objects.requireNonNull(h.future).isDone()
                        && System.nanoTime() - h.deadlineNanos < 0) {
                    waitFor(Duration.ofMillis(1));
                }
                PublishFailures.Failure next = outcome(h);
                if (next == null) {
                    acknowledged(h);
                    return true;
                }
                f = next;
            }
        }

        /**
         * After an outage: sends every queued event without a PubAck again, in queue (commit) order, except {@code
         * done} (the probe, already sent again, or a head that {@link #recover} retries in place). With {@code
         * outage}, logs what was re-sent and, when later events were stored first, by how much commit order broke.
         */
        private void resendUnacknowledged(Entry done, boolean outage) {
            int resent = 0;
            for (Entry e : queue) {
                if (e.commit || e.event == null || e == done || acked(e)) {
                    continue;
                }
                CompletableFuture<PublishAck> replaced = e.future;
                send(e);
                if (replaced != null) {
                    replaced.cancel(false);
                }
                resent++;
            }
            if (!outage) {
                return;
            }
            if (overtakers > 0) {
                // jnats had them queued, unwritten, when the connection broke and sent them itself after the
                // reconnect; or the stream took them while it refused the earlier one (a leader election)
                LOG.warn(
                        "outbox relay {}: publishing again after an outage, {} events resent; {} later events had been"
                                + " stored before them, so commit order is broken by up to {} positions",
                        config.name(),
                        resent + 1,
                        overtakers,
                        overtakers);
            } else {
                LOG.info(
                        "outbox relay {}: publishing again after an outage, {} events resent",
                        config.name(),
                        resent + 1);
            }
        }

        private void park(Entry h, PublishFailures.Failure f) throws SQLException {
            Connection c = parkSession;
            if (c == null || c.isClosed()) {
                c = config.dataSource().getConnection();
                c.setAutoCommit(true);
                parkSession = c;
            }
            WalEventCodec.Event ev = h.event;
            String messageId = ev != null ? messageId(h) : idPrefix + Long.toHexString(h.lsn);
            String error = PublishFailures.bound(f.message());
            String headers = null;
            if (ev != null && ev.headersJson() != null) {
                try {
                    HeadersJson.read(ev.headersJson(), (k, v) -> {});
                    headers = ev.headersJson();
                } catch (IllegalArgumentException e) {
                    error = PublishFailures.bound(f.message() + "; headers as written: " + ev.headersJson());
                }
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO "
                    + config.tables().qualifiedParkedTable()
                    + " (id, subject, message_id, headers, payload, ordering_key, created_at, attempts, reason,"
                    + " error, lsn) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::pg_lsn) ON CONFLICT (id) DO"
                    + " NOTHING")) {
                st.setLong(1, -h.lsn);
                st.setString(2, ev != null ? ev.subject() : UNDECODABLE_SUBJECT);
                st.setString(3, messageId);
                st.setString(4, headers);
                st.setBytes(5, ev != null ? ev.payload() : h.raw);
                st.setString(6, ev != null ? ev.orderingKey() : null);
                st.setTimestamp(
                        7,
                        Timestamp.from(
                                h.commitMicros > 0
                                        ? Instant.ofEpochSecond(
                                                h.commitMicros / 1_000_000, (h.commitMicros % 1_000_000) * 1000)
                                        : config.clock().instant()));
                st.setInt(8, Math.max(1, h.attempts));
                st.setString(9, f.reason().tag());
                st.setString(10, error);
                st.setString(11, LogSequenceNumber.valueOf(h.lsn).asString());
                st.executeUpdate();
            }
            java.util.Objects.requireNonNull(metrics).park(f.reason());
            String finalError = error;
            LOG.warn(
                    "outbox relay {}: parked the event at {} (message id {}) after {} attempt(s): {}",
                    config.name(),
                    LogSequenceNumber.valueOf(h.lsn).asString(),
                    messageId,
                    Math.max(1, h.attempts),
                    finalError);
            events.emit(() -> new OutboxRelayEvent.RowParked(
                    config.clock().instant(),
                    config.name(),
                    -h.lsn,
                    messageId,
                    f.reason(),
                    finalError,
                    Math.max(1, h.attempts)));
        }

        /** Waits, keeping the replication session alive; throws {@link Stop} on close. */
        private void waitFor(Duration d) throws SQLException {
            long end = System.nanoTime() + d.toNanos();
            while (true) {
                if (stopping) {
                    throw new Stop();
                }
                keepAlive();
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(Math.min(left, 50_000_000));
            }
        }

        /** Sends a status update when the reader has not for a status interval (it is not reading now). */
        private void keepAlive() throws SQLException {
            long now = System.nanoTime();
            if (now - lastForcedNanos >= wal.getStatusInterval().toNanos()) {
                report();
                stream.forceUpdateStatus();
                lastForcedNanos = now;
            }
        }

        private void report() {
            if (queue.isEmpty() && !inTransaction) {
                // Everything received is acknowledged: confirm the server's position too (its keepalives carry it),
                // as pg_recvlogical does. A shutting-down walsender leaves only once the client's flush position
                // equals the position it read up to, which includes WAL that decodes to nothing (rolled-back or cut
                // transactions, other tables); confirming commits alone kept a fast shutdown waiting forever.
                long received = stream.getLastReceiveLSN().asLong();
                if (received > flushTo) {
                    flushTo = received;
                }
            }
            if (flushTo > reported) {
                LogSequenceNumber lsn = LogSequenceNumber.valueOf(flushTo);
                stream.setFlushedLSN(lsn);
                stream.setAppliedLSN(lsn);
                reported = flushTo;
                slots.confirmed(flushTo);
            }
        }

        /** On close: settle what is in flight (up to the publish timeout) and confirm it. */
        private void drainOnClose() throws SQLException {
            long end = System.nanoTime() + config.publishTimeout().toNanos();
            while (!queue.isEmpty() && System.nanoTime() - end < 0) {
                Entry h = queue.peek();
                if (h.commit) {
                    flushTo = h.lsn;
                    queue.poll();
                    continue;
                }
                if (h.sendFailure != null || h.future == null) {
                    break;
                }
                if (!h.future.isDone()) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                if (outcome(h) != null) {
                    break;
                }
                acknowledged(h);
                queue.poll();
            }
            report();
            stream.forceUpdateStatus();
        }

        private void closeParkSession() {
            Connection c = parkSession;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    LOG.debug("outbox relay {}: closing the park session: {}", config.name(), e.toString());
                }
            }
        }
    }

    private String messageId(Entry e) {
        WalEventCodec.Event ev = e.event;
        String given = ev == null ? null : ev.messageId();
        return given != null ? given : idPrefix + Long.toHexString(e.lsn);
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
