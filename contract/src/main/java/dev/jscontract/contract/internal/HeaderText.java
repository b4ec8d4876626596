package dev.jscontract.contract.internal;

/**
 * Escaping of free text into a NATS header value (US-ASCII without CR/LF) and back: {@code \} → {@code \\}, CR →
 * {@code \r}, LF → {@code \n}, tab → {@code \t}, anything else outside 0x20..0x7E → {@code \}{@code uXXXX}.
 */
public final class HeaderText {
    private HeaderText() {}

    /** Escapes text for a header value. */
    public static String encode(String t) {
        StringBuilder sb = new StringBuilder(t.length() + 16);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /**
     * Reverses {@link #encode}.
     *
     * @throws IllegalArgumentException on a malformed escape
     */
    public static String decode(String value) {
        int escape = value.indexOf('\\');
        if (escape < 0) {
            return value; // nothing escaped: most values, and the fast path for long stack traces
        }
        StringBuilder sb = new StringBuilder(value.length());
        int from = 0;
        for (int i = escape; i >= 0 && i < value.length(); i = value.indexOf('\\', from)) {
            sb.append(value, from, i); // the run of plain characters before the escape
            if (i + 1 >= value.length()) {
                throw new IllegalArgumentException("dangling '\\' at the end of '" + value + "'");
            }
            char n = value.charAt(++i);
            switch (n) {
                case '\\' -> sb.append('\\');
                case 'r' -> sb.append('\r');
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 >= value.length()) {
                        throw new IllegalArgumentException("truncated \\u escape in '" + value + "'");
                    }
                    try {
                        sb.append((char) Integer.parseInt(value.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "bad \\u escape at position " + (i - 1) + " in '" + value + "'", e);
                    }
                    i += 4;
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown escape '\\" + n + "' at position " + (i - 1) + " in '" + value + "'");
            }
            from = i + 1;
        }
        sb.append(value, from, value.length());
        return sb.toString();
    }
}
