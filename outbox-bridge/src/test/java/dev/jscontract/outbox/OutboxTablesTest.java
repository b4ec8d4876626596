package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import nl.jqno.equalsverifier.EqualsVerifier;
import org.junit.jupiter.api.Test;

class OutboxTablesTest {

    @Test
    void defaultsAndDerivedNames() {
        OutboxTables t = OutboxTables.defaults();
        assertThat(t.qualifiedTable()).isEqualTo("outbox");
        assertThat(t.qualifiedParkedTable()).isEqualTo("outbox_parked");
        assertThat(t.qualifiedMetaTable()).isEqualTo("outbox_meta");
        assertThat(t.notifyChannel()).isEqualTo("outbox_wakeup");
        OutboxTables s =
                OutboxTables.builder().schema("app").table("orders_outbox").build();
        assertThat(s.qualifiedTable()).isEqualTo("app.orders_outbox");
        assertThat(s.qualifiedParkedTable()).isEqualTo("app.orders_outbox_parked");
        assertThat(s.qualifiedMetaTable()).isEqualTo("app.orders_outbox_meta");
        assertThat(s.notifyChannel()).isEqualTo("app_orders_outbox_wakeup");
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }

    @Test
    void rejectsNamesThatAreNotPlainIdentifiers() {
        assertThatThrownBy(() -> OutboxTables.builder().table("Outbox"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("table must be an unquoted SQL identifier (lowercase letters, digits and '_', not"
                        + " starting with a digit, at most 40 characters) but was 'Outbox'");
        assertThatThrownBy(() -> OutboxTables.builder().table("x".repeat(41)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("at most 40 characters) but was '" + "x".repeat(41) + "'");
        assertThatThrownBy(() -> OutboxTables.builder().schema("1a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("schema must be an unquoted SQL identifier");
        assertThatThrownBy(() -> OutboxTables.builder().parkedTable("a;drop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("parkedTable must be an unquoted SQL identifier");
    }

    @Test
    void eachOptionOnceAndNoClashes() {
        assertThatThrownBy(() -> OutboxTables.builder().table("a").table("b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("table was already set to a; set each option once");
        assertThatThrownBy(() -> OutboxTables.builder().schema("a").schema("b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("schema was already set to a; set each option once");
        assertThatThrownBy(() -> OutboxTables.builder().parkedTable("p").parkedTable("q"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("parkedTable was already set to p; set each option once");
        assertThatThrownBy(() -> OutboxTables.builder()
                        .table("ob")
                        .parkedTable("ob_meta")
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("parkedTable must differ from the outbox table 'ob' and its metadata table 'ob_meta' but"
                        + " was 'ob_meta'");
    }

    @Test
    void equalityIsByValue() {
        EqualsVerifier.forClass(OutboxTables.class)
                .withNonnullFields("table", "parkedTable")
                .verify();
    }
}
