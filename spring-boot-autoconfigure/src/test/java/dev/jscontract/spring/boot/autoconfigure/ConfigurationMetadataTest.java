package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The jar carries configuration metadata, so IDEs complete and document {@code jscontract.*}. */
class ConfigurationMetadataTest {
    @Test
    void everyPropertyGroupIsDescribedInTheMetadata() throws Exception {
        Map<String, String> described = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("spring-configuration-metadata.json in the jar").isNotNull();
            for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
                described.put(p.get("name").asText(), p.path("description").asText());
            }
        }
        assertThat(described)
                .containsKeys(
                        "jscontract.nats.servers",
                        "jscontract.nats.ssl-bundle",
                        "jscontract.consumer.fail-fast",
                        "jscontract.consumers",
                        "jscontract.contracts",
                        "jscontract.outbox.initialize-schema.enabled",
                        "jscontract.outbox.relay.enabled",
                        "jscontract.outbox.relay.lag-threshold");
        assertThat(described.values()).as("every property has a description").doesNotContain("");
    }
}
