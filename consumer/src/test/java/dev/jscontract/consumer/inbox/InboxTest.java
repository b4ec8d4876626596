package dev.jscontract.consumer.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InboxTest {
    @Test
    void theSchemaShipsInTheJarAndSplitsIntoStatements() {
        String schema = Inbox.defaultSchema();
        assertThat(schema).contains("create table if not exists jsc_inbox");
        assertThat(Inbox.statements(schema))
                .hasSize(2)
                .allSatisfy(s -> assertThat(s).doesNotContain("--").doesNotEndWith(";"));
    }

    @Test
    void aCustomTableNameRenamesTableAndIndex() {
        String schema = Inbox.builder().table("app.orders_inbox").build().schema();
        assertThat(Inbox.statements(schema))
                .containsExactly(
                        Inbox.statements(Inbox.defaultSchema()).get(0).replace("jsc_inbox", "app.orders_inbox"),
                        "create index if not exists orders_inbox_processed_at on app.orders_inbox (processed_at)");
    }

    @Test
    void rejectsTableNamesThatAreNotPlainIdentifiers() {
        assertThatThrownBy(() -> Inbox.builder().table("inbox; drop table x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("table must be an identifier or schema.identifier of letters, digits and underscores (at"
                        + " most 63 each) but was 'inbox; drop table x'");
        assertThatThrownBy(() -> Inbox.builder().table("a.b.c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Inbox.builder().table("t").table("u"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("table was already set to t; set each option once");
    }

    @Test
    void defaults() {
        Inbox inbox = Inbox.create();
        assertThat(inbox.getTable()).isEqualTo("jsc_inbox");
        assertThat(inbox.getKey()).isEqualTo(Inbox.Key.STREAM_SEQUENCE);
        assertThat(inbox).hasToString("Inbox{table=jsc_inbox, key=STREAM_SEQUENCE}");
    }
}
