package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.PauseCause;
import io.nats.client.Message;
import io.nats.client.support.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls a durable consumer's messages with the JetStream pull protocol over one inbox subscription, asking only for
 * as many messages as the {@link PullPlanner} allows, and sees every status the server sends.
 *
 * <p>Why not jnats {@code consume()}: it counts a message as processed only when its handler returns and re-pulls by
 * a percentage threshold, so it cannot keep "requested + in flight" at the number of free handler threads, which is
 * what B-16 needs; and its status handling reports 409s and heartbeat alarms only to the connection's {@code
 * ErrorListener}, which the user owns. Here each pull request has its own reply subject {@code <inbox>.<id>}, so a
 * 408/409/503 is matched to the request it ends, and every non-routine status becomes a {@link
 * ConsumerEvent.PullError} event and a health problem (CON-001).
 *
 * <p><b>The window.</b> In flight (received, not settled) plus outstanding (asked for, not yet read) never exceeds
 * the planner's window. Outstanding is the larger of what open pulls still ask for and what already waits unread in
 * the inbox, so messages that arrive for a pull that was written off (after a reconnect, say) are counted too.
 *
 * <p><b>Faults.</b>
 *
 * <ul>
 *   <li>No pull is sent while the connection is not CONNECTED (jnats would only buffer it, and a reconnect would
 *       flush a pile of them).
 *   <li>On reconnect ({@link #reconnected()}) the engine moves to a fresh inbox and closes the old one: pulls the
 *       server may still hold from before the disconnect now have no subscriber, so they deliver nothing here, and
 *       the window is never exceeded. What the old inbox still buffered comes back after its ack deadline.
 *   <li>When the server's idle heartbeats stop while a pull is open, the engine does not guess: it asks for a
 *       round-trip probe (run off the timer thread). If the server answers, the pulls were lost (a restart, a leader
 *       change) and are re-sent; if it does not, the network path is stalled, and nothing more is sent until it
 *       heals.
 *   <li>Pull errors move the health to RECOVERING, and to HALTED when the durable was deleted, the connection is
 *       closed, or errors have lasted longer than the pull error budget. Failed pulls are retried with a backoff
 *       that grows to {@value #MAX_ERROR_BACKOFF_MILLIS} ms; nothing spins.
 * </ul>
 *
 * <p>Handler threads read the inbox directly ({@link #next(Duration)}): a pulled message goes from the connection's
 * reader thread to a free handler thread with one hand-off. Statuses are handled by whichever thread reads them.
 *
 * <p><b>Parking.</b> A message still in the inbox is not heartbeated, so its ack deadline runs while it waits for a
 * thread. While the handler threads hold their messages (a downstream outage), nothing takes it, and an outage longer
 * than the ack wait would make the server redeliver it (a delivery spent, and its first copy, still buffered, would run
 * the handler again). So the runtime calls {@link #park(Instant)} while a handler thread holds its message: the
 * buffered messages are taken out of the inbox into a parking queue, heartbeated at once and every interval after
 * ({@link #heartbeatParked(Instant)}), and handed to handler threads before anything newer ({@link
 * #parkedAt(Message)} tells the pipeline when). A parked message stays in flight; when the engine stops, parked
 * messages are released (NAK without delay) so another instance can take them at once.
 *
 * <p>Thread-safe: state is guarded by this object's lock; handler threads (through {@link #next(Duration)} and {@link
 * #settled()}), the timer (through {@link #maintain()}), the I/O thread (probes) and jnats' connection-event thread
 * call in.
 */
public final class PullEngine {
    private static final Logger LOG = LoggerFactory.getLogger(PullEngine.class);
    private static final long MIN_ERROR_BACKOFF_MILLIS = 1_000;
    private static final long MAX_ERROR_BACKOFF_MILLIS = 10_000;
    private static final int MISSED_HEARTBEATS = 3;
    /** How long {@link #park(Instant)} waits for a message the inbox says it has (another thread may take it first). */
    private static final Duration PARK_READ = Duration.ofMillis(1);

    /** Asks the runtime to probe the connection off the timer thread and report with {@link #probed(boolean)}. */
    @FunctionalInterface
    public interface Prober {
        /** Starts a probe; returns false when it cannot be started (closing). */
        boolean requestProbe();
    }

    private final PullTransport transport;
    private final String stream;
    private final String durable;
    private final PullPlanner planner;
    private final Clock clock;
    private final EventBus events;
    private final @Nullable HealthTracker health;
    private final Duration errorBudget;
    private final String pullSubject;
    private final long expiryMillis;
    private final long heartbeatMillis;
    private final String bodySuffix;

    /** Open pull requests, oldest first: the server fills waiting requests in arrival order. */
    private final OpenPulls requests = new OpenPulls();

    private final Set<PauseCause> pauses = EnumSet.noneOf(PauseCause.class);
    private @Nullable BooleanSupplier gate;
    private @Nullable Prober prober;
    private boolean gateClosed;
    private PullTransport.@Nullable Inbox inbox;
    private boolean stopped;
    private boolean started;
    private int inFlight;
    private long nextRequestId;
    private long lastActivityMillis;
    private long retryNotBeforeMillis;
    private long errorBackoffMillis = MIN_ERROR_BACKOFF_MILLIS;
    private long errorsSinceMillis = -1;
    private boolean probing;
    /** The last probe got no answer: the path is stalled; nothing expires and nothing is sent until it heals. */
    private boolean stalled;

    private long pullsSent;

    /** A message taken out of the inbox while the handler threads hold theirs; heartbeated until a thread takes it. */
    private static final class Parked {
        final Message message;
        final AckTarget target;
        final Instant parkedAt;
        Instant nextHeartbeatAt;

        Parked(Message message, AckTarget target, Instant parkedAt) {
            this.message = message;
            this.target = target;
            this.parkedAt = parkedAt;
            this.nextHeartbeatAt = parkedAt; // it waited in the inbox for an unknown time: heartbeat at once
        }
    }

    private final ArrayDeque<Parked> parked = new ArrayDeque<>();
    /** Parked messages handed to a handler thread, until the pipeline asks when they were parked. */
    private final Map<Message, Instant> handedOut = new IdentityHashMap<>();

    private @Nullable Duration parkingHeartbeat;
    private Function<Message, AckTarget> ackTargets = AckTarget::of;

    /**
     * @param planner how much to pull
     * @param expiry how long each pull request waits at the server
     * @param health where problems and pauses are reported (null for the sweeper, whose health is not the
     *     consumer's)
     * @param errorBudget how long pull errors may last before the consumer is HALTED
     */
    public PullEngine(
            PullTransport transport,
            String stream,
            String durable,
            PullPlanner planner,
            Duration expiry,
            Clock clock,
            EventBus events,
            @Nullable HealthTracker health,
            Duration errorBudget) {
        this.transport = transport;
        this.stream = stream;
        this.durable = durable;
        this.planner = planner;
        this.clock = clock;
        this.events = events;
        this.health = health;
        this.errorBudget = errorBudget;
        this.pullSubject = "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + durable;
        this.expiryMillis = expiry.toMillis();
        this.heartbeatMillis = heartbeatFor(expiry).toMillis();
        this.bodySuffix = ",\"expires\":" + expiry.toNanos() + ",\"idle_heartbeat\":"
                + heartbeatFor(expiry).toNanos() + "}";
    }

    /** The idle heartbeat asked for in pull requests: a fifth of the expiry, at least 500 ms. */
    static Duration heartbeatFor(Duration expiry) {
        Duration hb = expiry.dividedBy(5);
        return hb.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : hb;
    }

    /** Subscribes the inbox and sends the first pull. */
    public void start() {
        PullTransport.Inbox first = transport.openInbox();
        synchronized (this) {
            inbox = first;
            started = true;
            lastActivityMillis = clock.millis();
        }
        maybePull();
    }

    /** Installs the gate asked before every pull (for example an open circuit breaker says no). */
    public synchronized void gate(BooleanSupplier allowsPulling) {
        this.gate = allowsPulling;
    }

    /** Installs what runs connection probes when heartbeats stop (the runtime's I/O thread). */
    public synchronized void prober(Prober prober) {
        this.prober = prober;
    }

    /**
     * Turns on {@link #park(Instant) parking}: parked messages are heartbeated every {@code heartbeatInterval}. Off by
     * default (a contract without heartbeats cannot keep a waiting message's deadline, so parking would not help).
     */
    public void parking(Duration heartbeatInterval) {
        parking(heartbeatInterval, AckTarget::of);
    }

    /** {@link #parking(Duration)} with the heartbeats going to {@code targets} (tests give fakes). */
    synchronized void parking(Duration heartbeatInterval, Function<Message, AckTarget> targets) {
        this.parkingHeartbeat = heartbeatInterval;
        this.ackTargets = targets;
    }

    /** One in-flight message was settled (or abandoned): frees its place in the window and pulls if possible. */
    public void settled() {
        synchronized (this) {
            inFlight--;
        }
        maybePull();
    }

    /** Stops pulling for {@code cause} until {@link #resume(PauseCause)}. */
    public void pause(PauseCause cause) {
        boolean added;
        synchronized (this) {
            added = pauses.add(cause);
        }
        if (added) {
            announce(cause, true);
        }
    }

    /** Ends a pause. */
    public void resume(PauseCause cause) {
        boolean removed;
        synchronized (this) {
            removed = pauses.remove(cause);
        }
        if (removed) {
            announce(cause, false);
        }
        maybePull();
    }

    /** Whether nothing is in flight and no pull is open. */
    public synchronized boolean isIdle() {
        return inFlight <= 0 && requests.requested() <= 0;
    }

    /** Messages received and not yet settled. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** Messages asked for by open pulls. */
    public synchronized int requested() {
        return requests.requested();
    }

    /** Pull requests sent so far. */
    public synchronized long pullsSent() {
        return pullsSent;
    }

    /** The planner. */
    public PullPlanner planner() {
        return planner;
    }

    /** Messages received and waiting for a handler thread: in the client buffer, or parked. */
    public synchronized int buffered() {
        PullTransport.Inbox i = inbox;
        return (i == null ? 0 : i.buffered()) + parked.size();
    }

    /** Messages parked: taken out of the inbox and heartbeated while they wait for a handler thread. */
    public synchronized int parked() {
        return parked.size();
    }

    /**
     * At most how long the oldest buffered message has waited: the age of the oldest open pull, which the first
     * buffered message answered (the server fills pulls in order). An upper bound: a pull that waited at the server
     * before its message came makes it larger than the message's real wait. For a parked message it is at least the
     * time since it was parked (the larger of the two when both wait). Zero when nothing is buffered.
     */
    public synchronized Duration oldestBufferedAge() {
        PullTransport.Inbox i = inbox;
        long now = clock.millis();
        long sent = requests.oldestSentMillis();
        long age = i == null || sent < 0 || i.buffered() == 0 ? 0 : Math.max(0, now - sent);
        Parked first = parked.peekFirst();
        if (first != null) {
            age = Math.max(age, Math.max(0, now - first.parkedAt.toEpochMilli()));
        }
        return Duration.ofMillis(age);
    }

    /**
     * Takes the messages waiting in the inbox out of it into the parking queue, where {@link #heartbeatParked(Instant)}
     * heartbeats them (the first heartbeat at once: how long they waited in the inbox is unknown) until a handler
     * thread takes them. Called by the timer while a handler thread holds its message; does nothing unless {@link
     * #parking(Duration) parking} is on.
     *
     * @return how many messages were parked
     */
    public int park(Instant now) {
        PullTransport.Inbox i;
        synchronized (this) {
            i = inbox;
            if (parkingHeartbeat == null || stopped || i == null) {
                return 0;
            }
        }
        int n = 0;
        while (i.buffered() > 0) {
            Message m;
            try {
                m = i.next(PARK_READ);
            } catch (IllegalStateException e) {
                return n; // the inbox was rotated or closed: what it still had comes back after its deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return n;
            }
            if (m == null) {
                break; // a handler thread took it first
            }
            if (!take(i, m)) {
                continue; // a status
            }
            synchronized (this) {
                if (!stopped) {
                    parked.addLast(new Parked(m, ackTargets.apply(m), now));
                    n++;
                    continue;
                }
                inFlight--;
            }
            release(m); // stopped meanwhile: hand it back like the parked ones
        }
        if (n > 0) {
            LOG.debug(
                    "consumer {}/{}: {} buffered message(s) parked and heartbeated while the handler threads hold"
                            + " theirs",
                    stream,
                    durable,
                    n);
        }
        return n;
    }

    /**
     * Sends the heartbeats that are due for parked messages: each one every parking interval, the first at once.
     *
     * @return how many heartbeats were sent
     */
    public int heartbeatParked(Instant now) {
        List<Parked> due = new ArrayList<>();
        synchronized (this) {
            Duration interval = parkingHeartbeat;
            if (interval == null || parked.isEmpty()) {
                return 0;
            }
            for (Parked p : parked) {
                if (!now.isBefore(p.nextHeartbeatAt)) {
                    p.nextHeartbeatAt = now.plus(interval);
                    due.add(p);
                }
            }
        }
        int sent = 0;
        for (Parked p : due) {
            try {
                p.target.inProgress();
                sent++;
            } catch (RuntimeException e) {
                // the connection is closed: the message comes back after its deadline
                LOG.debug("consumer {}/{}: could not heartbeat a parked message: {}", stream, durable, e.toString());
                continue;
            }
            if (events.enabled()) {
                String reply = p.message.getReplyTo();
                events.publish(new ConsumerEvent.HeartbeatSent(
                        now,
                        stream,
                        durable,
                        AckSubjects.streamSequence(reply),
                        (int) Math.min(Integer.MAX_VALUE, AckSubjects.deliveredCount(reply)),
                        Duration.between(p.parkedAt, now)));
            }
        }
        return sent;
    }

    /**
     * When {@code message} was parked, if {@link #next(Duration)} handed it out of the parking queue (asked once, by
     * the pipeline, when it starts on the message); null for a message read from the inbox.
     */
    public synchronized @Nullable Instant parkedAt(Message message) {
        return handedOut.remove(message);
    }

    /**
     * Housekeeping, called by the timer: follows the connection's status, writes off pulls past their expiry, asks
     * for a probe when the server's heartbeats stopped, re-evaluates the gate, and pulls when there is room.
     */
    public void maintain() {
        boolean probe = false;
        PullTransport.Status status = transport.status();
        synchronized (this) {
            if (stopped || !started) {
                return;
            }
            long now = clock.millis();
            if (!stalled) {
                // While stalled, open pulls may be stuck in the network and still be served once it heals.
                requests.expire(now);
            }
            if (status == PullTransport.Status.CONNECTED
                    && (stalled || !requests.isEmpty())
                    && !probing
                    && now - lastActivityMillis > MISSED_HEARTBEATS * heartbeatMillis
                    && !hasUnread()) {
                probing = true;
                probe = true;
            }
        }
        connectionStatus(status);
        if (probe && !startProbe()) {
            synchronized (this) {
                probing = false;
            }
        }
        maybePull();
    }

    /** Reports the connection's status to the health model. */
    private void connectionStatus(PullTransport.Status status) {
        if (health == null) {
            return;
        }
        switch (status) {
            case CONNECTED -> health.solved(Problem.DISCONNECTED);
            case RECONNECTING ->
                health.problem(
                        Problem.DISCONNECTED,
                        false,
                        "the NATS connection is disconnected and jnats is reconnecting; no pulls are sent until it is"
                                + " back, and messages in flight are settled or redelivered after their ack deadline");
            case CLOSED -> closed();
        }
    }

    private boolean startProbe() {
        Prober p;
        synchronized (this) {
            p = prober;
        }
        return p != null && p.requestProbe();
    }

    /**
     * The probe's answer: {@code answered} when the server replied to a PING on this connection. After heartbeats
     * stopped on a path that works, the open pulls were lost (a restart, a leader change) and are re-sent; when the
     * path does not answer it is stalled; when a stalled path answers again, the open pulls may still be served (they
     * were stuck in the network), so they get a fresh expiry instead of being re-sent.
     */
    public void probed(boolean answered) {
        long silence;
        boolean healed = false;
        boolean lost = false;
        synchronized (this) {
            probing = false;
            if (stopped) {
                return;
            }
            long now = clock.millis();
            silence = now - lastActivityMillis;
            lastActivityMillis = now; // the next probe comes after another round of missed heartbeats
            if (answered && stalled) {
                heal(now);
                healed = true;
            } else if (answered) {
                clearRequests();
                lost = true;
            } else {
                stalled = true;
            }
        }
        if (lost) {
            pullError(
                    PullErrorKind.HEARTBEAT_MISSED,
                    0,
                    "no idle heartbeat for " + silence + " ms while a pull was open, but the server answers a PING:"
                            + " the pulls were lost (a server restart or a consumer leader change) and are re-sent");
        } else if (healed) {
            if (health != null) {
                health.solved(Problem.CONNECTION_STALLED);
            }
            maybePull();
        } else if (health != null) {
            health.problem(
                    Problem.CONNECTION_STALLED,
                    false,
                    "nothing has come from nats-server for " + silence + " ms and a PING got no PONG: the network path"
                            + " is stalled (a silent cut or an overloaded server); no more pulls are sent until it"
                            + " answers, and jnats reconnects if its own pings time out");
        }
    }

    /** The stalled path works again: open pulls get a fresh expiry, since the server may only now have them. */
    private void heal(long now) {
        stalled = false;
        requests.refresh(now + expiryMillis + Math.max(1000, heartbeatMillis));
    }

    /** Whether the inbox holds messages no handler thread has read yet (they count as signs of life). */
    private boolean hasUnread() {
        PullTransport.Inbox i = inbox;
        return i != null && i.buffered() > 0;
    }

    /**
     * The connection reconnected (and resubscribed): moves to a fresh inbox so that pulls the server may still hold
     * from before cannot deliver beyond the window, and re-pulls.
     */
    public void reconnected() {
        PullTransport.Inbox old;
        PullTransport.Inbox fresh;
        synchronized (this) {
            if (stopped || !started) {
                return;
            }
            old = inbox;
        }
        try {
            fresh = transport.openInbox();
        } catch (IllegalStateException e) {
            LOG.debug("consumer {}/{}: cannot open a new inbox after reconnecting: {}", stream, durable, e.toString());
            return;
        }
        int written;
        int dropped = old == null ? 0 : old.buffered();
        synchronized (this) {
            if (stopped) {
                fresh.close();
                return;
            }
            written = requests.size();
            inbox = fresh;
            clearRequests();
            stalled = false;
            retryNotBeforeMillis = 0;
            errorBackoffMillis = MIN_ERROR_BACKOFF_MILLIS;
            lastActivityMillis = clock.millis();
        }
        if (old != null) {
            old.close();
        }
        LOG.info(
                "consumer {}/{}: reconnected; pulling on a fresh inbox ({} open pull(s) written off, {} unread message(s)"
                        + " left for redelivery)",
                stream,
                durable,
                written,
                dropped);
        if (health != null) {
            health.solved(Problem.DISCONNECTED);
            health.solved(Problem.CONNECTION_STALLED);
        }
        maybePull();
    }

    /** The connection closed for good: the consumer halts and its threads idle. */
    public void closed() {
        if (health != null && !health.has(Problem.CONNECTION_CLOSED)) {
            health.problem(
                    Problem.CONNECTION_CLOSED,
                    true,
                    "the NATS connection is closed (by the application, or jnats gave up reconnecting), so this"
                            + " consumer can never pull again; messages it held come back after their ack deadline."
                            + " Close it and start a new one on an open connection");
        }
    }

    private void clearRequests() {
        requests.clear();
    }

    /** Unsubscribes; later messages on the inbox are dropped by the client and redelivered by the server. */
    public void stop() {
        PullTransport.Inbox i;
        List<Parked> left;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            i = inbox;
            inbox = null;
            clearRequests();
            left = new ArrayList<>(parked);
            parked.clear();
            handedOut.clear();
            inFlight -= left.size();
            notifyAll();
        }
        if (i != null) {
            i.close();
        }
        for (Parked p : left) {
            release(p.message);
        }
        if (!left.isEmpty()) {
            LOG.info(
                    "consumer {}/{}: stopped with {} parked message(s); released for redelivery at once",
                    stream,
                    durable,
                    left.size());
        }
    }

    /** Hands a parked message back at once (NAK without delay): the consumer stops, it was not processed. */
    private void release(Message m) {
        try {
            ackTargets.apply(m).releaseNow();
        } catch (RuntimeException e) {
            LOG.debug("consumer {}/{}: could not release a parked message: {}", stream, durable, e.toString());
        }
    }

    /** Sends pulls while the window has room and nothing stops pulling. */
    public void maybePull() {
        Boolean gateChange = null;
        PullTransport.Status status = transport.status();
        synchronized (this) {
            PullTransport.Inbox i = inbox;
            if (stopped || i == null || status != PullTransport.Status.CONNECTED || probing || stalled) {
                return;
            }
            if (health != null && (health.has(Problem.CONNECTION_CLOSED) || health.has(Problem.HANDLER_THREAD_DIED))) {
                return;
            }
            BooleanSupplier g = gate;
            if (g != null) {
                boolean closed = !g.getAsBoolean();
                if (closed != gateClosed) {
                    gateClosed = closed;
                    gateChange = closed;
                }
            }
            if (pauses.isEmpty() && !gateClosed) {
                long now = clock.millis();
                if (now >= retryNotBeforeMillis) {
                    int n;
                    while ((n = planner.nextPull(inFlight, Math.max(requests.requested(), i.buffered()))) > 0) {
                        if (!sendPull(i, n, now)) {
                            break;
                        }
                    }
                }
            }
        }
        if (gateChange != null) {
            announce(PauseCause.GATE, gateChange);
        }
    }

    private boolean sendPull(PullTransport.Inbox i, int n, long now) {
        long id = ++nextRequestId;
        if (requests.isEmpty()) {
            lastActivityMillis = now;
        }
        try {
            transport.publish(
                    pullSubject,
                    i.prefix() + "." + id,
                    ("{\"batch\":" + n + bodySuffix).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalStateException e) {
            // closed, or the reconnect buffer is full: the timer looks at the connection again
            LOG.debug("consumer {}/{}: cannot pull: {}", stream, durable, e.toString());
            retryNotBeforeMillis = now + MIN_ERROR_BACKOFF_MILLIS;
            return false;
        }
        requests.add(id, n, now + expiryMillis + Math.max(1000, heartbeatMillis), now);
        pullsSent++;
        return true;
    }

    /**
     * The next pulled message for a handler thread, after handling any statuses that come first; null when none
     * arrives within {@code timeout} or the engine stopped. While the connection is closed (or before start) it waits
     * out the timeout without spinning. The caller must call {@link #settled()} once per message returned.
     *
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public @Nullable Message next(Duration timeout) throws InterruptedException {
        PullTransport.Inbox i;
        synchronized (this) {
            Parked p = parked.pollFirst();
            if (p != null) {
                handedOut.put(p.message, p.parkedAt); // already counted in flight when it was parked
                return p.message;
            }
            i = inbox;
            if (i == null || stopped) {
                wait(Math.max(1, timeout.toMillis())); // not started or stopped: nothing to read
                return null;
            }
        }
        Message m;
        try {
            m = i.next(timeout);
        } catch (IllegalStateException e) {
            // the inbox was rotated (read the new one next time) or the connection closed (then wait)
            if (transport.status() == PullTransport.Status.CLOSED) {
                closed();
                synchronized (this) {
                    wait(Math.max(1, timeout.toMillis()));
                }
            }
            return null;
        }
        if (m == null) {
            return null;
        }
        return take(i, m) ? m : null;
    }

    /** Accounts for a message from the inbox; true when it is a JetStream message for a handler. */
    private boolean take(PullTransport.Inbox from, Message m) {
        try {
            if (m.isStatusMessage()) {
                onStatus(from, requestId(m.getSubject()), m);
                return false;
            }
            if (!m.isJetStream()) {
                LOG.warn(
                        "consumer {}/{}: ignoring a non-JetStream message on the pull inbox (subject {})",
                        stream,
                        durable,
                        m.getSubject());
                return false;
            }
            boolean recovering;
            synchronized (this) {
                lastActivityMillis = clock.millis();
                recovering = stalled || errorsSinceMillis >= 0;
                if (from == inbox) {
                    // a message carries its own subject, not the request's: attribute it to the oldest open request
                    requests.messageArrived();
                }
                inFlight++;
            }
            if (recovering) {
                pullsWork();
            }
            return true;
        } catch (RuntimeException e) {
            LOG.error("consumer {}/{}: failed to take a pulled message; it will be redelivered", stream, durable, e);
            return false;
        }
    }

    private void onStatus(PullTransport.Inbox from, long id, Message m) {
        Status status = m.getStatus();
        int code = status.getCode();
        String text = status.getMessage() == null ? "" : status.getMessage();
        PullErrorKind error = null;
        boolean recovering;
        synchronized (this) {
            lastActivityMillis = clock.millis();
            recovering = stalled || errorsSinceMillis >= 0;
            if (code == Status.FLOW_OR_HEARTBEAT_STATUS_CODE) {
                error = null;
            } else {
                if (from == inbox) {
                    requests.end(id);
                }
                if (code == Status.NOT_FOUND_CODE || code == Status.REQUEST_TIMEOUT_CODE) {
                    // routine end of a pull (expired / nothing for no_wait)
                } else if (code == Status.CONFLICT_CODE && PullProblems.isRoutineConflict(text)) {
                    LOG.debug("consumer {}/{}: pull ended: {} {}", stream, durable, code, text);
                } else {
                    error = PullProblems.classify(code, text);
                    retryNotBeforeMillis = clock.millis() + errorBackoffMillis;
                    errorBackoffMillis = Math.min(errorBackoffMillis * 2, MAX_ERROR_BACKOFF_MILLIS);
                }
            }
        }
        if (error != null) {
            pullError(error, code, text);
            return;
        }
        if (recovering) {
            pullsWork(); // a heartbeat or a routine end: pulling works
        }
        maybePull();
    }

    /** A pull got an answer that shows pulling works: clears pull problems, a stall and the error backoff. */
    private void pullsWork() {
        boolean recovered;
        boolean healed;
        synchronized (this) {
            recovered = errorsSinceMillis >= 0;
            healed = stalled;
            if (stalled) {
                heal(clock.millis());
            }
            errorsSinceMillis = -1;
            errorBackoffMillis = MIN_ERROR_BACKOFF_MILLIS;
        }
        if (health != null && recovered) {
            health.solved(Problem.CONSUMER_DELETED);
            health.solved(Problem.JETSTREAM_UNAVAILABLE);
            health.solved(Problem.PULL_ERRORS);
        }
        if (health != null && healed) {
            health.solved(Problem.CONNECTION_STALLED);
        }
    }

    private void pullError(PullErrorKind kind, int code, String text) {
        long failingFor;
        synchronized (this) {
            long now = clock.millis();
            if (kind != PullErrorKind.HEARTBEAT_MISSED && errorsSinceMillis < 0) {
                errorsSinceMillis = now;
            }
            failingFor = errorsSinceMillis < 0 ? 0 : now - errorsSinceMillis;
        }
        LOG.debug("consumer {}/{}: pull error {} ({} {})", stream, durable, kind, code, text);
        if (health != null) {
            PullProblems.report(
                    health,
                    stream,
                    durable,
                    kind,
                    code,
                    text,
                    failingFor >= errorBudget.toMillis(),
                    errorBudget,
                    MAX_ERROR_BACKOFF_MILLIS);
        }
        if (events.enabled()) {
            events.publish(new ConsumerEvent.PullError(events.now(), stream, durable, kind, code, text));
        }
        maybePull();
    }

    private void announce(PauseCause cause, boolean paused) {
        if (health == null) {
            return;
        }
        if (paused) {
            health.paused(cause);
        } else {
            health.resumed(cause);
        }
        if (events.enabled()) {
            events.publish(
                    paused
                            ? new ConsumerEvent.PullingPaused(events.now(), stream, durable, cause)
                            : new ConsumerEvent.PullingResumed(events.now(), stream, durable, cause));
        }
    }

    /** The numeric last token of {@code <inbox>.<id>}, or -1. */
    static long requestId(String subject) {
        long id = 0;
        int i = subject.length() - 1;
        if (i < 0 || subject.charAt(i) == '.') {
            return -1;
        }
        long place = 1;
        for (; i >= 0; i--) {
            char c = subject.charAt(i);
            if (c == '.') {
                return id;
            }
            if (c < '0' || c > '9' || place > 1_000_000_000_000_000L) {
                return -1;
            }
            id += (c - '0') * place;
            place *= 10;
        }
        return -1;
    }

    @Override
    public synchronized String toString() {
        return "PullEngine{" + stream + "/" + durable + ", " + planner + ", inFlight=" + inFlight + ", requested="
                + requests.requested() + ", parked=" + parked.size() + ", pauses=" + pauses + ", gateClosed="
                + gateClosed
                + "}";
    }
}
