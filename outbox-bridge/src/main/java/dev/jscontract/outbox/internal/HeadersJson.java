package dev.jscontract.outbox.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/** The jsonb form of message headers: {@code {"Name": ["value", ...], ...}}, written and read with streaming Jackson. */
public final class HeadersJson {
    private static final JsonFactory JSON = new JsonFactory();

    private HeadersJson() {}

    /** The JSON text, or {@code null} for no headers. */
    public static @Nullable String write(Map<String, List<String>> headers) {
        if (headers.isEmpty()) {
            return null;
        }
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                g.writeArrayFieldStart(e.getKey());
                for (String v : e.getValue()) {
                    g.writeString(v);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Calls {@code sink} with each (name, value) pair of the JSON text, in order. A plain string value (written by
     * hand, not by {@link #write}) is accepted as a single value.
     *
     * @throws IllegalArgumentException when the text is not a JSON object of strings or string arrays
     */
    public static void read(@Nullable String json, BiConsumer<String, String> sink) {
        if (json == null || json.isEmpty()) {
            return;
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid(json);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING) {
                    sink.accept(name, p.getText());
                } else if (t == JsonToken.START_ARRAY) {
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t != JsonToken.VALUE_STRING) {
                            throw invalid(json);
                        }
                        sink.accept(name, p.getText());
                    }
                } else {
                    throw invalid(json);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("headers column is not valid JSON: " + json, e);
        }
    }

    /** The headers as a map (for the admin API). */
    public static Map<String, List<String>> readMap(@Nullable String json) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        read(json, (k, v) -> map.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        return map;
    }

    private static IllegalArgumentException invalid(String json) {
        return new IllegalArgumentException(
                "headers column must be a JSON object of string arrays, e.g. {\"Name\": [\"value\"]}, but was " + json);
    }
}
