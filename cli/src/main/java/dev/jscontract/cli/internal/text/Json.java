package dev.jscontract.cli.internal.text;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * JSON output for scripts: one document per command ({@link #document}), or one compact object per line for
 * listings ({@link #line}), so {@code jq} can stream them. Times are ISO-8601 UTC strings.
 */
public final class Json {
    /** The mapper for reading (bodies shown pretty, contract files). */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {}

    /** Writes a JSON value with {@code writer}. */
    @FunctionalInterface
    public interface Writer {
        /** Writes one value. */
        void write(JsonGenerator g) throws IOException;
    }

    /** Writes one pretty-printed document followed by a newline. */
    public static void document(OutputStream out, Writer writer) {
        try {
            JsonGenerator g = FACTORY.createGenerator(new NonClosing(out), JsonEncoding.UTF8);
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            writer.write(g);
            g.writeRaw('\n');
            g.close();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON output", e);
        }
    }

    /** A generator for JSON lines on {@code out}; close it (it does not close {@code out}). */
    public static JsonGenerator lines(OutputStream out) {
        try {
            JsonGenerator g = FACTORY.createGenerator(new NonClosing(out), JsonEncoding.UTF8);
            g.setRootValueSeparator(null); // each line ends with its own newline
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON output", e);
        }
    }

    /** Writes one compact object as a line with {@code g} from {@link #lines}. */
    public static void line(JsonGenerator g, Writer writer) {
        try {
            writer.write(g);
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON output", e);
        }
    }

    /** Writes a string field, or null. */
    public static void field(JsonGenerator g, String name, @Nullable String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }

    /** Writes an instant field (ISO-8601), or null. */
    public static void field(JsonGenerator g, String name, @Nullable Instant value) throws IOException {
        field(g, name, value == null ? null : value.toString());
    }

    /** Parses JSON, or returns null when the bytes are not one JSON document. */
    public static @Nullable JsonNode tryParse(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    /** Pretty-prints a JSON tree. */
    public static String pretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render JSON", e);
        }
    }

    /** Keeps the command's output stream open when a generator closes. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
