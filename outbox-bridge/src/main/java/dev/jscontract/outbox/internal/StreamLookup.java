package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the two meanings of a 503 No Responders on a publish apart by asking the server which streams capture the
 * subject ({@code STREAM.NAMES} with a subject filter):
 *
 * <ul>
 *   <li>a stream captures it → the stream cannot take messages right now (no leader, no quorum, a server
 *       restarting): {@link PublishFailure#UNAVAILABLE}, an outage that pauses the relay;
 *   <li>none does → {@link PublishFailure#NO_STREAM}, a row problem that counts as an attempt;
 *   <li>the server cannot answer (JetStream's meta leader is gone too) → {@link PublishFailure#UNAVAILABLE}.
 * </ul>
 *
 * <p>Answers are cached per subject (a found stream for 30 s, no stream for 2 s, so that a stream created meanwhile
 * is noticed soon); a failed lookup is not cached. Used by the settle thread only; not thread-safe.
 */
final class StreamLookup {
    private static final Logger LOG = LoggerFactory.getLogger(StreamLookup.class);
    private static final long FOUND_TTL_NANOS = 30_000_000_000L;
    private static final long MISSING_TTL_NANOS = 2_000_000_000L;
    private static final int MAX_ENTRIES = 1024;

    private record Answer(boolean captured, String stream, long expiresNanos) {}

    private final JetStreamManagement jsm;
    private final Map<String, Answer> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    StreamLookup(JetStreamManagement jsm) {
        this.jsm = jsm;
    }

    /** The failure a 503 No Responders for {@code subject} stands for. */
    PublishFailures.Failure classify(String subject, PublishFailures.Failure noResponders) {
        long now = System.nanoTime();
        Answer a = cache.get(subject);
        if (a == null || now - a.expiresNanos() >= 0) {
            try {
                List<String> streams = jsm.getStreamNames(subject);
                a = streams.isEmpty()
                        ? new Answer(false, "", now + MISSING_TTL_NANOS)
                        : new Answer(true, streams.get(0), now + FOUND_TTL_NANOS);
                cache.put(subject, a);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                LOG.debug("cannot ask which stream captures {}: {}", subject, e.toString());
                return new PublishFailures.Failure(
                        PublishFailure.UNAVAILABLE,
                        "no responders for the subject, and JetStream cannot say which stream captures it ("
                                + e.getMessage() + "): JetStream is not available");
            }
        }
        if (a.captured()) {
            return new PublishFailures.Failure(
                    PublishFailure.UNAVAILABLE,
                    "stream " + a.stream() + " captures the subject but does not answer (no leader or no quorum, or a"
                            + " server restarting): " + noResponders.message());
        }
        return new PublishFailures.Failure(
                PublishFailure.NO_STREAM, "no stream captures the subject (the server names none for it)");
    }
}
