package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import nl.jqno.equalsverifier.EqualsVerifier;
import nl.jqno.equalsverifier.Warning;
import org.junit.jupiter.api.Test;

class OutboxMessageTest {

    record Order(String id, int amount) {}

    @Test
    void buildsWithAllParts() {
        OutboxMessage m = OutboxMessage.builder()
                .subject("orders.created")
                .payload(new Order("o1", 5), JacksonPayloadCodec.defaults())
                .messageId("order-o1-created")
                .orderingKey("order-o1")
                .header("Trace", "t1")
                .header("Trace", "t2")
                .build();
        assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"o1\",\"amount\":5}");
        assertThat(m.getHeaders())
                .isEqualTo(Map.of("Content-Type", List.of("application/json"), "Trace", List.of("t1", "t2")));
        assertThat(m.getMessageId()).isEqualTo("order-o1-created");
        assertThat(m.getOrderingKey()).isEqualTo("order-o1");
        assertThat(m.toString())
                .isEqualTo("OutboxMessage{subject=orders.created, payload=22 bytes, headers=[Content-Type, Trace],"
                        + " messageId=order-o1-created, orderingKey=order-o1}");
        assertThat(m.toBuilder().build()).isEqualTo(m);
    }

    @Test
    void copiesThePayload() {
        byte[] bytes = {1, 2, 3};
        OutboxMessage m = OutboxMessage.builder().subject("a.b").payload(bytes).build();
        bytes[0] = 9;
        assertThat(m.getPayload()).containsExactly(1, 2, 3);
        m.getPayload()[1] = 9;
        assertThat(m.getPayload()).containsExactly(1, 2, 3);
        assertThat(m.getPayloadSize()).isEqualTo(3);
    }

    @Test
    void rejectsBadSubjects() {
        assertThatThrownBy(() -> OutboxMessage.builder().subject(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject must not be empty");
        assertThatThrownBy(() -> OutboxMessage.builder().subject("a b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject must not contain whitespace or control characters but was 'a b'");
        assertThatThrownBy(() -> OutboxMessage.builder().subject("a..b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject must not have empty tokens (leading, trailing or double dots) but was 'a..b'");
        assertThatThrownBy(() -> OutboxMessage.builder().subject("orders.*"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject must be literal, without wildcard tokens, but was 'orders.*'");
        assertThatThrownBy(() -> OutboxMessage.builder().subject("orders.>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject must be literal, without wildcard tokens, but was 'orders.>'");
    }

    @Test
    void rejectsReservedAndInvalidHeaders() {
        OutboxMessage.Builder b = OutboxMessage.builder().subject("a").payload(new byte[0]);
        assertThatThrownBy(() -> b.header("Nats-Msg-Id", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header Nats-Msg-Id is set by the relay; use messageId(...) to choose the id");
        assertThatThrownBy(() -> b.header("Nats-Expected-Last-Sequence", "3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header Nats-Expected-Last-Sequence is not allowed on outbox messages: with a message"
                        + " id, a retried publish fails with 10071 on nats-server 2.12+ instead of being reported as a"
                        + " duplicate (PUB-005); drop the expectation header");
        assertThatThrownBy(() -> b.header("a:b", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header name must be printable ASCII without ':' or spaces but was 'a:b'");
        assertThatThrownBy(() -> b.header("", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header name must not be empty");
        assertThatThrownBy(() -> b.header("A", "x\ny"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header A value must not contain CR or LF but was 'x\ny'");
    }

    @Test
    void messageIdAndOrderingKey() {
        OutboxMessage.Builder b = OutboxMessage.builder().subject("a").payload(new byte[0]);
        assertThatThrownBy(() -> b.messageId(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageId must be 1 to 512 non-blank characters but was ' '");
        assertThatThrownBy(() -> b.messageId("a b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("messageId must not contain whitespace or control characters but was 'a b'");
        assertThatThrownBy(() -> b.messageId("x".repeat(513)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("messageId must be 1 to 512 non-blank characters");
        assertThatThrownBy(() -> b.orderingKey(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("orderingKey must be 1 to 512 characters but had 0");
        b.messageId("m1").orderingKey("k1");
        assertThatThrownBy(() -> b.messageId("m2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("messageId was already set to m1; set each option once");
        assertThatThrownBy(() -> b.orderingKey("k2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("orderingKey was already set to k1; set each option once");
    }

    @Test
    void codecFailuresNameTheType() {
        Object unserializable = new Object();
        assertThatThrownBy(() ->
                        OutboxMessage.builder().subject("a").payload(unserializable, JacksonPayloadCodec.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot encode a java.lang.Object as JSON:")
                .hasMessageEndingWith("make it serializable by the ObjectMapper given to JacksonPayloadCodec.of");
        PayloadCodec broken = v -> null;
        assertThatThrownBy(() -> OutboxMessage.builder().subject("a").payload("x", broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith(
                        "returned null for a java.lang.String; a PayloadCodec must return bytes" + " (possibly empty)");
    }

    @Test
    void equalityIsByValueIncludingPayloadBytes() {
        EqualsVerifier.forClass(OutboxMessage.class)
                .suppress(Warning.NULL_FIELDS)
                .verify();
    }
}
