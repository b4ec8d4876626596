package dev.jscontract.benchmarks.reliability;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The relay or the consumer of a {@link Pipeline} in a process of its own, so the harness can SIGKILL it. Arguments:
 * {@code relay|consumer}, NATS URL, JDBC URL, pipeline name. Prints {@code ready} once started and runs until killed.
 */
public final class PipelineChild {
    private PipelineChild() {}

    /**
     * Starts the part and waits forever.
     *
     * @param args role, NATS URL, JDBC URL, pipeline name
     * @throws Exception when it cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: PipelineChild relay|consumer <nats url> <jdbc url> <name>");
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[2]);
        Connection nc = Nats.connect(Options.builder()
                .server(args[1])
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .build());
        String me = args[0] + "-" + ProcessHandle.current().pid();
        switch (args[0]) {
            case "relay" -> Pipeline.relay(nc, ds, args[3], me).start();
            case "consumer" -> Pipeline.consumer(nc, ds, args[3], me).start();
            default -> throw new IllegalArgumentException("role must be relay or consumer but was " + args[0]);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
