package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.OutboxTables;
import org.junit.jupiter.api.Test;

class SchemaTemplateTest {

    @Test
    void theTemplateShipsInTheJarWithPlaceholders() {
        String t = SchemaTemplate.template();
        assertThat(t).contains("${outbox}", "${parked}", "${meta}", "${partitions}", "${channel}");
        assertThat(t).contains("autovacuum_vacuum_scale_factor = 0");
    }

    @Test
    void renderFillsEveryPlaceholder() {
        String sql = SchemaTemplate.render(
                OutboxTables.builder().schema("billing").table("inv_outbox").build(), 8);
        assertThat(sql).doesNotContain("${");
        assertThat(sql).startsWith("-- jscontract outbox schema v2 for billing.inv_outbox (8 partitions)");
        assertThat(sql).contains("CREATE TABLE IF NOT EXISTS billing.inv_outbox (");
        assertThat(sql).contains("CREATE TABLE IF NOT EXISTS billing.inv_outbox_parked (");
        assertThat(sql).contains("CREATE TABLE IF NOT EXISTS billing.inv_outbox_meta (");
        assertThat(sql).contains("% 8");
        assertThat(sql).contains("pg_notify('billing_inv_outbox_wakeup', '')");
        assertThat(sql).contains("CREATE OR REPLACE FUNCTION billing.inv_outbox_notify()");
    }
}
