package dev.jscontract.outbox.internal;

import dev.jscontract.contract.internal.Durations;
import dev.jscontract.outbox.OutboxRelayEvent;
import dev.jscontract.outbox.OutboxRelayEvent.OwnershipCause;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's control thread and its dedicated PostgreSQL session. The session holds the relay's advisory locks (a
 * member lock that makes the relay visible to the others, and one lock per owned partition) and runs the periodic
 * rebalance and stats queries. Between them it waits in pgjdbc's {@code getNotifications(timeout)}, which reads the
 * socket, so a reset or closed session is noticed at once. (The claim thread listens for commits on its own session.)
 *
 * <p>Session-level advisory locks vanish with the session: when this relay's process dies, PostgreSQL sees the socket
 * close and frees the locks at once, and a standby takes the partitions at its next rebalance. When this relay loses
 * its session (network, server restart), every partition is dropped from its ownership at once, so the {@link Claimer}
 * claims no more of their rows and the {@link Publisher} sends none it still holds (it checks the ownership epoch
 * before each row); the thread then reconnects and competes for partitions again.
 */
final class ControlLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);
    private static final long MAX_WAIT_MILLIS = 250;
    private static final long RELEASING = Long.MIN_VALUE;

    private final RelayConfig config;
    private final SchemaInfo schema;
    private final RelayMetrics metrics;
    private final Events events;
    private final InFlight inFlight;
    private final OutboxSql sql;
    private final RelayHealthTracker health;

    private volatile Ownership ownership = Ownership.NONE;
    private volatile boolean running = true;
    private volatile boolean connected;
    private @Nullable Connection conn;
    private long memberKey = -1;
    private int controlPid;
    private final Set<Integer> pendingRelease = new TreeSet<>();
    private long nextRebalanceNanos;
    private long nextStatsNanos;
    private long reconnectDelayMillis = 200;
    private @Nullable String warnedTransaction;

    ControlLoop(
            RelayConfig config,
            SchemaInfo schema,
            OutboxSql sql,
            RelayMetrics metrics,
            Events events,
            InFlight inFlight,
            RelayHealthTracker health) {
        this.config = config;
        this.schema = schema;
        this.sql = sql;
        this.metrics = metrics;
        this.events = events;
        this.inFlight = inFlight;
        this.health = health;
    }

    /** The partitions owned right now. */
    Ownership ownership() {
        return ownership;
    }

    /** Whether the control session is up. */
    boolean isConnected() {
        return connected;
    }

    /** Connects once, on the caller's thread, so that {@code start()} reports an unreachable database. */
    void connectNow() throws SQLException {
        connect();
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    if (conn == null) {
                        connect();
                    }
                    step();
                } catch (SQLException e) {
                    lose(e);
                    sleep(reconnectDelayMillis);
                    reconnectDelayMillis = Math.min(reconnectDelayMillis * 2, 5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    LOG.error("outbox relay {} control loop failed unexpectedly; reconnecting", config.name(), e);
                    lose(new SQLException(e));
                    sleep(reconnectDelayMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shutdown();
        }
    }

    private void step() throws SQLException, InterruptedException {
        long now = System.nanoTime();
        if (!pendingRelease.isEmpty()) {
            releaseIdle();
        }
        if (now - nextRebalanceNanos >= 0) {
            rebalance();
            nextRebalanceNanos = System.nanoTime() + config.rebalanceInterval().toNanos();
        }
        if (now - nextStatsNanos >= 0) {
            stats();
            nextStatsNanos = System.nanoTime() + config.statsInterval().toNanos();
        }
        long waitNanos = Math.min(nextRebalanceNanos, nextStatsNanos) - System.nanoTime();
        long waitMillis = Math.max(1, Math.min(MAX_WAIT_MILLIS, waitNanos / 1_000_000));
        // Nothing listens on this session: the call is a wait that also notices a dead socket at once.
        PGNotification[] n = pg().getNotifications((int) waitMillis);
        if (n != null && n.length > 0) {
            LOG.debug("outbox relay {}: unexpected notifications on the control session", config.name());
        }
    }

    private PGConnection pg() throws SQLException {
        return conn().unwrap(PGConnection.class);
    }

    private Connection conn() throws SQLException {
        Connection c = conn;
        if (c == null) {
            throw new SQLException("control connection is not open");
        }
        return c;
    }

    private void connect() throws SQLException {
        Connection c = DbSession.open(config, "control");
        try {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                controlPid = rs.getInt(1);
            }
            try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                for (int i = 0; ; i++) {
                    long key = ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE);
                    st.setInt(1, schema.memberLockSpace());
                    st.setInt(2, (int) key);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            memberKey = key;
                            break;
                        }
                    }
                    if (i > 100) {
                        throw new SQLException("could not find a free member lock after 100 tries");
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        conn = c;
        connected = true;
        health.databaseUp("control");
        reconnectDelayMillis = 200;
        nextRebalanceNanos = System.nanoTime();
        LOG.info("outbox relay {} connected its control session (member {})", config.name(), memberKey);
        // A notification may have been missed while disconnected.
        inFlight.wake();
    }

    private void rebalance() throws SQLException {
        Map<Long, Long> memberOfPid = new HashMap<>();
        Map<Integer, Long> ownerPid = new HashMap<>();
        Set<Long> members = new HashSet<>();
        long partitionSpace = Integer.toUnsignedLong(schema.partitionLockSpace());
        long memberSpace = Integer.toUnsignedLong(schema.memberLockSpace());
        Set<Integer> heldByMe = new TreeSet<>();
        try (PreparedStatement st = conn().prepareStatement(OutboxSql.LOCKS)) {
            st.setLong(1, partitionSpace);
            st.setLong(2, memberSpace);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long space = rs.getLong(1);
                    long key = rs.getLong(2);
                    long pid = rs.getLong(3);
                    boolean mine = rs.getBoolean(4);
                    if (space == memberSpace) {
                        memberOfPid.put(pid, key);
                        members.add(key);
                    } else if (key < schema.partitions()) {
                        ownerPid.put((int) key, pid);
                        if (mine) {
                            heldByMe.add((int) key);
                        }
                    }
                }
            }
        }
        Map<Integer, Long> owners = new HashMap<>();
        for (Map.Entry<Integer, Long> e : ownerPid.entrySet()) {
            Long member = memberOfPid.get(e.getValue());
            long owner = member != null ? member : -1 - e.getValue(); // a session without a member lock
            owners.put(e.getKey(), owner);
            members.add(owner);
        }
        // Partitions being released are still locked by us but no longer ours: neither free nor counted as ours.
        for (int p : heldByMe) {
            owners.put(p, pendingRelease.contains(p) ? RELEASING : memberKey);
        }
        PartitionPlanner.Plan plan = PartitionPlanner.plan(schema.partitions(), memberKey, members, owners);
        Set<Integer> owned = ownership.asSet();
        if (!plan.release().isEmpty()) {
            owned.removeAll(plan.release());
            pendingRelease.addAll(plan.release());
            change(owned, Set.of(), new TreeSet<>(plan.release()), OwnershipCause.REBALANCE);
            LOG.info(
                    "outbox relay {} hands over partitions {} ({} relays share {} partitions)",
                    config.name(),
                    plan.release(),
                    members.size(),
                    schema.partitions());
        }
        if (!plan.acquire().isEmpty()) {
            Set<Integer> got = new TreeSet<>();
            try (PreparedStatement st =
                    conn().prepareStatement("SELECT p FROM unnest(?::int[]) AS p WHERE pg_try_advisory_lock(?, p)")) {
                st.setArray(1, conn().createArrayOf("int4", plan.acquire().toArray(new Integer[0])));
                st.setInt(2, schema.partitionLockSpace());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        got.add(rs.getInt(1));
                    }
                }
            }
            if (!got.isEmpty()) {
                owned.addAll(got);
                change(owned, got, Set.of(), OwnershipCause.REBALANCE);
                LOG.info(
                        "outbox relay {} owns partitions {} now (acquired {})",
                        config.name(),
                        new TreeSet<>(owned),
                        got);
            }
        }
        releaseIdle();
    }

    /** Unlocks released partitions once no batch between claim and settle ({@link InFlight}) holds a row of them. */
    private void releaseIdle() throws SQLException {
        List<Integer> done =
                pendingRelease.stream().filter(p -> inFlight.inFlight(p) == 0).toList();
        if (done.isEmpty()) {
            return;
        }
        try (PreparedStatement st =
                conn().prepareStatement("SELECT pg_advisory_unlock(?, p) FROM unnest(?::int[]) AS p")) {
            st.setInt(1, schema.partitionLockSpace());
            st.setArray(2, conn().createArrayOf("int4", done.toArray(new Integer[0])));
            st.executeQuery().close();
        }
        done.forEach(pendingRelease::remove);
    }

    private void change(Set<Integer> owned, Set<Integer> acquired, Set<Integer> released, OwnershipCause cause) {
        Ownership next = ownership.next(owned, controlPid);
        ownership = next;
        metrics.owned.set(next.partitions().length);
        metrics.ownershipChanged(cause);
        inFlight.wake();
        events.emit(() -> new OutboxRelayEvent.OwnershipChanged(
                config.clock().instant(), config.name(), next.asSet(), acquired, released, cause));
    }

    private void stats() throws SQLException {
        try (Statement st = conn().createStatement();
                ResultSet rs = st.executeQuery(sql.stats)) {
            rs.next();
            metrics.backlog.set(rs.getLong(1));
            OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
            metrics.parked.set(rs.getLong(3));
            OffsetDateTime dbNow = rs.getObject(4, OffsetDateTime.class);
            metrics.lagMillis.set(
                    oldest == null
                            ? 0
                            : Math.max(0, Duration.between(oldest, dbNow).toMillis()));
            int pid = rs.getInt(5);
            boolean hasXact = !rs.wasNull();
            OffsetDateTime xactStart = rs.getObject(6, OffsetDateTime.class);
            if (!hasXact || xactStart == null) {
                metrics.xminAgeMillis.set(0);
                return;
            }
            String state = rs.getString(7);
            String app = rs.getString(8);
            Duration age = Duration.between(xactStart, dbNow);
            metrics.xminAgeMillis.set(Math.max(0, age.toMillis()));
            String id = pid + "@" + xactStart;
            if (age.compareTo(config.longTransactionThreshold()) >= 0 && !id.equals(warnedTransaction)) {
                warnedTransaction = id;
                LOG.warn(
                        "a transaction in the outbox's database has been open for {} (pid {}, application '{}',"
                                + " state {}): it holds back the xmin horizon, so vacuum cannot remove the outbox"
                                + " rows deleted since it began; the table and its index bloat and claims slow down."
                                + " End it (pg_terminate_backend({}) or commit/rollback it; for a prepared"
                                + " transaction, COMMIT/ROLLBACK PREPARED '{}'), and set"
                                + " idle_in_transaction_session_timeout",
                        Durations.human(age),
                        pid,
                        app,
                        state,
                        pid,
                        app);
                Duration a = age;
                events.emit(() -> new OutboxRelayEvent.XminHorizonHeldBack(
                        config.clock().instant(), config.name(), pid, a, state, app));
            }
        }
    }

    private void lose(SQLException e) {
        Connection c = conn;
        conn = null;
        connected = false;
        if (c != null) {
            closeQuietly(c);
        }
        pendingRelease.clear();
        if (!ownership.isEmpty()) {
            Set<Integer> lost = ownership.asSet();
            change(Set.of(), Set.of(), lost, OwnershipCause.CONNECTION_LOST);
            LOG.warn(
                    "outbox relay {} lost its control session to PostgreSQL ({}); stopped publishing partitions {}"
                            + " and reconnects",
                    config.name(),
                    e.getMessage(),
                    lost);
        } else {
            LOG.debug("outbox relay {}: control session still down: {}", config.name(), e.getMessage());
        }
        if (running) {
            health.databaseDown("control", e.getMessage());
        }
    }

    private void shutdown() {
        if (!ownership.isEmpty()) {
            change(Set.of(), Set.of(), ownership.asSet(), OwnershipCause.CLOSED);
        }
        Connection c = conn;
        conn = null;
        connected = false;
        if (c != null) {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException e) {
                LOG.debug(
                        "outbox relay {}: releasing locks on close failed ({}); closing the session frees them",
                        config.name(),
                        e.getMessage());
            }
            DbSession.reset(c, false);
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a PostgreSQL connection failed: {}", e.getMessage());
        }
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
