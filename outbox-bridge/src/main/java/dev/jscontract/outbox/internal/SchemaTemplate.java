package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxTables;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads {@code dev/jscontract/outbox/schema.sql} from the jar and fills its placeholders. */
public final class SchemaTemplate {
    /** Where the template lives in the jar. */
    public static final String RESOURCE = "dev/jscontract/outbox/schema.sql";

    /** The schema version this code reads and writes. */
    public static final int VERSION = 2;

    /** The oldest installed schema version a relay still runs on (its trigger notifies on every insert). */
    public static final int OLDEST_SUPPORTED = 1;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");

    private SchemaTemplate() {}

    /** The raw template text. */
    public static String template() {
        // through the class, not its loader: in a named module only Class.getResourceAsStream reads the module's own
        // resources from a package that is not opened
        try (InputStream in = SchemaTemplate.class.getResourceAsStream("/" + RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE
                        + " is missing from the classpath; the jscontract-outbox-bridge" + " jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The placeholder values for the given names and partition count. */
    public static Map<String, String> values(OutboxTables tables, int partitions) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("outbox", tables.qualifiedTable());
        v.put("parked", tables.qualifiedParkedTable());
        v.put("meta", tables.qualifiedMetaTable());
        v.put("name", tables.getTable());
        v.put("schema_dot", tables.getSchema() == null ? "" : tables.getSchema() + ".");
        v.put("channel", tables.notifyChannel());
        v.put("partitions", Integer.toString(partitions));
        return v;
    }

    /**
     * The template with its header comment replaced by a one-line description and every placeholder filled.
     *
     * @throws IllegalStateException when the template has a placeholder this code does not know
     */
    public static String render(OutboxTables tables, int partitions) {
        String text = template();
        // Drop the leading comment block: it documents the placeholders, which would read oddly once filled.
        int start = 0;
        while (text.startsWith("--", start)) {
            int eol = text.indexOf('\n', start);
            start = eol < 0 ? text.length() : eol + 1;
        }
        String body = text.substring(start);
        Map<String, String> values = values(tables, partitions);
        Matcher m = PLACEHOLDER.matcher(body);
        StringBuilder out = new StringBuilder("-- jscontract outbox schema v" + VERSION + " for "
                + tables.qualifiedTable() + " (" + partitions + " partitions), rendered by OutboxSchema\n");
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("unknown placeholder ${" + m.group(1) + "} in " + RESOURCE);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
