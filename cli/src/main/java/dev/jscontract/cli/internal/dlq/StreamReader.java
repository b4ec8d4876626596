package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.contract.DeadLetterEnvelope;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.StreamContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * Reads a stream from one sequence to another with an ordered consumer (no acks, memory on the server, recreated by
 * jnats on a gap), headers only when bodies are not shown: memory stays flat however many messages there are, and
 * nothing is read twice. The end is fixed by the caller (the stream's last sequence read first), so messages
 * that arrive during the read (a replayed message that fails again) are not part of it.
 *
 * <p>A read stops at the end sequence, when the server reports nothing more pending, when the visitor says so, or
 * on Ctrl-C. When nothing arrives for a moment the stream's state is checked: if its last message is before the
 * next expected sequence (the rest was deleted meanwhile) the read is complete.
 */
public final class StreamReader {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int BATCH = 2000;

    private final Session session;
    private final JetStreamManagement jsm;

    /** A reader on the session's connection. */
    public StreamReader(Session session) {
        this.session = session;
        this.jsm = Js.management(session);
    }

    /** Receives the messages of a read. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * One message.
         *
         * @return false to stop reading
         */
        boolean visit(Message message, long sequence) throws Exception;
    }

    /**
     * The stream's state now.
     *
     * @throws CliException (exit 3) when the stream does not exist
     */
    public StreamState state(String stream) {
        return Js.streamInfo(jsm, stream)
                .orElseThrow(() -> CliException.unavailable(
                        "stream " + stream + " does not exist (anymore); list dead-letter streams with `jscontract dlq"
                                + " stats`",
                        null))
                .getStreamState();
    }

    /**
     * Reads sequences {@code from..to} (inclusive) in order.
     *
     * @return how many messages were read
     * @throws CliException (exit 3) when the stream cannot be read
     */
    public long read(String stream, long from, long to, boolean headersOnly, Visitor visitor) throws Exception {
        if (from > to) {
            return 0;
        }
        StreamContext sc;
        try {
            sc = session.nats().getStreamContext(stream, Js.options(session));
        } catch (JetStreamApiException e) {
            throw Js.apiError("read stream " + stream, e);
        }
        OrderedConsumerConfiguration occ = new OrderedConsumerConfiguration()
                .deliverPolicy(DeliverPolicy.ByStartSequence)
                .startSequence(from);
        if (headersOnly) {
            occ.headersOnly(true);
        }
        OrderedConsumerContext oc = sc.createOrderedConsumer(occ);
        long count = 0;
        long next = from;
        long idleSince = 0;
        try (IterableConsumer it =
                oc.iterate(ConsumeOptions.builder().batchSize(BATCH).build())) {
            while (!session.stopSignal().isRequested()) {
                Message m;
                try {
                    m = it.nextMessage(POLL);
                } catch (JetStreamStatusCheckedException e) {
                    throw new CliException(
                            ExitCodes.UNAVAILABLE,
                            "reading stream " + stream + " failed at sequence " + next + ": " + e.getMessage(),
                            e);
                }
                if (m == null) {
                    StreamState st = state(stream);
                    if (st.getMsgCount() == 0 || st.getLastSequence() < next || !holdsFrom(stream, next, to)) {
                        return count;
                    }
                    long now = System.nanoTime();
                    if (idleSince == 0) {
                        idleSince = now;
                    } else if (now - idleSince > 2 * session.timeout().toNanos()) {
                        throw new CliException(
                                ExitCodes.UNAVAILABLE,
                                "reading stream " + stream + " stalled at sequence " + next + ": nothing arrived for "
                                        + 2 * session.timeout().toSeconds() + "s although the stream holds messages up"
                                        + " to " + st.getLastSequence()
                                        + "; run the command again, or raise --timeout");
                    }
                    continue;
                }
                idleSince = 0;
                long seq = m.metaData().streamSequence();
                if (seq > to) {
                    return count;
                }
                count++;
                next = seq + 1;
                if (!visitor.visit(m, seq) || seq >= to || m.metaData().pendingCount() == 0) {
                    return count;
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw new CliException(
                    ExitCodes.UNAVAILABLE,
                    "reading stream " + stream + " failed at sequence " + next + ": " + e.getMessage()
                            + "; check the connection and run the command again",
                    e);
        }
        return count;
    }

    /**
     * Whether the stream still holds a message in {@code from..to}: after deletes at the end of a stream its last
     * sequence stays where it was, so only asking for the next message tells.
     */
    private boolean holdsFrom(String stream, long from, long to) throws IOException {
        try {
            return jsm.getNextMessage(stream, from, ">").getSeq() <= to;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == Js.NO_MESSAGE_FOUND || e.getErrorCode() == 404) {
                return false;
            }
            throw Js.apiError("read stream " + stream + " from sequence " + from, e);
        }
    }

    /** Receives the dead letters of a read that match its filter. */
    @FunctionalInterface
    public interface DeadLetterVisitor {
        /**
         * One matching dead letter.
         *
         * @return false to stop reading
         */
        boolean visit(DeadLetter deadLetter) throws Exception;
    }

    /**
     * Reads sequences {@code from..to} as dead letters and passes on those that match {@code filter}; messages that
     * are not envelopes go to {@code malformed}.
     *
     * @return how many messages were read
     */
    public long readMatching(
            String stream,
            long from,
            long to,
            boolean headersOnly,
            DeadLetterFilter filter,
            MalformedReport malformed,
            DeadLetterVisitor visitor)
            throws Exception {
        return read(stream, from, to, headersOnly, (m, seq) -> {
            if (!filter.acceptsSequence(seq)) {
                return true;
            }
            Scanned s = parse(stream, seq, m, headersOnly);
            if (s instanceof Malformed bad) {
                malformed.add(bad);
                return true;
            }
            DeadLetter d = (DeadLetter) s;
            return !filter.matches(d) || visitor.visit(d);
        });
    }

    /** Reads a message of a dead-letter stream as an envelope, or as {@link Malformed}. */
    public static Scanned parse(String stream, long seq, Message m, boolean headersOnly) {
        Instant storedAt = m.metaData().timestamp().toInstant();
        return parse(stream, seq, storedAt, m.getHeaders(), m.getData(), headersOnly);
    }

    /** Reads headers and body as an envelope, or as {@link Malformed}. */
    public static Scanned parse(
            String stream,
            long seq,
            Instant storedAt,
            io.nats.client.impl.Headers headers,
            byte[] data,
            boolean headersOnly) {
        try {
            DeadLetterEnvelope e = DeadLetterEnvelope.read(headers, data);
            long size = data == null ? 0 : data.length;
            if (headersOnly && headers != null) {
                String s = headers.getFirst("Nats-Msg-Size");
                if (s != null) {
                    try {
                        size = Long.parseLong(s.trim());
                    } catch (NumberFormatException ex) {
                        size = -1; // the server's own header; unreadable means unknown
                    }
                }
            }
            return new DeadLetter(stream, seq, storedAt, e, size);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new Malformed(stream, seq, e.getMessage());
        }
    }
}
