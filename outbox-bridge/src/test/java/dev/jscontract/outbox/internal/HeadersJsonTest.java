package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersJsonTest {

    @Test
    void roundTripsNamesAndValuesInOrder() {
        Map<String, List<String>> h = new LinkedHashMap<>();
        h.put("B", List.of("2", "3"));
        h.put("A", List.of("quote \" and \\ backslash"));
        String json = HeadersJson.write(h);
        assertThat(json).isEqualTo("{\"B\":[\"2\",\"3\"],\"A\":[\"quote \\\" and \\\\ backslash\"]}");
        assertThat(HeadersJson.readMap(json)).isEqualTo(h);
    }

    @Test
    void noHeadersIsNull() {
        assertThat(HeadersJson.write(Map.of())).isNull();
        assertThat(HeadersJson.readMap(null)).isEmpty();
    }

    @Test
    void acceptsAPlainStringValueWrittenByHand() {
        assertThat(HeadersJson.readMap("{\"A\": \"x\"}")).isEqualTo(Map.of("A", List.of("x")));
    }

    @Test
    void rejectsOtherShapes() {
        assertThatThrownBy(() -> HeadersJson.readMap("[1]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("headers column must be a JSON object of string arrays, e.g. {\"Name\": [\"value\"]},"
                        + " but was [1]");
        assertThatThrownBy(() -> HeadersJson.readMap("{\"A\": 1}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeadersJson.readMap("{\"A\": [1]}")).isInstanceOf(IllegalArgumentException.class);
    }
}
