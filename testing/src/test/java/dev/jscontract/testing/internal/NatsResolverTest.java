package dev.jscontract.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.ServerUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The resolution rules, with a made-up environment: no server is started. */
class NatsResolverTest {

    @TempDir
    Path empty;

    @Test
    void missingServerUnderCiIsAFailureThatSaysHowToFixIt() {
        NatsResolver resolver = new NatsResolver(
                Environment.of(Map.of("CI", "true", "PATH", empty.toString(), "HOME", empty.toString())), () -> false);

        assertThatThrownBy(() -> resolver.server(List.of()))
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("no nats-server is available")
                .hasMessageContaining("'nats-server' on PATH (not found in PATH=" + empty)
                .hasMessageContaining("apt-get install nats-server")
                .hasMessageContaining("JSC_NATS_SERVER_BIN=/path/to/nats-server")
                .hasMessageContaining("JSC_NATS_URL=nats://host:port")
                .hasMessageContaining("CI is set, so this is a failure");
    }

    @Test
    void missingServerOutsideCiIsASkipWithTheSameMessage() {
        NatsResolver resolver = new NatsResolver(
                Environment.of(Map.of("PATH", empty.toString(), "HOME", empty.toString())), () -> false);

        assertThatThrownBy(() -> resolver.server(List.of()))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("no nats-server is available")
                .hasMessageContaining("apt-get install nats-server");
    }

    @Test
    void anUnusableExplicitBinaryIsReportedNotSkippedOver() throws IOException {
        Path fake = Files.writeString(empty.resolve("nats-server"), "not a binary");
        NatsResolver resolver = new NatsResolver(
                Environment.of(Map.of("CI", "1", "JSC_NATS_SERVER_BIN", fake.toString())), () -> false);

        assertThatThrownBy(resolver::defaultBinary)
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("JSC_NATS_SERVER_BIN=" + fake + " is not usable")
                .hasMessageContaining("not executable");
    }

    @Test
    void matrixBelowTheRequiredSizeFailsUnderCi() {
        NatsResolver resolver = new NatsResolver(
                Environment.of(Map.of(
                        "CI",
                        "1",
                        "PATH",
                        empty.toString(),
                        "JSC_NATS_CACHE",
                        empty.toString(),
                        "JSC_NATS_MATRIX_MIN",
                        "3")),
                () -> false);

        assertThatThrownBy(resolver::matrix)
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("has 0 version(s) [] but JSC_NATS_MATRIX_MIN=3 are required")
                .hasMessageContaining("Run scripts/nats-servers");
    }

    @Test
    void externalUrlThatDoesNotAnswerIsReported() {
        NatsResolver resolver =
                new NatsResolver(Environment.of(Map.of("CI", "1", "JSC_NATS_URL", "nats://127.0.0.1:1")), () -> false);

        assertThatThrownBy(() -> resolver.server(List.of()))
                .isInstanceOf(ServerUnavailableException.class)
                .hasMessageContaining("JSC_NATS_URL=nats://127.0.0.1:1 does not answer")
                .hasMessageContaining("unset JSC_NATS_URL");
    }

    @Test
    void externalServerCannotTakeExtraConfiguration() {
        NatsResolver resolver =
                new NatsResolver(Environment.of(Map.of("JSC_NATS_URL", "nats://127.0.0.1:1")), () -> false);

        assertThatThrownBy(() -> resolver.server(List.of("max_payload: 1024")))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("needs server configuration [max_payload: 1024]");
    }

    @Test
    void versionsCompareNumerically() {
        assertThat(Versions.compare("2.10.27", "2.9.10")).isPositive();
        assertThat(Versions.compare("2.10.4", "2.10.4")).isZero();
        assertThat(Versions.compare("2.11.0-RC.1", "2.11.0")).isNegative();
        assertThat(Versions.compare("v2.15.1", "2.15")).isPositive();
    }
}
