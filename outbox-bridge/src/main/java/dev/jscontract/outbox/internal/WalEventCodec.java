package dev.jscontract.outbox.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of one outbox event in a logical decoding message, format version 1 ({@code docs/wal-event-format.md}).
 * All integers are big-endian (as PostgreSQL's {@code int4send}), strings are UTF-8:
 *
 * <pre>
 * version        1 byte   = 1
 * subject        int32 length, then the bytes                 (never null)
 * message id     int32 length (-1 = none), then the bytes
 * ordering key   int32 length (-1 = none), then the bytes
 * headers        int32 length (-1 = none), then a JSON object {"Name": ["value", ...]} (as the outbox table's column)
 * payload        int32 length, then the bytes
 * </pre>
 *
 * Bytes after the payload are not allowed; a reader of version 1 refuses other versions.
 */
public final class WalEventCodec {
    /** The format version this code writes and reads. */
    public static final byte VERSION = 1;

    private WalEventCodec() {}

    /** An event decoded from a message. */
    public record Event(
            String subject,
            @Nullable String messageId,
            @Nullable String orderingKey,
            @Nullable String headersJson,
            byte[] payload) {}

    /** Encodes an event (the fields of an {@code OutboxMessage}, headers as JSON). */
    public static byte[] encode(
            String subject,
            @Nullable String messageId,
            @Nullable String orderingKey,
            @Nullable String headersJson,
            byte[] payload) {
        byte[] s = subject.getBytes(StandardCharsets.UTF_8);
        byte[] m = utf8(messageId);
        byte[] k = utf8(orderingKey);
        byte[] h = utf8(headersJson);
        int size = 1 + 4 + s.length + 4 + len(m) + 4 + len(k) + 4 + len(h) + 4 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION);
        put(b, s);
        put(b, m);
        put(b, k);
        put(b, h);
        put(b, payload);
        return b.array();
    }

    /**
     * Decodes a message's content.
     *
     * @throws IllegalArgumentException when the content is not a version-1 event (the message says what is wrong)
     */
    public static Event decode(byte[] content) {
        ByteBuffer b = ByteBuffer.wrap(content);
        try {
            if (content.length == 0) {
                throw new IllegalArgumentException("the event is empty");
            }
            byte version = b.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("the event has format version " + version + " but this relay reads"
                        + " version " + VERSION + "; upgrade the relay to the writer's jscontract version");
            }
            byte[] s = get(b, "subject");
            if (s == null) {
                throw new IllegalArgumentException("the event has no subject");
            }
            byte[] m = get(b, "message id");
            byte[] k = get(b, "ordering key");
            byte[] h = get(b, "headers");
            byte[] p = get(b, "payload");
            if (p == null) {
                throw new IllegalArgumentException("the event has no payload (length -1)");
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(
                        "the event has " + b.remaining() + " bytes after its payload; it is not a version-1 event");
            }
            return new Event(
                    str(s), m == null ? null : str(m), k == null ? null : str(k), h == null ? null : str(h), p);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the event ends early (" + content.length + " bytes)", e);
        }
    }

    private static byte @Nullable [] get(ByteBuffer b, String what) {
        int n = b.getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException(
                    "the event's " + what + " has length " + n + " but only " + b.remaining() + " bytes follow");
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static String str(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte @Nullable [] utf8(@Nullable String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static int len(byte @Nullable [] b) {
        return b == null ? 0 : b.length;
    }

    private static void put(ByteBuffer b, byte @Nullable [] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length);
            b.put(bytes);
        }
    }
}
