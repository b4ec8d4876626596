package dev.jscontract.outbox.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the {@code pgoutput} messages (protocol version 1) the WAL relay needs: Begin, logical decoding Message and
 * Commit. Everything else (Relation, Origin, Type, row changes) cannot occur on an empty publication and is reported
 * as {@link Other}. Integers are big-endian; LSNs are int64; timestamps are microseconds since 2000-01-01 UTC.
 */
public final class PgOutput {
    /** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private PgOutput() {}

    /** A decoded {@code pgoutput} message. */
    public sealed interface Msg permits Begin, Message, Commit, Other {}

    /**
     * 'B': a transaction starts.
     *
     * @param finalLsn the LSN of the commit record
     * @param commitMicros commit time, microseconds since the Unix epoch
     */
    public record Begin(long finalLsn, long commitMicros, int xid) implements Msg {}

    /** 'M': a logical decoding message. */
    public record Message(boolean transactional, long lsn, String prefix, byte[] content) implements Msg {}

    /**
     * 'C': a transaction committed.
     *
     * @param endLsn the end of the transaction: the position to confirm once everything in it is acknowledged
     */
    public record Commit(long commitLsn, long endLsn, long commitMicros) implements Msg {}

    /** Any other message type. */
    public record Other(char type) implements Msg {}

    /**
     * Parses one message.
     *
     * @throws IllegalArgumentException when the buffer is truncated or malformed
     */
    public static Msg parse(ByteBuffer b) {
        try {
            char type = (char) b.get();
            switch (type) {
                case 'B' -> {
                    long finalLsn = b.getLong();
                    long ts = b.getLong();
                    int xid = b.getInt();
                    return new Begin(finalLsn, ts + PG_EPOCH_MICROS, xid);
                }
                case 'M' -> {
                    boolean transactional = (b.get() & 1) != 0;
                    long lsn = b.getLong();
                    String prefix = cstring(b);
                    int n = b.getInt();
                    byte[] content = new byte[n];
                    b.get(content);
                    return new Message(transactional, lsn, prefix, content);
                }
                case 'C' -> {
                    b.get(); // flags, unused
                    long commitLsn = b.getLong();
                    long endLsn = b.getLong();
                    long ts = b.getLong();
                    return new Commit(commitLsn, endLsn, ts + PG_EPOCH_MICROS);
                }
                default -> {
                    return new Other(type);
                }
            }
        } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated pgoutput message", e);
        }
    }

    private static String cstring(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the terminating zero
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
