package dev.jscontract.testing;

import io.nats.client.Connection;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A 3-node nats-server cluster on loopback: routes between the nodes, JetStream on each, so R3 streams can be
 * created and leaders lost.
 *
 * <pre>{@code
 * @WithNatsCluster
 * class LeaderLossIT {
 *   @Test
 *   void keepsEverything(NatsCluster cluster) throws Exception {
 *     try (Connection nc = cluster.connect()) {
 *       nc.jetStreamManagement().addStream(StreamConfiguration.builder()
 *           .name("ORDERS").subjects("orders.>").replicas(3).build());
 *       NatsServer leader = cluster.streamLeader("ORDERS");
 *       leader.kill();
 *       cluster.awaitNewStreamLeader("ORDERS", leader, Duration.ofSeconds(20));
 *       leader.start();
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Ownership</b>: the creator (the extension, or the caller of the static factory) closes it, which stops every
 * node and deletes their store directories. Thread-safe.
 */
public interface NatsCluster extends AutoCloseable {

    /** The nodes, in a stable order. */
    List<NatsServer> nodes();

    /** One node by index (0-based). */
    NatsServer node(int index);

    /** All client URLs, comma-separated, for {@link Options.Builder#server(String)}. */
    String urls();

    /** The version all nodes run. */
    String version();

    /** Connects to all nodes (the client fails over between them) with the same defaults as {@link NatsServer}. */
    Connection connect() throws IOException, InterruptedException;

    /**
     * A jnats options builder already pointed at all nodes, with the defaults {@link #connect()} uses; add to it and
     * pass it to {@code Nats.connect(builder.build())}. jnats appends servers to the list, so to connect through
     * a {@link TcpProxy} start from {@code Options.builder()} instead.
     */
    Options.Builder options();

    /**
     * The node that currently leads the stream's RAFT group, asked through a running node.
     *
     * @throws IllegalStateException when the stream has no leader right now
     */
    NatsServer streamLeader(String stream);

    /**
     * Waits until the stream has a leader that is not {@code previous} and returns it.
     *
     * @throws IllegalStateException when none is elected within the timeout
     */
    NatsServer awaitNewStreamLeader(String stream, NatsServer previous, Duration timeout);

    /**
     * Waits until every running node reports JetStream ready (a meta leader is known), e.g. after a restart.
     *
     * @throws IllegalStateException when that does not happen within the timeout
     */
    void awaitReady(Duration timeout);

    /** Stops all nodes and deletes their store directories. */
    @Override
    void close();
}
