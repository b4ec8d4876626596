package dev.jscontract.consumer.internal;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The pull requests sent on the current inbox and not yet ended, oldest first, with how many messages each may still
 * bring. The server fills waiting requests in arrival order, so a message is attributed to the oldest open request.
 *
 * <p>Not thread-safe: the {@link PullEngine} guards it with its own lock.
 */
final class OpenPulls {
    private final ArrayDeque<Request> requests = new ArrayDeque<>();
    private int requested;

    private static final class Request {
        final long id;
        int remaining;
        long deadMillis;
        final long sentMillis;

        Request(long id, int remaining, long deadMillis, long sentMillis) {
            this.id = id;
            this.remaining = remaining;
            this.deadMillis = deadMillis;
            this.sentMillis = sentMillis;
        }
    }

    /** Records request {@code id} for {@code n} messages, sent at {@code sentMillis}, written off at {@code dead}. */
    void add(long id, int n, long deadMillis, long sentMillis) {
        requests.addLast(new Request(id, n, deadMillis, sentMillis));
        requested += n;
    }

    /** A message arrived: it answers the oldest open request. */
    void messageArrived() {
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
    }

    /**
     * Ends request {@code id} (a status addressed to it). A request's terminal status arrives on the same connection
     * before any message for a later request, so the attribution is exact; only messages for pulls written off can
     * skew it, and an empty list of open requests resets the count.
     */
    void end(long id) {
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

    /** Writes off the requests past their expiry at {@code nowMillis}. */
    void expire(long nowMillis) {
        for (Iterator<Request> it = requests.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (nowMillis >= r.deadMillis) {
                requested -= r.remaining;
                it.remove();
            }
        }
    }

    /** Gives every open request a new expiry (the server may only now have received them). */
    void refresh(long deadMillis) {
        for (Request r : requests) {
            r.deadMillis = deadMillis;
        }
    }

    /** Forgets every request (the inbox they answer to was closed). */
    void clear() {
        requests.clear();
        requested = 0;
    }

    /** Messages the open requests may still bring. */
    int requested() {
        return requested;
    }

    /** Open requests. */
    int size() {
        return requests.size();
    }

    boolean isEmpty() {
        return requests.isEmpty();
    }

    /** When the oldest open request was sent, or -1 when none is open. */
    long oldestSentMillis() {
        Request r = requests.peekFirst();
        return r == null ? -1 : r.sentMillis;
    }
}
