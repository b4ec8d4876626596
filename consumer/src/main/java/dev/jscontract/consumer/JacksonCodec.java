package dev.jscontract.consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.nats.client.Message;
import java.io.IOException;
import java.util.Objects;

/**
 * The default {@link Codec}: JSON through Jackson. A payload that is not valid JSON for the type, or is empty, fails
 * to decode and makes the message a poison dead letter.
 *
 * <p><b>Unknown properties are ignored by default.</b> Adding a field is the most common change to an event, and a
 * producer that adds one must not turn every message of a stream into a poison dead letter, so {@link #of(Class)}
 * uses a mapper with {@code FAIL_ON_UNKNOWN_PROPERTIES} off. Strictness is opt-in: {@link #strict(Class)}, or your own
 * mapper with {@link #of(ObjectMapper, Class)} (it is used as configured).
 *
 * <pre>{@code
 * JacksonCodec.of(Order.class)                                   // lenient: unknown fields are ignored
 * JacksonCodec.strict(Order.class)                               // an unknown field makes the message poison
 * JacksonCodec.of(mapper, Order.class)                           // your configured mapper (modules, features)
 * JacksonCodec.of(mapper, new TypeReference<List<Order>>() {})   // generic types
 * }</pre>
 *
 * <p>Thread-safe (Jackson's {@link ObjectReader} is immutable).
 *
 * @param <T> the payload type
 */
public final class JacksonCodec<T> implements Codec<T> {
    private static final ObjectMapper LENIENT_MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final ObjectMapper STRICT_MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final ObjectReader reader;
    private final String typeName;

    private JacksonCodec(ObjectReader reader, String typeName) {
        this.reader = reader;
        this.typeName = typeName;
    }

    /** A codec for {@code type} with a shared default {@link ObjectMapper} that ignores unknown properties. */
    public static <T> JacksonCodec<T> of(Class<T> type) {
        return of(LENIENT_MAPPER, type);
    }

    /**
     * A codec for {@code type} that refuses unknown properties: a payload with a field {@code type} does not have is
     * poison. Use it when a new field must be noticed rather than ignored.
     */
    public static <T> JacksonCodec<T> strict(Class<T> type) {
        return of(STRICT_MAPPER, type);
    }

    /** A codec for {@code type} with the given mapper. */
    public static <T> JacksonCodec<T> of(ObjectMapper mapper, Class<T> type) {
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(type, "type");
        return new JacksonCodec<>(mapper.readerFor(type), type.getName());
    }

    /** A codec for a generic type with the given mapper. */
    public static <T> JacksonCodec<T> of(ObjectMapper mapper, TypeReference<T> type) {
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(type, "type");
        JavaType javaType = mapper.getTypeFactory().constructType(type);
        return new JacksonCodec<>(mapper.readerFor(javaType), javaType.toString());
    }

    /**
     * Decodes the message's payload.
     *
     * @throws DecodingException when the payload is empty or not valid JSON for the type (the message says which
     *     subject, sequence and type, and the parser's reason)
     */
    @Override
    public T decode(Message message) {
        byte[] data = message.getData();
        if (data == null || data.length == 0) {
            throw new DecodingException("empty payload on subject " + message.getSubject() + " cannot be decoded as "
                    + typeName + "; the publisher must send a JSON document");
        }
        try {
            T value = reader.readValue(data);
            if (value == null) {
                throw new DecodingException(
                        "payload on subject " + message.getSubject() + " is JSON null, not a " + typeName);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new DecodingException(
                    "payload on subject " + message.getSubject() + " is not valid JSON for " + typeName + ": "
                            + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new DecodingException(
                    "payload on subject " + message.getSubject() + " could not be read as " + typeName + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "JacksonCodec{" + typeName + "}";
    }
}
