package dev.jscontract.consumer.internal;

import io.nats.client.api.ConsumerConfiguration;
import java.time.Duration;
import java.util.List;

/**
 * The ack deadlines the server applies, as read back from the consumer's configuration (never the requested values:
 * BackOff replaces AckWait, B-02), and what follows from them: each delivery's deadline (B-03), the default
 * heartbeat interval, and the NAK delay that makes the observed wait equal the contract's backoff (B-09).
 *
 * @param ackWait the read-back {@code ack_wait}
 * @param serverBackoff the read-back {@code backoff} entries (empty when not used)
 * @param maxDeliver the read-back {@code max_deliver} (-1 or 0 for unlimited)
 */
public record Deadlines(Duration ackWait, List<Duration> serverBackoff, long maxDeliver) {
    /** The fraction of the shortest deadline the default heartbeat interval is (a third, lint HB-001). */
    public static final int DEFAULT_HEARTBEATS_PER_DEADLINE = 3;

    /** Copies the list. */
    public Deadlines {
        serverBackoff = List.copyOf(serverBackoff);
    }

    /** The deadlines of a read-back configuration. */
    public static Deadlines of(ConsumerConfiguration readBack) {
        List<Duration> backoff = readBack.getBackoff();
        return new Deadlines(readBack.getAckWait(), backoff == null ? List.of() : backoff, readBack.getMaxDeliver());
    }

    /** The ack deadline of delivery {@code n} (1-based): {@code backoff[min(n-1, len-1)]}, else ack_wait (B-03). */
    public Duration forDelivery(int n) {
        if (serverBackoff.isEmpty()) {
            return ackWait;
        }
        return serverBackoff.get(Math.max(0, Math.min(n - 1, serverBackoff.size() - 1)));
    }

    /** The shortest deadline of any delivery that can happen (entries beyond maxDeliver are never used). */
    public Duration shortest() {
        if (serverBackoff.isEmpty()) {
            return ackWait;
        }
        int used = maxDeliver > 0 ? (int) Math.min(maxDeliver, serverBackoff.size()) : serverBackoff.size();
        Duration min = serverBackoff.get(0);
        for (int i = 1; i < used; i++) {
            if (serverBackoff.get(i).compareTo(min) < 0) {
                min = serverBackoff.get(i);
            }
        }
        return min;
    }

    /** The default heartbeat interval: a third of the shortest read-back deadline. */
    public Duration defaultHeartbeatInterval() {
        return shortest().dividedBy(DEFAULT_HEARTBEATS_PER_DEADLINE);
    }

    /**
     * The delay to send with the NAK of failed delivery {@code n} so that the redelivery comes {@code backoff} later.
     * Without server BackOff that is {@code backoff} itself. With it, the server waits {@code delay + eff(n) −
     * eff(1)} (B-09), so the delay is reduced by {@code eff(n) − eff(1)}, down to zero (then the wait is {@code eff(n)
     * − eff(1)}, longer than asked).
     */
    public Duration nakDelay(int n, Duration backoff) {
        if (serverBackoff.isEmpty()) {
            return backoff;
        }
        Duration stretch = forDelivery(n).minus(forDelivery(1));
        Duration d = backoff.minus(stretch);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
