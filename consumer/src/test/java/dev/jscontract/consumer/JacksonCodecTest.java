package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JacksonCodecTest {
    /** A payload type. */
    public record Order(String id, long cents) {}

    private static Message msg(String body) {
        return NatsMessage.builder()
                .subject("orders.created")
                .data(body.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    @Test
    void decodesJsonIntoTheType() throws Exception {
        assertThat(JacksonCodec.of(Order.class).decode(msg("{\"id\":\"o-1\",\"cents\":250}")))
                .isEqualTo(new Order("o-1", 250));
        assertThat(JacksonCodec.of(new ObjectMapper(), new TypeReference<List<Order>>() {})
                        .decode(msg("[{\"id\":\"a\",\"cents\":1}]")))
                .containsExactly(new Order("a", 1));
    }

    @Test
    void invalidJsonIsADecodingExceptionThatSaysWhereAndWhy() {
        assertThatThrownBy(() -> JacksonCodec.of(Order.class).decode(msg("{not json")))
                .isInstanceOf(DecodingException.class)
                .hasMessageStartingWith(
                        "payload on subject orders.created is not valid JSON for " + Order.class.getName() + ": ")
                .hasCauseInstanceOf(JsonProcessingException.class);
    }

    @Test
    void emptyAndNullPayloadsAreRejected() {
        assertThatThrownBy(() -> JacksonCodec.of(Order.class).decode(msg("")))
                .isInstanceOf(DecodingException.class)
                .hasMessage("empty payload on subject orders.created cannot be decoded as " + Order.class.getName()
                        + "; the publisher must send a JSON document");
        assertThatThrownBy(() -> JacksonCodec.of(Order.class).decode(msg("null")))
                .isInstanceOf(DecodingException.class)
                .hasMessage("payload on subject orders.created is JSON null, not a " + Order.class.getName());
    }
}
