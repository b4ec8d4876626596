package dev.jscontract.consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
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
 * <pre>{@code
 * JacksonCodec.of(Order.class)                                   // a shared default ObjectMapper
 * JacksonCodec.of(mapper, Order.class)                           // your configured mapper (modules, features)
 * JacksonCodec.of(mapper, new TypeReference<List<Order>>() {})   // generic types
 * }</pre>
 *
 * <p>Thread-safe (Jackson's {@link ObjectReader} is immutable).
 *
 * @param <T> the payload type
 */
public final class JacksonCodec<T> implements Codec<T> {
    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();

    private final ObjectReader reader;
    private final String typeName;

    private JacksonCodec(ObjectReader reader, String typeName) {
        this.reader = reader;
        this.typeName = typeName;
    }

    /** A codec for {@code type} with a default {@link ObjectMapper}. */
    public static <T> JacksonCodec<T> of(Class<T> type) {
        return of(DEFAULT_MAPPER, type);
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
