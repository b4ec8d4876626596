package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.api.StreamConfiguration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;

/** {@code perTest = true}: every test gets a fresh server with an empty store. */
@WithNatsServer(perTest = true)
class PerTestServerIT {
    private static final Set<Integer> PORTS = new HashSet<>();

    @RepeatedTest(2)
    void eachTestSeesAnEmptyServer(NatsServer server) throws Exception {
        PORTS.add(server.port());
        try (Connection nc = server.connect()) {
            assertThat(nc.jetStreamManagement().getStreamNames()).isEmpty();
            nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name("S")
                            .subjects("s")
                            .build());
        }
    }

    @AfterAll
    static void differentServers() {
        assertThat(PORTS).hasSize(2);
    }
}
