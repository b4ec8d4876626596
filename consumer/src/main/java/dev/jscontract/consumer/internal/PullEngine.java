package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.PauseCause;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.support.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls a durable consumer's messages with the JetStream pull protocol over one wildcard inbox subscription, asking
 * only for as many messages as the {@link PullPlanner} allows, and sees every status the server sends.
 *
 * <p>Why not jnats {@code consume()}: it counts a message as processed only when its handler returns and re-pulls by
 * a percentage threshold, so it cannot keep "requested + in flight" at the number of free handler threads, which is
 * what B-16 needs; and its status handling reports 409s and heartbeat alarms only to the connection's {@code
 * ErrorListener}, which the user owns. Here each pull request has its own reply subject {@code <inbox>.<id>}, so a
 * 408/409/503 is matched to the request it ends, and every non-routine status becomes a {@link
 * ConsumerEvent.PullError} event and a log line (CON-001). Only public jnats API is used: messages on a subscription
 * whose reply subject starts with {@code $JS.ACK} are full JetStream messages ({@code metaData()}, {@code ack()}...).
 *
 * <p>Liveness: each pull asks for idle heartbeats; when none arrive for three heartbeat intervals while a pull is
 * open (a server restart or a lost consumer leader loses pull requests), the open pulls are written off and re-sent.
 * The runtime also calls {@link #reset(String)} on reconnect. Messages that arrive for a written-off pull are still
 * processed (the window may be exceeded briefly).
 *
 * <p>The inbox is a synchronous subscription that the handler threads read directly ({@link #next(Duration)}): a
 * pulled message goes from the connection's reader thread to a free handler thread with one hand-off, and no thread
 * sits between them. Statuses are handled by whichever handler thread reads them.
 *
 * <p>Thread-safe: state is guarded by this object's lock; handler threads (through {@link #next(Duration)} and
 * {@link #settled()}) and the timer (through {@link #maintain()}) call in.
 */
public final class PullEngine {
    private static final Logger LOG = LoggerFactory.getLogger(PullEngine.class);
    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);
    private static final long ERROR_LOG_INTERVAL_MILLIS = 30_000;
    private static final int MISSED_HEARTBEATS = 3;

    private final Connection connection;
    private final String stream;
    private final String durable;
    private final PullPlanner planner;
    private final Clock clock;
    private final EventBus events;
    private final boolean announcePauses;
    private final String pullSubject;
    private final String inbox;
    private final long expiryMillis;
    private final long heartbeatMillis;
    private final String bodySuffix;

    /** Open pull requests, oldest first: the server fills waiting requests in arrival order. */
    private final ArrayDeque<Request> requests = new ArrayDeque<>();

    private final Set<PauseCause> pauses = EnumSet.noneOf(PauseCause.class);
    private @Nullable BooleanSupplier gate;
    private boolean gateClosed;
    private @Nullable Subscription subscription;
    private boolean stopped;
    private int inFlight;
    private int requested;
    private long nextRequestId;
    private long lastActivityMillis;
    private long retryNotBeforeMillis;
    private @Nullable PullErrorKind lastLoggedError;
    private long lastErrorLogMillis;
    private long pullsSent;

    private static final class Request {
        final long id;
        int remaining;
        final long deadMillis;

        Request(long id, int remaining, long deadMillis) {
            this.id = id;
            this.remaining = remaining;
            this.deadMillis = deadMillis;
        }
    }

    /**
     * @param planner how much to pull
     * @param expiry how long each pull request waits at the server
     * @param announcePauses whether pauses and resumes are published as events (false for the sweeper)
     */
    public PullEngine(
            Connection connection,
            String stream,
            String durable,
            PullPlanner planner,
            Duration expiry,
            Clock clock,
            EventBus events,
            boolean announcePauses) {
        this.connection = connection;
        this.stream = stream;
        this.durable = durable;
        this.planner = planner;
        this.clock = clock;
        this.events = events;
        this.announcePauses = announcePauses;
        this.pullSubject = "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + durable;
        this.inbox = connection.createInbox();
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
        Subscription sub = connection.subscribe(inbox + ".*");
        synchronized (this) {
            subscription = sub;
            lastActivityMillis = clock.millis();
        }
        maybePull();
    }

    /** Installs the gate asked before every pull (for example an open circuit breaker says no). */
    public synchronized void gate(BooleanSupplier allowsPulling) {
        this.gate = allowsPulling;
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
        return inFlight <= 0 && requested <= 0;
    }

    /** Messages received and not yet settled. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** Messages asked for by open pulls. */
    public synchronized int requested() {
        return requested;
    }

    /** Pull requests sent so far. */
    public synchronized long pullsSent() {
        return pullsSent;
    }

    /** The planner. */
    public PullPlanner planner() {
        return planner;
    }

    /**
     * Housekeeping, called by the timer: writes off pulls past their expiry, detects silent servers (missed idle
     * heartbeats), re-evaluates the gate, and pulls when there is room.
     */
    public void maintain() {
        boolean silent = false;
        long silence = 0;
        synchronized (this) {
            if (stopped) {
                return;
            }
            long now = clock.millis();
            for (Iterator<Request> it = requests.iterator(); it.hasNext(); ) {
                Request r = it.next();
                if (now >= r.deadMillis) {
                    requested -= r.remaining;
                    it.remove();
                }
            }
            if (!requests.isEmpty() && now - lastActivityMillis > MISSED_HEARTBEATS * heartbeatMillis && !hasUnread()) {
                silent = true;
                silence = now - lastActivityMillis;
                clearRequests();
                lastActivityMillis = now;
            }
        }
        if (silent) {
            pullError(
                    PullErrorKind.HEARTBEAT_MISSED,
                    0,
                    "no idle heartbeat for " + silence + " ms while a pull was"
                            + " open; the pulls were presumed lost (server restart or consumer leader change) and re-sent");
        }
        maybePull();
    }

    /** Whether the inbox holds messages no handler thread has read yet (they count as signs of life). */
    private boolean hasUnread() {
        Subscription sub = subscription;
        try {
            return sub != null && sub.getPendingMessageCount() > 0;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Writes off all open pulls (for example after a reconnect, when the server may have dropped them). */
    public void reset(String why) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            LOG.info(
                    "consumer {}/{}: re-issuing pulls ({}): {} open pull(s) for {} message(s) written off",
                    stream,
                    durable,
                    why,
                    requests.size(),
                    requested);
            clearRequests();
            retryNotBeforeMillis = 0;
            lastActivityMillis = clock.millis();
        }
        maybePull();
    }

    private void clearRequests() {
        requests.clear();
        requested = 0;
    }

    /** Unsubscribes; later messages on the inbox are dropped by the client and redelivered by the server. */
    public void stop() {
        Subscription sub;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            sub = subscription;
            subscription = null;
            clearRequests();
        }
        if (sub != null) {
            try {
                sub.unsubscribe();
            } catch (IllegalStateException | IllegalArgumentException e) {
                // the connection (and with it the subscription) is already closed
                LOG.debug("consumer {}/{}: subscription already closed: {}", stream, durable, e.toString());
            }
        }
    }

    /** Sends pulls while the window has room and nothing pauses pulling. */
    public void maybePull() {
        Boolean gateChange = null;
        synchronized (this) {
            if (stopped || subscription == null) {
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
                    while ((n = planner.nextPull(inFlight, requested)) > 0) {
                        if (!sendPull(n, now)) {
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

    private boolean sendPull(int n, long now) {
        long id = ++nextRequestId;
        if (requests.isEmpty()) {
            lastActivityMillis = now;
        }
        try {
            connection.publish(
                    pullSubject,
                    inbox + "." + id,
                    ("{\"batch\":" + n + bodySuffix).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalStateException e) {
            // the connection is closed (or draining): nothing to pull from until it is replaced
            LOG.debug("consumer {}/{}: cannot pull: {}", stream, durable, e.toString());
            retryNotBeforeMillis = now + ERROR_BACKOFF.toMillis();
            return false;
        }
        requests.addLast(new Request(id, n, now + expiryMillis + Math.max(1000, heartbeatMillis)));
        requested += n;
        pullsSent++;
        return true;
    }

    /**
     * The next pulled message for a handler thread, after handling any statuses that come first; null when none
     * arrives within {@code timeout} or the engine stopped. The caller must call {@link #settled()} once per message
     * returned.
     *
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public @Nullable Message next(Duration timeout) throws InterruptedException {
        Subscription sub;
        synchronized (this) {
            sub = subscription;
        }
        if (sub == null) {
            Thread.sleep(timeout.toMillis()); // not started or stopped: nothing to read
            return null;
        }
        Message m;
        try {
            m = sub.nextMessage(timeout);
        } catch (IllegalStateException e) {
            return null; // unsubscribed while waiting (stop)
        }
        if (m == null) {
            return null;
        }
        return take(m) ? m : null;
    }

    /** Accounts for a message from the inbox; true when it is a JetStream message for a handler. */
    private boolean take(Message m) {
        try {
            if (m.isStatusMessage()) {
                onStatus(requestId(m.getSubject()), m);
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
            synchronized (this) {
                // a message carries its own subject, not the request's: attribute it to the oldest open request
                lastActivityMillis = clock.millis();
                Request r = requests.peekFirst();
                if (r != null) {
                    requested--;
                    if (--r.remaining <= 0) {
                        requests.pollFirst();
                        if (requests.isEmpty()) {
                            requested = 0;
                        }
                    }
                }
                inFlight++;
            }
            return true;
        } catch (RuntimeException e) {
            LOG.error("consumer {}/{}: failed to take a pulled message; it will be redelivered", stream, durable, e);
            return false;
        }
    }

    private void onStatus(long id, Message m) {
        Status status = m.getStatus();
        int code = status.getCode();
        String text = status.getMessage() == null ? "" : status.getMessage();
        PullErrorKind error = null;
        synchronized (this) {
            lastActivityMillis = clock.millis();
            if (code == Status.FLOW_OR_HEARTBEAT_STATUS_CODE) {
                return; // idle heartbeat: the pull is alive
            }
            end(id);
            if (code == Status.NOT_FOUND_CODE || code == Status.REQUEST_TIMEOUT_CODE) {
                // routine end of a pull (expired / nothing for no_wait)
            } else if (code == Status.CONFLICT_CODE && isRoutineConflict(text)) {
                LOG.debug("consumer {}/{}: pull ended: {} {}", stream, durable, code, text);
            } else {
                error = classify(code, text);
                retryNotBeforeMillis = clock.millis() + ERROR_BACKOFF.toMillis();
            }
        }
        if (error != null) {
            pullError(error, code, text);
        } else {
            maybePull();
        }
    }

    /**
     * Ends request {@code id} (a status addressed to it). Messages are attributed to the oldest open request, which
     * is how the server fills waiting requests, and a request's terminal status arrives on the same connection before
     * any message for a later request, so the attribution is exact; only messages for pulls written off by {@link
     * #reset} can skew it, and an empty list of open requests resets the count.
     */
    private void end(long id) {
        for (Iterator<Request> it = requests.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.id == id) {
                it.remove();
                requested -= r.remaining;
                break;
            }
        }
        if (requests.isEmpty() || requested < 0) {
            requested = requests.stream().mapToInt(x -> x.remaining).sum();
        }
    }

    private static boolean isRoutineConflict(String text) {
        return text.equals("Batch Completed") || text.equals("Leadership Change") || text.equals("Server Shutdown");
    }

    private static PullErrorKind classify(int code, String text) {
        if (code == Status.NO_RESPONDERS_CODE) {
            return PullErrorKind.NO_RESPONDERS;
        }
        if (code == Status.CONFLICT_CODE && text.equals(Status.CONSUMER_DELETED)) {
            return PullErrorKind.CONSUMER_DELETED;
        }
        if (code == Status.CONFLICT_CODE && text.startsWith(Status.EXCEEDED_MAX_PREFIX)) {
            return PullErrorKind.LIMIT_EXCEEDED;
        }
        return PullErrorKind.OTHER;
    }

    private void pullError(PullErrorKind kind, int code, String text) {
        boolean loud;
        synchronized (this) {
            long now = clock.millis();
            loud = kind != lastLoggedError || now - lastErrorLogMillis > ERROR_LOG_INTERVAL_MILLIS;
            if (loud) {
                lastLoggedError = kind;
                lastErrorLogMillis = now;
            }
        }
        String hint =
                switch (kind) {
                    case CONSUMER_DELETED ->
                        "the durable consumer was deleted on the server; jscontract does not"
                                + " recreate it (that would restart delivery from the deliver policy); recreate it or"
                                + " restart the consumer to provision it";
                    case NO_RESPONDERS ->
                        "JetStream or the consumer is not available (deleted, or a server is"
                                + " restarting); retrying every " + ERROR_BACKOFF.toMillis() + " ms";
                    case LIMIT_EXCEEDED ->
                        "a pull request exceeded a consumer limit (max_waiting, max_batch,"
                                + " max_expires or max_bytes); check the consumer's limits against the contract's batch size";
                    case HEARTBEAT_MISSED -> "re-pulling";
                    case OTHER -> "unexpected status from the server; retrying";
                };
        if (loud) {
            LOG.warn("consumer {}/{}: pull error {} ({} {}): {}", stream, durable, kind, code, text, hint);
        } else {
            LOG.debug("consumer {}/{}: pull error {} ({} {})", stream, durable, kind, code, text);
        }
        if (events.enabled()) {
            events.publish(new ConsumerEvent.PullError(events.now(), stream, durable, kind, code, text));
        }
    }

    private void announce(PauseCause cause, boolean paused) {
        if (!announcePauses) {
            return;
        }
        if (paused) {
            LOG.info("consumer {}/{}: pulling paused ({})", stream, durable, cause.tagValue());
        } else {
            LOG.info("consumer {}/{}: pulling resumed ({})", stream, durable, cause.tagValue());
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
                + requested + ", pauses=" + pauses + ", gateClosed=" + gateClosed + "}";
    }
}
