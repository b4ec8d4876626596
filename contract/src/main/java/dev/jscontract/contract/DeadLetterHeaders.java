package dev.jscontract.contract;

/**
 * Header names of the dead-letter envelope, format version {@value #FORMAT_VERSION}: one definition shared by the
 * consumer runtime (which writes envelopes) and the CLI (which reads and replays them). The full format, for
 * producers and readers in other languages, is documented in {@code docs/dead-letter-envelope.md}.
 *
 * <p>Body: the original payload, byte for byte. Headers: the original headers except those whose names start with
 * {@code Nats-} (server directives such as {@code Nats-Msg-Id} or {@code Nats-Expected-Last-Sequence} would
 * deduplicate or fail the dead-letter publish), plus the {@code Jsc-*} headers below. The envelope's own {@code
 * Nats-Msg-Id} is {@code dlq-<stream>-<stream sequence>}, so a message is stored once in the dead-letter stream
 * even when the handler path and the advisory path both fire.
 *
 * <p>Text values ({@link #ERROR_MESSAGE}, {@link #ERROR_STACK}) are escaped to fit a header: {@code \} becomes
 * {@code \\}, CR {@code \r}, LF {@code \n}, and other characters outside printable ASCII {@code \}{@code uXXXX}.
 */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() {}

    /** The format version written by this library. */
    public static final String FORMAT_VERSION = "1";

    /** Format version of the envelope ({@value #FORMAT_VERSION}). */
    public static final String VERSION = "Jsc-Dlq-Version";
    /** The stream the original message was in. */
    public static final String ORIGINAL_STREAM = "Jsc-Original-Stream";
    /** The original subject. */
    public static final String ORIGINAL_SUBJECT = "Jsc-Original-Subject";
    /** The original stream sequence (decimal). */
    public static final String ORIGINAL_SEQUENCE = "Jsc-Original-Sequence";
    /** When the original was stored, ISO-8601 UTC ({@code 2026-11-23T05:50:39.123Z}). */
    public static final String ORIGINAL_TIMESTAMP = "Jsc-Original-Timestamp";
    /** The original {@code Nats-Msg-Id}, when it had one. */
    public static final String ORIGINAL_MSG_ID = "Jsc-Original-Msg-Id";
    /** The durable consumer that gave up on the message. */
    public static final String CONSUMER = "Jsc-Consumer";
    /** How many times the message was delivered (decimal). */
    public static final String DELIVERIES = "Jsc-Deliveries";
    /** Why: one of {@link DeadLetterReason#wireValue()}. */
    public static final String REASON = "Jsc-Reason";
    /** The failure's class name, when there was an exception. */
    public static final String ERROR_CLASS = "Jsc-Error-Class";
    /**
     * The {@link #ERROR_CLASS} of a {@code max-deliveries} dead letter written by the sweeper: every delivery timed
     * out, so there was no exception to name.
     */
    public static final String MAX_DELIVERIES_EXCEEDED = "MaxDeliveriesExceeded";
    /** The failure's message, escaped, at most {@value #MAX_ERROR_MESSAGE_LENGTH} characters before escaping. */
    public static final String ERROR_MESSAGE = "Jsc-Error-Message";
    /** The failure's stack trace, escaped, at most {@value #MAX_ERROR_STACK_LENGTH} characters before escaping. */
    public static final String ERROR_STACK = "Jsc-Error-Stack";
    /** When the message was dead-lettered, ISO-8601 UTC. */
    public static final String DEAD_LETTERED_AT = "Jsc-Dead-Lettered-At";
    /** The consumer instance that dead-lettered it (host and process, or a name the user gave). */
    public static final String INSTANCE = "Jsc-Instance";
    /** On a replayed message: {@code <dead-letter stream>:<sequence>} it was replayed from. */
    public static final String REPLAYED_FROM = "Jsc-Replayed-From";

    /** Bound on {@link #ERROR_MESSAGE}, in characters. */
    public static final int MAX_ERROR_MESSAGE_LENGTH = 1024;
    /** Bound on {@link #ERROR_STACK}, in characters. */
    public static final int MAX_ERROR_STACK_LENGTH = 8192;

    /** The dead-letter envelope's message id: {@code dlq-<stream>-<sequence>}. */
    public static String deadLetterMessageId(String stream, long sequence) {
        return "dlq-" + stream + "-" + sequence;
    }

    /** The message id of a replay: {@code replay-<dead-letter stream>-<sequence>}. */
    public static String replayMessageId(String deadLetterStream, long sequence) {
        return "replay-" + deadLetterStream + "-" + sequence;
    }

    /** The value of {@link #REPLAYED_FROM}: {@code <dead-letter stream>:<sequence>}. */
    public static String replayedFrom(String deadLetterStream, long sequence) {
        return deadLetterStream + ":" + sequence;
    }
}
