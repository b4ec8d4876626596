package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Builder validation: every option's negative, zero, twice and conflict cases, with the message text. */
class OutboxRelayBuilderTest {

    /** build() never talks to NATS; any call on this stand-in fails the test. */
    private static final Connection NATS = (Connection)
            Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                throw new AssertionError("the builder must not use the connection: " + m.getName());
            });

    private static OutboxRelay.Builder builder() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL("jdbc:postgresql://127.0.0.1:1/never");
        return OutboxRelay.builder().connection(NATS).dataSource(ds);
    }

    private static void rejects(Consumer<OutboxRelay.Builder> setter, Class<? extends Throwable> type, String message) {
        assertThatThrownBy(() -> setter.accept(builder())).isInstanceOf(type).hasMessage(message);
    }

    private static void onlyOnce(Consumer<OutboxRelay.Builder> setter, String message) {
        OutboxRelay.Builder b = builder();
        setter.accept(b);
        assertThatThrownBy(() -> setter.accept(b))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(message);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        OutboxRelay relay = builder().name("r1").build();
        assertThat(relay.getName()).isEqualTo("r1");
        assertThat(relay.getTables()).isEqualTo(OutboxTables.defaults());
        // 8 attempts x 5 s + backoff 100..6400 ms (+20 %) + 2 x 2 s
        assertThat(relay.getRetryHorizon()).isEqualTo(Duration.ofMillis(59_240));
        assertThat(relay.isRunning()).isFalse();
        assertThat(relay.getOwnedPartitions()).isEmpty();
        assertThat(builder().build().getName()).matches("relay-\\d+-[0-9a-f]+");
    }

    @Test
    void requiresConnectionAndDataSource() {
        assertThatThrownBy(() -> OutboxRelay.builder().connection(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("connection");
        assertThatThrownBy(() -> OutboxRelay.builder().connection(NATS).dataSource(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("dataSource");
    }

    @Test
    void tables() {
        onlyOnce(
                b -> b.tables(OutboxTables.defaults()),
                "tables was already set to " + OutboxTables.defaults() + "; set each option once");
        rejects(b -> b.tables(null), NullPointerException.class, "tables");
    }

    @Test
    void name() {
        rejects(
                b -> b.name(""),
                IllegalArgumentException.class,
                "name must be 1 to 64 letters, digits, '.', '_' or '-' but was ''");
        rejects(
                b -> b.name("has space"),
                IllegalArgumentException.class,
                "name must be 1 to 64 letters, digits, '.', '_' or '-' but was 'has space'");
        rejects(
                b -> b.name("x".repeat(65)),
                IllegalArgumentException.class,
                "name must be 1 to 64 letters, digits, '.', '_' or '-' but was '" + "x".repeat(65) + "'");
        onlyOnce(b -> b.name("a"), "name was already set to a; set each option once");
    }

    @Test
    void streams() {
        rejects(b -> b.streams(), IllegalArgumentException.class, "streams must name at least one stream");
        rejects(
                b -> b.streams("A.B"),
                IllegalArgumentException.class,
                "streams: 'A.B' is not a valid stream name (no whitespace, '.', '*', '>', '/' or '\\', at most 255"
                        + " characters)");
        rejects(
                b -> b.streams("A B"),
                IllegalArgumentException.class,
                "streams: 'A B' is not a valid stream name (no whitespace, '.', '*', '>', '/' or '\\', at most 255"
                        + " characters)");
        rejects(b -> b.streams("A", "A"), IllegalArgumentException.class, "streams: 'A' is listed twice");
        onlyOnce(b -> b.streams("A"), "streams was already set to [A]; set each option once");
    }

    @Test
    void batchSize() {
        rejects(b -> b.batchSize(0), IllegalArgumentException.class, "batchSize must be between 1 and 10000 but was 0");
        rejects(
                b -> b.batchSize(-5),
                IllegalArgumentException.class,
                "batchSize must be between 1 and 10000 but was -5");
        rejects(
                b -> b.batchSize(10_001),
                IllegalArgumentException.class,
                "batchSize must be between 1 and 10000 but was 10001");
        onlyOnce(b -> b.batchSize(10), "batchSize was already set to 10; set each option once");
    }

    @Test
    void pipelineDepth() {
        rejects(
                b -> b.pipelineDepth(0),
                IllegalArgumentException.class,
                "pipelineDepth must be between 1 and 16 but was 0");
        rejects(
                b -> b.pipelineDepth(17),
                IllegalArgumentException.class,
                "pipelineDepth must be between 1 and 16 but was 17");
        onlyOnce(b -> b.pipelineDepth(3), "pipelineDepth was already set to 3; set each option once");
    }

    @Test
    void batchSizeTimesPipelineDepthIsBounded() {
        assertThatThrownBy(() -> builder().batchSize(10_000).pipelineDepth(6).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("batchSize 10000 x pipelineDepth 6 = 60000 rows in flight, more than 50000; lower one"
                        + " of them");
        assertThat(builder().batchSize(10_000).pipelineDepth(5).build()).isNotNull();
    }

    @Test
    void publishTimeout() {
        rejects(
                b -> b.publishTimeout(Duration.ZERO),
                IllegalArgumentException.class,
                "publishTimeout must be positive but was PT0S");
        rejects(
                b -> b.publishTimeout(Duration.ofSeconds(-1)),
                IllegalArgumentException.class,
                "publishTimeout must be positive but was PT-1S");
        rejects(
                b -> b.publishTimeout(Duration.ofMinutes(11)),
                IllegalArgumentException.class,
                "publishTimeout must be at most PT10M but was PT11M");
        onlyOnce(
                b -> b.publishTimeout(Duration.ofSeconds(1)),
                "publishTimeout was already set to PT1S; set each option once");
    }

    @Test
    void maxAttempts() {
        rejects(
                b -> b.maxAttempts(0),
                IllegalArgumentException.class,
                "maxAttempts must be between 1 and 1000 but was 0");
        rejects(
                b -> b.maxAttempts(-1),
                IllegalArgumentException.class,
                "maxAttempts must be between 1 and 1000 but was -1");
        rejects(
                b -> b.maxAttempts(1001),
                IllegalArgumentException.class,
                "maxAttempts must be between 1 and 1000 but was 1001");
        onlyOnce(b -> b.maxAttempts(3), "maxAttempts was already set to 3; set each option once");
    }

    @Test
    void retryBackoff() {
        rejects(b -> b.retryBackoff(null), NullPointerException.class, "retryBackoff");
        onlyOnce(
                b -> b.retryBackoff(RetryBackoff.fixed(Duration.ofSeconds(1))),
                "retryBackoff was already set to RetryBackoff{fixed PT1S}; set each option once");
    }

    @Test
    void duplicateWindowCheck() {
        rejects(b -> b.duplicateWindowCheck(null), NullPointerException.class, "duplicateWindowCheck");
        onlyOnce(
                b -> b.duplicateWindowCheck(DuplicateWindowCheck.WARN),
                "duplicateWindowCheck was already set to WARN; set each option once");
    }

    @Test
    void retryHorizon() {
        rejects(
                b -> b.retryHorizon(Duration.ZERO),
                IllegalArgumentException.class,
                "retryHorizon must be positive but was PT0S");
        rejects(
                b -> b.retryHorizon(Duration.ofSeconds(-3)),
                IllegalArgumentException.class,
                "retryHorizon must be positive but was PT-3S");
        onlyOnce(
                b -> b.retryHorizon(Duration.ofMinutes(2)),
                "retryHorizon was already set to PT2M; set each option once");
        assertThat(builder().retryHorizon(Duration.ofMinutes(2)).build().getRetryHorizon())
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void anExplicitRetryHorizonMayNotUndercutTheSettings() {
        assertThatThrownBy(() -> builder()
                        .maxAttempts(2)
                        .publishTimeout(Duration.ofSeconds(1))
                        .retryBackoff(RetryBackoff.fixed(Duration.ofSeconds(1)))
                        .rebalanceInterval(Duration.ofSeconds(1))
                        .retryHorizon(Duration.ofSeconds(4))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("retryHorizon PT4S is shorter than the PT5S that maxAttempts 2, publishTimeout PT1S,"
                        + " retryBackoff RetryBackoff{fixed PT1S} and rebalanceInterval PT1S allow; raise retryHorizon"
                        + " to at least PT5S or shorten those settings");
    }

    @Test
    void rebalanceInterval() {
        rejects(
                b -> b.rebalanceInterval(Duration.ofMillis(99)),
                IllegalArgumentException.class,
                "rebalanceInterval must be between PT0.1S and PT1M but was PT0.099S");
        rejects(
                b -> b.rebalanceInterval(Duration.ZERO),
                IllegalArgumentException.class,
                "rebalanceInterval must be between PT0.1S and PT1M but was PT0S");
        rejects(
                b -> b.rebalanceInterval(Duration.ofMinutes(2)),
                IllegalArgumentException.class,
                "rebalanceInterval must be between PT0.1S and PT1M but was PT2M");
        onlyOnce(
                b -> b.rebalanceInterval(Duration.ofSeconds(1)),
                "rebalanceInterval was already set to PT1S; set each option once");
    }

    @Test
    void idlePollInterval() {
        rejects(
                b -> b.idlePollInterval(Duration.ofMillis(9)),
                IllegalArgumentException.class,
                "idlePollInterval must be between PT0.01S and PT1H but was PT0.009S");
        rejects(
                b -> b.idlePollInterval(Duration.ofSeconds(-1)),
                IllegalArgumentException.class,
                "idlePollInterval must be between PT0.01S and PT1H but was PT-1S");
        rejects(
                b -> b.idlePollInterval(Duration.ofHours(2)),
                IllegalArgumentException.class,
                "idlePollInterval must be between PT0.01S and PT1H but was PT2H");
        onlyOnce(
                b -> b.idlePollInterval(Duration.ofSeconds(1)),
                "idlePollInterval was already set to PT1S; set each option once");
    }

    @Test
    void statsInterval() {
        rejects(
                b -> b.statsInterval(Duration.ofMillis(50)),
                IllegalArgumentException.class,
                "statsInterval must be between PT0.1S and PT1H but was PT0.05S");
        rejects(
                b -> b.statsInterval(Duration.ZERO),
                IllegalArgumentException.class,
                "statsInterval must be between PT0.1S and PT1H but was PT0S");
        onlyOnce(
                b -> b.statsInterval(Duration.ofSeconds(1)),
                "statsInterval was already set to PT1S; set each option once");
    }

    @Test
    void longTransactionThreshold() {
        rejects(
                b -> b.longTransactionThreshold(Duration.ZERO),
                IllegalArgumentException.class,
                "longTransactionThreshold must be positive but was PT0S");
        rejects(
                b -> b.longTransactionThreshold(Duration.ofSeconds(-1)),
                IllegalArgumentException.class,
                "longTransactionThreshold must be positive but was PT-1S");
        onlyOnce(
                b -> b.longTransactionThreshold(Duration.ofMinutes(1)),
                "longTransactionThreshold was already set to PT1M; set each option once");
    }

    @Test
    void aLongTransactionThresholdBelowTheStatsIntervalConflicts() {
        assertThatThrownBy(() -> builder()
                        .statsInterval(Duration.ofSeconds(30))
                        .longTransactionThreshold(Duration.ofSeconds(10))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("longTransactionThreshold PT10S is shorter than statsInterval PT30S, so the warning could"
                        + " come late by up to statsInterval; raise longTransactionThreshold or lower statsInterval");
    }

    @Test
    void dbNetworkTimeout() {
        rejects(
                b -> b.dbNetworkTimeout(Duration.ofMillis(999)),
                IllegalArgumentException.class,
                "dbNetworkTimeout must be between PT1S and PT1H but was PT0.999S");
        rejects(
                b -> b.dbNetworkTimeout(Duration.ZERO),
                IllegalArgumentException.class,
                "dbNetworkTimeout must be between PT1S and PT1H but was PT0S");
        rejects(
                b -> b.dbNetworkTimeout(Duration.ofHours(2)),
                IllegalArgumentException.class,
                "dbNetworkTimeout must be between PT1S and PT1H but was PT2H");
        onlyOnce(
                b -> b.dbNetworkTimeout(Duration.ofSeconds(5)),
                "dbNetworkTimeout was already set to PT5S; set each option once");
    }

    @Test
    void clockMeterRegistryAndListener() {
        Clock clock = Clock.systemUTC();
        onlyOnce(b -> b.clock(clock), "clock was already set to " + clock + "; set each option once");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        onlyOnce(
                b -> b.meterRegistry(registry),
                "meterRegistry was already set to " + registry + "; set each option once");
        OutboxRelayListener listener = e -> {};
        OutboxRelay.Builder b = builder().listener(listener).listener(e -> {});
        assertThatThrownBy(() -> b.listener(listener))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listener " + listener + " was already added");
        rejects(x -> x.clock(null), NullPointerException.class, "clock");
        rejects(x -> x.meterRegistry(null), NullPointerException.class, "meterRegistry");
        rejects(x -> x.listener(null), NullPointerException.class, "listener");
    }
}
