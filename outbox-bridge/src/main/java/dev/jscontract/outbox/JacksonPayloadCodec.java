package dev.jscontract.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.Objects;

/**
 * A {@link PayloadCodec} that writes JSON with Jackson and labels it {@code Content-Type: application/json}.
 *
 * <pre>{@code
 * PayloadCodec json = JacksonPayloadCodec.of(objectMapper);   // your configured mapper (modules, naming)
 * OutboxMessage m = OutboxMessage.builder().subject("orders.created").payload(order, json).build();
 * }</pre>
 *
 * <p>Thread-safe as long as the given {@link ObjectMapper} is not reconfigured after this codec is created.
 */
public final class JacksonPayloadCodec implements PayloadCodec {
    /** The media type this codec declares. */
    public static final String CONTENT_TYPE = "application/json";

    private final ObjectWriter writer;

    private JacksonPayloadCodec(ObjectWriter writer) {
        this.writer = writer;
    }

    /** A codec using the given mapper, so that your modules and naming strategy apply. */
    public static JacksonPayloadCodec of(ObjectMapper mapper) {
        return new JacksonPayloadCodec(Objects.requireNonNull(mapper, "mapper").writer());
    }

    /** A codec using a plain {@code new ObjectMapper()}. */
    public static JacksonPayloadCodec defaults() {
        return of(new ObjectMapper());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when Jackson cannot serialize the value (the message names its type)
     */
    @Override
    public byte[] encode(Object value) {
        Objects.requireNonNull(value, "value");
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot encode a " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage()
                            + "; make it serializable by the ObjectMapper given to JacksonPayloadCodec.of",
                    e);
        }
    }

    /** {@value #CONTENT_TYPE}. */
    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public String toString() {
        return "JacksonPayloadCodec";
    }
}
