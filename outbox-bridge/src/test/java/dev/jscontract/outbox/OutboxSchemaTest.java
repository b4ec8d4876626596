package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutboxSchemaTest {

    @Test
    void rendersTheShippedTemplate() {
        assertThat(OutboxSchema.template()).contains("${outbox}");
        String sql = OutboxSchema.sql(OutboxTables.defaults(), 16);
        assertThat(sql).contains("CREATE TABLE IF NOT EXISTS outbox (").doesNotContain("${");
    }

    @Test
    void partitionCountIsBounded() {
        assertThatThrownBy(() -> OutboxSchema.sql(OutboxTables.defaults(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partitions must be between 1 and 1024 but was 0");
        assertThatThrownBy(() -> OutboxSchema.sql(OutboxTables.defaults(), 1025))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partitions must be between 1 and 1024 but was 1025");
    }
}
