package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WalEventCodecTest {

    @Test
    void roundTripsEveryField() {
        byte[] bytes = WalEventCodec.encode(
                "orders.created",
                "id-1",
                "order-7",
                "{\"Trace\":[\"a\",\"b\"]}",
                "héllo".getBytes(StandardCharsets.UTF_8));
        WalEventCodec.Event e = WalEventCodec.decode(bytes);
        assertThat(e.subject()).isEqualTo("orders.created");
        assertThat(e.messageId()).isEqualTo("id-1");
        assertThat(e.orderingKey()).isEqualTo("order-7");
        assertThat(e.headersJson()).isEqualTo("{\"Trace\":[\"a\",\"b\"]}");
        assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("héllo");
    }

    @Test
    void absentFieldsStayAbsentAndAnEmptyPayloadIsKept() {
        WalEventCodec.Event e = WalEventCodec.decode(WalEventCodec.encode("s", null, null, null, new byte[0]));
        assertThat(e.messageId()).isNull();
        assertThat(e.orderingKey()).isNull();
        assertThat(e.headersJson()).isNull();
        assertThat(e.payload()).isEmpty();
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        byte[] bytes = WalEventCodec.encode("ab", null, "k", null, new byte[] {7});
        ByteBuffer expected = ByteBuffer.allocate(1 + 4 + 2 + 4 + 4 + 1 + 4 + 4 + 1);
        expected.put((byte) 1)
                .putInt(2)
                .put((byte) 'a')
                .put((byte) 'b')
                .putInt(-1)
                .putInt(1)
                .put((byte) 'k');
        expected.putInt(-1).putInt(1).put((byte) 7);
        assertThat(bytes).isEqualTo(expected.array());
    }

    @Test
    void refusesAnotherVersionSayingWhatToDo() {
        byte[] bytes = WalEventCodec.encode("s", null, null, null, new byte[0]);
        bytes[0] = 2;
        assertThatThrownBy(() -> WalEventCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the event has format version 2 but this relay reads version 1; upgrade the relay to the"
                        + " writer's jscontract version");
    }

    @Test
    void refusesTruncatedOverlongAndEmptyEvents() {
        byte[] bytes = WalEventCodec.encode("subject", "id", null, null, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> WalEventCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the event's payload has length 3 but only 2 bytes follow");
        assertThatThrownBy(() -> WalEventCodec.decode(Arrays.copyOf(bytes, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the event ends early (3 bytes)");
        assertThatThrownBy(() -> WalEventCodec.decode(Arrays.copyOf(bytes, bytes.length + 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the event has 2 bytes after its payload; it is not a version-1 event");
        assertThatThrownBy(() -> WalEventCodec.decode(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the event is empty");
    }
}
