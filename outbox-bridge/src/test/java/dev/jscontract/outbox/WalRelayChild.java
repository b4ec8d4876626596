package dev.jscontract.outbox;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A WAL-mode relay in a process of its own, for {@link WalCrashIT}, which kills it with SIGKILL. Arguments: NATS URL,
 * JDBC URL, outbox table (also slot, publication and prefix), stream. Runs until killed; logs (SLF4J simple, stderr)
 * "streams from it" once it holds the slot.
 */
public final class WalRelayChild {
    private WalRelayChild() {}

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
                .wal(WalSettings.builder()
                        .slot(args[2])
                        .publication(args[2])
                        .prefix(args[2])
                        .takeoverInterval(Duration.ofMillis(200))
                        .statusInterval(Duration.ofMillis(100))
                        .build())
                .streams(args[3])
                .name("child-" + ProcessHandle.current().pid())
                .build();
        relay.start();
        Thread.sleep(Long.MAX_VALUE);
    }
}
