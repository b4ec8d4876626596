package dev.jscontract.testing.internal;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Options;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The jnats client options the harness uses for its own and for tests' connections. */
public final class ClientDefaults {
    private static final Logger LOG = LoggerFactory.getLogger(ClientDefaults.class);

    private ClientDefaults() {}

    /** A builder for the given servers: unlimited reconnects every 250 ms, 5 s connect timeout, logged errors. */
    public static Options.Builder options(String... servers) {
        return Options.builder()
                .servers(servers)
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .errorListener(new LoggingErrorListener());
    }

    /** Logs what jnats reports instead of dropping it. */
    static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("nats error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.warn("nats exception: {}", exp.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.warn("nats slow consumer: {}", consumer);
        }
    }
}
