package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.function.Consumer;
import nl.jqno.equalsverifier.EqualsVerifier;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** WalSettings' builder, and the WAL switch of the writer and relay builders: negative, twice and conflict cases. */
class WalSettingsTest {
    private static final Connection NATS = (Connection)
            Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                throw new AssertionError("the builder must not use the connection: " + m.getName());
            });

    private static void rejects(Consumer<WalSettings.Builder> setter, Class<? extends Throwable> type, String message) {
        assertThatThrownBy(() -> setter.accept(WalSettings.builder()))
                .isInstanceOf(type)
                .hasMessage(message);
    }

    private static void onlyOnce(Consumer<WalSettings.Builder> setter, String message) {
        WalSettings.Builder b = WalSettings.builder();
        setter.accept(b);
        assertThatThrownBy(() -> setter.accept(b))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(message);
    }

    private static OutboxRelay.Builder relay() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL("jdbc:postgresql://127.0.0.1:1/never");
        return OutboxRelay.builder().connection(NATS).dataSource(ds);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        WalSettings w = WalSettings.defaults();
        assertThat(w.getSlot()).isEqualTo("jsc_outbox");
        assertThat(w.getPublication()).isEqualTo("jsc_outbox");
        assertThat(w.getPrefix()).isEqualTo("jsc.outbox");
        assertThat(w.getTakeoverInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(w.getStatusInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(w.getRetainedWalWarning()).isEqualTo(1L << 30);
        assertThat(w.getLagWarning()).isEqualTo(256L << 20);
        assertThat(w.getMaxInFlight()).isEqualTo(1000);
        assertThat(w.getReplicationUrl()).isNull();
        assertThat(w.toBuilder().build()).isEqualTo(w);
        assertThat(w.toBuilder().lagWarning(1).build().getLagWarning()).isEqualTo(1);
        assertThat(w.toString()).startsWith("WalSettings{slot=jsc_outbox, publication=jsc_outbox, prefix=jsc.outbox");
    }

    @Test
    void equalsAndHashCode() {
        EqualsVerifier.forClass(WalSettings.class).verify();
    }

    @Test
    void rejectsBadValuesNamingTheOption() {
        rejects(
                b -> b.slot("Bad-Slot"),
                IllegalArgumentException.class,
                "slot must be 1 to 63 lower-case letters, digits or underscores (PostgreSQL's rule for replication slot"
                        + " names) but was 'Bad-Slot'");
        rejects(
                b -> b.publication("1pub"),
                IllegalArgumentException.class,
                "publication must be a plain SQL identifier (a letter or underscore, then letters, digits or"
                        + " underscores, at most 63) but was '1pub'");
        rejects(
                b -> b.prefix("a b"),
                IllegalArgumentException.class,
                "prefix must be 1 to 64 letters, digits, '.', '_' or '-' but was 'a b'");
        rejects(
                b -> b.takeoverInterval(Duration.ofMillis(10)),
                IllegalArgumentException.class,
                "takeoverInterval must be between PT0.05S and PT1M but was PT0.01S");
        rejects(
                b -> b.statusInterval(Duration.ZERO),
                IllegalArgumentException.class,
                "statusInterval must be between PT0.01S and PT1M but was PT0S");
        rejects(
                b -> b.retainedWalWarning(0),
                IllegalArgumentException.class,
                "retainedWalWarning must be positive but was 0");
        rejects(b -> b.lagWarning(-1), IllegalArgumentException.class, "lagWarning must be positive but was -1");
        rejects(b -> b.lagWarning(0), IllegalArgumentException.class, "lagWarning must be positive but was 0");
        rejects(
                b -> b.maxInFlight(0),
                IllegalArgumentException.class,
                "maxInFlight must be between 1 and 100000 but was 0");
        rejects(
                b -> b.replicationUrl("postgres://x"),
                IllegalArgumentException.class,
                "replicationUrl must start with jdbc:postgresql: but was 'postgres://x'");
        rejects(b -> b.slot(null), NullPointerException.class, "slot");
    }

    @Test
    void eachOptionOnce() {
        onlyOnce(b -> b.slot("a"), "slot was already set to a; set each option once");
        onlyOnce(b -> b.publication("a"), "publication was already set to a; set each option once");
        onlyOnce(b -> b.prefix("a"), "prefix was already set to a; set each option once");
        onlyOnce(b -> b.maxInFlight(5), "maxInFlight was already set to 5; set each option once");
        onlyOnce(b -> b.lagWarning(1024), "lagWarning was already set to 1024; set each option once");
        onlyOnce(b -> b.retainedWalWarning(1024), "retainedWalWarning was already set to 1024; set each option once");
        onlyOnce(
                b -> b.takeoverInterval(Duration.ofSeconds(2)),
                "takeoverInterval was already set to PT2S; set each option once");
    }

    @Test
    void theRelaySwitchesModeWithOneSettingAndRefusesTableOnlyOptions() {
        OutboxRelay r = relay().wal(WalSettings.defaults()).name("w").build();
        assertThat(r.getWal()).isEqualTo(WalSettings.defaults());
        assertThat(r.toString()).isEqualTo("OutboxRelay{w, wal slot jsc_outbox, NEW}");
        // 8 attempts x 5 s + backoff (+20 %) + 2 x takeover 1 s + status 1 s
        assertThat(r.getRetryHorizon()).isEqualTo(Duration.ofMillis(58_240));
        assertThat(relay().build().getWal()).isNull();
        assertThatThrownBy(
                        () -> relay().wal(WalSettings.defaults()).batchSize(10).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("batchSize belongs to the table mode and has no effect with wal(...); remove"
                        + " batchSize(...) (WAL mode: see WalSettings)");
        assertThatThrownBy(() -> relay().wal(WalSettings.defaults())
                        .rebalanceInterval(Duration.ofSeconds(1))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("rebalanceInterval belongs to the table mode");
        OutboxRelay.Builder twice = relay().wal(WalSettings.defaults());
        assertThatThrownBy(() -> twice.wal(WalSettings.defaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("wal was already set to " + WalSettings.defaults() + "; set each option once");
    }

    @Test
    void theWriterSwitchesModeWithOneSetting() {
        OutboxWriter w = OutboxWriter.builder().wal(WalSettings.defaults()).build();
        assertThat(w.getWal()).isEqualTo(WalSettings.defaults());
        assertThat(w.isOrderingLock()).isFalse();
        assertThat(w.toString()).isEqualTo("OutboxWriter{wal prefix jsc.outbox, orderingLock=false}");
        assertThat(OutboxWriter.create().getWal()).isNull();
    }
}
