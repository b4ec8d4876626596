package dev.jscontract.outbox.internal;

import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * Publishes the events of one WAL replication session and tells their outcome: {@link #send} publishes an event with
 * {@code publishAsync} and its {@code Nats-Msg-Id}, {@link #outcome} reads its PubAck, its failure or its publish
 * timeout, and {@link #classify} tells a 503 No Responders apart (no stream for the subject, or a stream
 * unavailable). It decides nothing about retrying, holding or order: that is {@link WalPipeline}'s, on the {@code wal}
 * thread, which calls every method here. Only the PubAck callbacks run on jnats' threads: they record when the PubAck
 * arrived and whether a failure may be an outage ({@link #outageSeen()}).
 */
final class WalSender {
    private final RelayConfig config;
    private final JetStream js;
    private final StreamLookup lookup;
    private final String idPrefix;
    /** Set on jnats' threads when a PubAck future fails for a reason that may be an outage. */
    private volatile boolean outageSeen;

    /** A sender over the relay's NATS connection; generated message ids start with {@code idPrefix}. */
    WalSender(RelayConfig config, StreamLookup lookup, String idPrefix) throws SQLException {
        this.config = config;
        this.lookup = lookup;
        this.idPrefix = idPrefix;
        try {
            this.js = config.connection().jetStream();
        } catch (IOException e) {
            throw new SQLException("cannot create a JetStream context: " + e.getMessage(), e);
        }
    }

    /** Whether a send or a PubAck failed, since {@link #clearOutageSeen()}, for a reason that may be an outage. */
    boolean outageSeen() {
        return outageSeen;
    }

    /** Forgets the outages seen so far (they are handled); later ones come from what is sent from now on. */
    void clearOutageSeen() {
        outageSeen = false;
    }

    /**
     * Publishes the event {@code e} with {@code publishAsync} and its {@code Nats-Msg-Id}, replacing its earlier
     * future and failure; a send that throws leaves the failure in {@code e.sendFailure}.
     */
    void send(WalEntry e) {
        WalEventCodec.Event ev = Objects.requireNonNull(e.event);
        e.sendFailure = null;
        e.future = null;
        try {
            Headers h = new Headers();
            HeadersJson.read(ev.headersJson(), h::add);
            h.put(NatsJetStreamConstants.MSG_ID_HDR, e.messageId(idPrefix));
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

    /** The failure of a settled or overdue event, or null when it succeeded or is still pending. */
    PublishFailures.@Nullable Failure outcome(WalEntry h) {
        if (h.sendFailure != null) {
            return h.sendFailure;
        }
        CompletableFuture<PublishAck> f = Objects.requireNonNull(h.future);
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

    /** Tells a 503 No Responders apart: no stream for the subject (the event's problem) or an outage. */
    PublishFailures.Failure classify(WalEntry h, PublishFailures.Failure f) {
        if (f.noResponders() && h.event != null) {
            return lookup.classify(h.event.subject(), f);
        }
        return f;
    }

    /** Whether the event {@code e} has its PubAck. */
    static boolean acked(WalEntry e) {
        CompletableFuture<PublishAck> f = e.future;
        return e.sendFailure == null && f != null && f.isDone() && !f.isCompletedExceptionally();
    }
}
