package dev.jscontract.cli.internal.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Message bodies for people (dead letters, parked outbox rows): pretty JSON, text, or a hex dump. */
public final class Bodies {
    private Bodies() {}

    /** {@code JSON}, {@code text}, {@code binary} or {@code empty}. */
    public static String kind(byte[] body) {
        if (body.length == 0) {
            return "empty";
        }
        if (json(body) != null) {
            return "JSON";
        }
        return printable(body) ? "text" : "binary";
    }

    /** The body for people: pretty JSON, text, or a hex dump; each line indented, ending with a newline. */
    public static String indented(byte[] body) {
        if (body.length == 0) {
            return "  (empty)\n";
        }
        JsonNode node = json(body);
        String text;
        if (node != null) {
            text = Json.pretty(node);
        } else if (printable(body)) {
            text = new String(body, StandardCharsets.UTF_8);
        } else {
            text = hexDump(body);
        }
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\\r?\\n", -1)) {
            sb.append("  ").append(line).append('\n');
        }
        String s = sb.toString();
        return s.endsWith("  \n") ? s.substring(0, s.length() - 3) : s;
    }

    private static @Nullable JsonNode json(byte[] body) {
        for (byte b : body) {
            if (b == '{' || b == '[') {
                return Json.tryParse(body);
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return null;
            }
        }
        return null;
    }

    private static boolean printable(byte[] body) {
        String s = utf8(body);
        if (s == null) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    public static @Nullable String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code xxd}-style: offset, 16 bytes in hex, the printable ASCII. */
    public static String hexDump(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < b.length; off += 16) {
            sb.append(String.format("%08x: ", off));
            StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (off + i < b.length) {
                    int v = b[off + i] & 0xff;
                    sb.append(String.format("%02x", v));
                    ascii.append(v >= 0x20 && v < 0x7f ? (char) v : '.');
                } else {
                    sb.append("  ");
                }
                if (i % 2 == 1) {
                    sb.append(' ');
                }
            }
            sb.append(' ').append(ascii).append('\n');
        }
        return sb.toString();
    }
}
