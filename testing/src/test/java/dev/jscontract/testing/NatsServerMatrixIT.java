package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.nats.client.Connection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EventType;

/** {@link NatsServerMatrix}: one run of the class per available version, with the version in the display name. */
class NatsServerMatrixIT {
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    @Test
    void runsTheClassOncePerVersionWithTheVersionInItsName() {
        List<String> versions =
                NatsServers.matrix().stream().map(NatsServerBinary::version).toList();
        assertThat(versions).as("at least the default nats-server").isNotEmpty();

        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(Sample.class))
                .execute();

        results.testEvents()
                .assertStatistics(
                        stats -> stats.succeeded(versions.size()).failed(0).skipped(0));
        assertThat(SEEN).containsExactlyInAnyOrderElementsOf(versions);
        List<String> invocationNames = results.containerEvents().stream()
                .filter(e -> e.getType() == EventType.STARTED)
                .map(e -> e.getTestDescriptor().getDisplayName())
                .filter(name -> name.startsWith("[nats-server"))
                .toList();
        assertThat(invocationNames)
                .containsExactlyInAnyOrderElementsOf(
                        versions.stream().map(v -> "[nats-server " + v + "]").toList());
    }

    @Test
    void failuresNameTheVersionTheyHappenedOn() {
        List<String> versions =
                NatsServers.matrix().stream().map(NatsServerBinary::version).toList();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FailingSample.class))
                .execute();
        List<String> messages = results.testEvents().failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                        .map(Throwable::getMessage)
                        .orElse(""))
                .toList();
        assertThat(messages)
                .containsExactlyInAnyOrderElementsOf(versions.stream()
                        .map(v -> "[nats-server " + v + "] java.lang.IllegalStateException: fails on purpose")
                        .toList());
    }

    /** Fails on every version; run only through the test kit above. */
    @NatsServerMatrix
    @WithNatsServer
    static class FailingSample {
        @Test
        void fails() {
            throw new IllegalStateException("fails on purpose");
        }
    }

    /** Run only through the test kit above (Failsafe does not pick up nested classes on its own). */
    @NatsServerMatrix
    @WithNatsServer
    static class Sample {
        @Test
        void connectsToTheInvocationsVersion(NatsServer server) throws Exception {
            try (Connection nc = server.connect()) {
                assertThat(nc.getServerInfo().getVersion()).isEqualTo(server.version());
            }
            SEEN.add(server.version());
        }
    }
}
