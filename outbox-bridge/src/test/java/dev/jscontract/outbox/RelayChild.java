package dev.jscontract.outbox;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay in a process of its own, for {@link RelayCrashIT}, which starts it with the test classpath and kills it
 * with SIGKILL. Arguments: NATS URL, JDBC URL, outbox table, stream. Runs until killed; logs (SLF4J simple, stderr)
 * "owns partitions" once it publishes.
 */
public final class RelayChild {
    private RelayChild() {}

    /**
     * Starts the relay and waits forever.
     *
     * @param args NATS URL, JDBC URL, outbox table, stream
     * @throws Exception when the relay cannot start
     */
    public static void main(String[] args) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[1]);
        Connection nc = Nats.connect(Options.builder()
                .server(args[0])
                .maxReconnects(-1)
                .connectionTimeout(Duration.ofSeconds(5))
                .build());
        OutboxRelay relay = OutboxRelay.builder()
                .connection(nc)
                .dataSource(ds)
                .tables(OutboxTables.builder().table(args[2]).build())
                .streams(args[3])
                .name("child-" + ProcessHandle.current().pid())
                .rebalanceInterval(Duration.ofMillis(200))
                .build();
        relay.start();
        Thread.sleep(Long.MAX_VALUE);
    }
}
