package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The jar carries configuration metadata, so IDEs complete and document {@code jscontract.*}. */
class ConfigurationMetadataTest {
    @Test
    void everyPropertyGroupIsDescribedInTheMetadata() throws Exception {
        Map<String, String> described = new HashMap<>();
        Map<String, List<String>> hinted = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("spring-configuration-metadata.json in the jar").isNotNull();
            JsonNode metadata = new ObjectMapper().readTree(in);
            for (JsonNode p : metadata.get("properties")) {
                described.put(p.get("name").asText(), p.path("description").asText());
            }
            for (JsonNode h : metadata.path("hints")) {
                List<String> values = new ArrayList<>();
                h.path("values").forEach(v -> values.add(v.get("value").asText()));
                hinted.put(h.get("name").asText(), values);
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
                        "jscontract.outbox.relay.lag-threshold",
                        "jscontract.outbox.relay.wal-lag-threshold",
                        "jscontract.outbox.mode",
                        "jscontract.outbox.wal.slot",
                        "jscontract.outbox.wal.publication",
                        "jscontract.outbox.wal.prefix",
                        "jscontract.outbox.wal.takeover-interval",
                        "jscontract.outbox.wal.status-interval",
                        "jscontract.outbox.wal.retained-wal-warning",
                        "jscontract.outbox.wal.max-in-flight",
                        "jscontract.outbox.wal.replication-url");
        assertThat(described.values()).as("every property has a description").doesNotContain("");
        assertThat(hinted)
                .as("IDEs offer the outbox modes")
                .containsEntry("jscontract.outbox.mode", List.of("table", "wal"));
    }
}
