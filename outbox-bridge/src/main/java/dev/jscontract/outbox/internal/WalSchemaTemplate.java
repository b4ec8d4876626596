package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxTables;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads {@code dev/jscontract/outbox/wal-schema.sql} from the jar and fills its placeholders. */
public final class WalSchemaTemplate {
    /** Where the template lives in the jar. */
    public static final String RESOURCE = "dev/jscontract/outbox/wal-schema.sql";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");

    private WalSchemaTemplate() {}

    /** The raw template text. */
    public static String template() {
        try (InputStream in = WalSchemaTemplate.class.getResourceAsStream("/" + RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        RESOURCE + " is missing from the classpath; the jscontract-outbox-bridge jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * The template with every placeholder filled (the partition count is not used by it).
     *
     * @throws IllegalStateException when the template has a placeholder this code does not know
     */
    public static String render(OutboxTables tables, String prefix, String publication) {
        Map<String, String> values = SchemaTemplate.values(tables, 1);
        values.put("prefix", prefix);
        values.put("publication", publication);
        Matcher m = PLACEHOLDER.matcher(template());
        StringBuilder out = new StringBuilder();
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
