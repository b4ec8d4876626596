package dev.jscontract.consumer.internal;

/**
 * Reads the delivery count and stream sequence from a JetStream ack subject without jnats' full metadata parse
 * (which also builds a {@code ZonedDateTime} and splits the subject into strings, a measurable share of a no-op
 * handler's cost). The layouts are the ones jnats' {@code NatsJetStreamMetaData} accepts (B-26):
 *
 * <ul>
 *   <li>{@code $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>[.<pending>]} (8 or 9 tokens);
 *   <li>{@code $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>...} (11
 *       or more tokens).
 * </ul>
 *
 * Anything else returns -1, and the caller falls back to {@code message.metaData()}.
 */
public final class AckSubjects {
    private static final int MAX_TOKENS = 16;

    private AckSubjects() {}

    /** The delivery count (1 for the first delivery), or -1 when the subject is not a known ack layout. */
    public static long deliveredCount(String ackSubject) {
        return number(ackSubject, 2);
    }

    /** The stream sequence, or -1 when the subject is not a known ack layout. */
    public static long streamSequence(String ackSubject) {
        return number(ackSubject, 3);
    }

    /** Token {@code streamIndex + offset} as a non-negative number, or -1. */
    private static long number(String s, int offset) {
        if (s == null || !s.startsWith("$JS.ACK.")) {
            return -1;
        }
        int[] starts = new int[MAX_TOKENS + 1];
        int tokens = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '.') {
                if (tokens == MAX_TOKENS) {
                    return -1;
                }
                starts[tokens++] = i + 1;
            }
        }
        starts[tokens] = s.length() + 1;
        int streamIndex;
        if (tokens == 8 || tokens == 9) {
            streamIndex = 2;
        } else if (tokens >= 11) {
            streamIndex = 4;
        } else {
            return -1;
        }
        int t = streamIndex + offset;
        int from = starts[t];
        int to = starts[t + 1] - 1;
        if (to <= from || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
