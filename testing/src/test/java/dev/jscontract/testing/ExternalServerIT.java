package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.internal.Environment;
import dev.jscontract.testing.internal.NatsResolver;
import io.nats.client.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * A server named by {@code JSC_NATS_URL} is used but not controlled: kill/restart report "not possible" (a skip
 * outside CI, a failure under CI) instead of silently passing. A harness-started server stands in for the external
 * one.
 */
@WithNatsServer
class ExternalServerIT {

    @Test
    void externalServerIsUsableButLifecycleCallsAreReportedAsNotPossible(NatsServer real) throws Exception {
        NatsResolver local = new NatsResolver(Environment.of(Map.of("JSC_NATS_URL", real.url())), () -> false);
        try (NatsServer external = local.server(List.of());
                Connection nc = external.connect()) {
            assertThat(external.isControllable()).isFalse();
            assertThat(external.version()).isEqualTo(real.version());
            assertThat(nc.getServerInfo().isJetStreamAvailable()).isTrue();
            assertThatThrownBy(external::kill)
                    .isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("cannot kill the nats-server at " + real.url())
                    .hasMessageContaining("unset JSC_NATS_URL");
        }

        NatsResolver ci =
                new NatsResolver(Environment.of(Map.of("JSC_NATS_URL", real.url(), "CI", "true")), () -> false);
        try (NatsServer external = ci.server(List.of())) {
            assertThatThrownBy(external::restart)
                    .isInstanceOf(ServerUnavailableException.class)
                    .hasMessageContaining("cannot restart");
        }
        assertThat(real.isRunning()).isTrue();
    }
}
